"""One SKU rule: every contract that names a product accepts and refuses exactly the strings the catalog does, so a
SKU accepted at the till, in a cart, a text or a campaign audience is one the catalog can hold. Field types shared
by several features are declared once, in clienteling.kernel.fields."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import clienteling
import pytest
from clienteling.campaigns.contracts.campaigns import Audience
from clienteling.commerce.contracts.carts import LineAdd
from clienteling.directory.contracts.catalog import ProductLine
from clienteling.kernel.wire import ResponseModel
from clienteling.loyalty.contracts.loyalty import PurchaseLineIn
from clienteling.loyalty.contracts.rewards import FrequentBuyerCardCreate
from clienteling.messaging.contracts.conversations import ScheduleMessage, SendMessage
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

PACKAGE = Path(clienteling.__file__).parent
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
FIELDS = PACKAGE / "kernel" / "fields.py"

SKUS = ["SKU-1", "ML-DRESS-SILK-EU", "robe.38_b", "0", "A" * 64, " SKU-1 ", "\tBAG-1\n"]
NOT_SKUS = ["", "   ", "SKU 1", "robe/38", "A" * 65, "café", "SKU#1", "SKU,1", "SKU\n1", "BAG+1"]

# Each request field that takes a SKU: its model, a body with one SKU in it, and the SKU read back.
Body = Callable[[str], dict[str, Any]]
Read = Callable[[Any], str | None]
SKU_FIELDS: dict[tuple[str, str], tuple[type[BaseModel], Body, Read]] = {
    ("ProductLine", "sku"): (
        ProductLine,
        lambda sku: {"sku": sku, "name": "Robe", "priceMinor": 12900, "currency": "EUR"},
        lambda line: line.sku,
    ),
    ("LineAdd", "sku"): (LineAdd, lambda sku: {"sku": sku, "fulfillment": "in_store"}, lambda line: line.sku),
    ("PurchaseLineIn", "sku"): (PurchaseLineIn, lambda sku: {"sku": sku}, lambda line: line.sku),
    ("FrequentBuyerCardCreate", "sku"): (
        FrequentBuyerCardCreate,
        lambda sku: {"title": "Tenth bag free", "buyCount": 9, "sku": sku},
        lambda card: card.sku,
    ),
    ("SendMessage", "product_ids"): (SendMessage, lambda sku: {"productIds": [sku]}, lambda m: m.product_ids[0]),
    ("ScheduleMessage", "product_ids"): (
        ScheduleMessage,
        lambda sku: {"productIds": [sku], "sendAt": "2026-12-01T10:00:00+01:00"},
        lambda m: m.product_ids[0],
    ),
    ("Audience", "purchased_skus"): (Audience, lambda sku: {"purchasedSkus": [sku]}, lambda a: a.purchased_skus[0]),
}


def _accepts(field: tuple[str, str], sku: str) -> str | None:
    """The SKU as the contract keeps it, or None when the contract refuses it (and only because of the SKU)."""
    model, body, read = SKU_FIELDS[field]
    try:
        return read(model.model_validate(body(sku)))
    except ValidationError as error:
        refused = {e["loc"][0] for e in error.errors()}
    # Refused for the SKU, not for the rest of the body (which would prove nothing about SKUs).
    assert refused == {model.model_fields[field[1]].alias}, f"{model.__name__} refused {sku!r} for {refused}"
    return None


@pytest.mark.parametrize("field", SKU_FIELDS, ids=".".join)
@pytest.mark.parametrize("sku", SKUS)
def test_every_contract_accepts_the_catalogs_skus(field: tuple[str, str], sku: str) -> None:
    assert _accepts(field, sku) == sku.strip()


@pytest.mark.parametrize("field", SKU_FIELDS, ids=".".join)
@pytest.mark.parametrize("sku", NOT_SKUS)
def test_every_contract_refuses_what_the_catalog_refuses(field: tuple[str, str], sku: str) -> None:
    assert _accepts(field, sku) is None


@given(
    st.one_of(
        st.text(alphabet="aZ09._- /#éA\t", max_size=70),
        st.text(max_size=70),
    )
)
def test_every_contract_agrees_with_the_catalog_on_any_string(sku: str) -> None:
    catalog = _accepts(("ProductLine", "sku"), sku)
    assert {field: _accepts(field, sku) for field in SKU_FIELDS} == dict.fromkeys(SKU_FIELDS, catalog)


def _request_models() -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = []
    for feature in pkgutil.iter_modules([str(PACKAGE)]):
        contracts = PACKAGE / feature.name / "contracts"
        if not feature.ispkg or not contracts.is_dir():
            continue
        for module in pkgutil.iter_modules([str(contracts)]):
            loaded = importlib.import_module(f"clienteling.{feature.name}.contracts.{module.name}")
            models += [
                value
                for value in vars(loaded).values()
                if isinstance(value, type)
                and issubclass(value, BaseModel)
                and not issubclass(value, ResponseModel)
                and value.__module__ == loaded.__name__
            ]
    return models


def test_every_request_field_that_takes_a_sku_is_checked_above() -> None:
    named = {
        (model.__name__, name)
        for model in _request_models()
        for name in model.model_fields
        if name == "sku" or name.endswith("_skus") or name == "product_ids"
    }
    assert named == set(SKU_FIELDS)


def _declarations(path: Path) -> dict[str, ast.expr | None]:
    """Module-level names and what they are bound to."""
    bound: dict[str, ast.expr | None] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            bound |= {t.id: node.value for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound[node.target.id] = node.value
    return bound


def _is_field_type(value: ast.expr | None) -> bool:
    # A pydantic field type is Annotated[...]; a domain's plain alias (AttributeValue = str | int ...) is not one.
    return value is not None and any(isinstance(n, ast.Name) and n.id == "Annotated" for n in ast.walk(value))


def _sources() -> list[Path]:
    return sorted(path for path in [*PACKAGE.rglob("*.py"), *FUNCTIONS.rglob("*.py")] if path != FIELDS)


def _where(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent.parent))


def test_sku_is_declared_only_in_kernel_fields() -> None:
    assert "Sku" in _declarations(FIELDS)
    assert [_where(path) for path in _sources() if "Sku" in _declarations(path)] == []


def test_shared_field_types_are_declared_only_in_kernel_fields() -> None:
    shared = {name for name, value in _declarations(FIELDS).items() if _is_field_type(value)}
    assert {"Sku", "PhoneText", "Name", "Tag", "CategoryId", "Minor", "PositiveMinor"} <= shared
    redeclared = [
        f"{_where(path)}: {name}"
        for path in _sources()
        for name, value in _declarations(path).items()
        if name in shared and _is_field_type(value)
    ]
    assert redeclared == [], "import these from clienteling.kernel.fields instead"


def test_the_sku_pattern_is_written_only_in_kernel_fields() -> None:
    assert "A-Za-z0-9._-" in FIELDS.read_text(encoding="utf-8")
    assert [_where(path) for path in _sources() if "A-Za-z0-9._-" in path.read_text(encoding="utf-8")] == []
