"""The catalog: bulk import (idempotent upsert, all or nothing on a bad file), search, lookups, categories."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from clienteling.directory.contracts.catalog import CategoryIn, ProductLine
from clienteling.directory.domain.catalog import Category, Product
from clienteling.directory.repositories.catalog import CatalogRepository
from clienteling.kernel import money
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import NotFound, UnsupportedMediaType, ValidationFailed
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page

MAX_LINES = 5000
JSON_LINES = frozenset({"application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json"})
CSV = frozenset({"text/csv", "application/csv"})
MAX_REPORTED_ERRORS = 200


@dataclass(frozen=True, slots=True)
class ImportResult:
    lines: int
    created: int
    updated: int
    unchanged: int


def _error(line: int, field: str, kind: str, message: str) -> dict[str, Any]:
    return {"line": line, "field": field, "loc": ["body", str(line), *field.split(".")], "type": kind,
            "message": message}  # fmt: skip


def _rows(text: str, content_type: str) -> list[tuple[int, Any]]:
    """(line number, raw row) of a JSON lines or CSV file; the line number is where the row starts (1-based)."""
    if content_type in CSV:
        reader = csv.DictReader(io.StringIO(text))
        return [(reader.line_num, row) for row in reader]
    if content_type in JSON_LINES:
        rows: list[tuple[int, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError:
                    rows.append((number, None))
        return rows
    raise UnsupportedMediaType("Send the catalog as JSON lines (application/x-ndjson) or CSV (text/csv).")


class CatalogService:
    def __init__(self, catalog: CatalogRepository, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock

    # ------------------------------------------------------------------ reading
    def get(self, caller: Caller, sku: str) -> Product:
        caller.require_role(Role.ASSOCIATE)
        product = self._catalog.get(sku)
        if product is None:
            raise NotFound("No product with this SKU.")
        return product

    def by_barcode(self, caller: Caller, gtin: str) -> Product:
        caller.require_role(Role.ASSOCIATE)
        product = self._catalog.by_gtin(gtin)
        if product is None:
            raise NotFound("No product with this barcode.")
        return product

    def search(self, caller: Caller, query: str, *, limit: int, cursor: str | None) -> Page[Product]:
        caller.require_role(Role.ASSOCIATE)
        return self._catalog.search(query, limit=limit, cursor=cursor)

    def categories(self, caller: Caller) -> list[Category]:
        caller.require_role(Role.ASSOCIATE)
        return self._catalog.categories()

    def put_category(self, caller: Caller, category_id: str, data: CategoryIn) -> Category:
        caller.require_role(Role.ADMIN)
        if data.parent_id is not None and data.parent_id not in self._catalog.existing_categories([data.parent_id]):
            raise ValidationFailed(
                "No such parent category.",
                details=[{"field": "parentId", "loc": ["body", "parentId"], "type": "not_found"}],
            )
        category = Category(id=category_id, name=data.name, parent_id=data.parent_id, updated_at=self._clock())
        self._catalog.put_category(category)
        return category

    # ------------------------------------------------------------------ import
    def import_file(self, caller: Caller, text: str, content_type: str) -> ImportResult:
        """Upsert every product of the file, or nothing: any invalid line refuses the whole file with a report
        of every line's problems (validation_error, details carry the line numbers)."""
        caller.require_role(Role.ADMIN)
        rows = _rows(text, content_type)
        if not rows:
            raise ValidationFailed("The file has no products.", details=[_error(0, "", "empty", "no lines")])
        if len(rows) > MAX_LINES:
            raise ValidationFailed(f"At most {MAX_LINES} products per file; split it.")
        products, errors = self._validated(rows)
        if not errors:
            errors = self._conflicts(products)
        if errors:
            logger.info("catalog import refused", extra={"lines": len(rows), "errors": len(errors)})
            raise ValidationFailed(
                f"{len({e['line'] for e in errors})} of {len(rows)} lines are invalid; nothing was imported.",
                details=errors[:MAX_REPORTED_ERRORS],
            )
        previous = self._catalog.get_many([p.sku for _, p in products])
        created = updated = unchanged = 0
        batches = []
        for _, product in products:
            before = previous.get(product.sku)
            if before is not None and before.same_content(product):
                unchanged += 1
                continue
            created += before is None
            updated += before is not None
            batches.append(self._catalog.upsert_ops(product, before))
        self._catalog.write(batches)
        logger.info(
            "catalog imported",
            extra={"products_created": created, "products_updated": updated, "products_unchanged": unchanged},
        )
        return ImportResult(lines=len(rows), created=created, updated=updated, unchanged=unchanged)

    def _validated(self, rows: list[tuple[int, Any]]) -> tuple[list[tuple[int, Product]], list[dict[str, Any]]]:
        now = self._clock()
        products: list[tuple[int, Product]] = []
        errors: list[dict[str, Any]] = []
        seen_skus: dict[str, int] = {}
        seen_gtins: dict[str, int] = {}
        for number, raw in rows:
            if not isinstance(raw, dict):
                errors.append(_error(number, "", "json_invalid", "not a JSON object"))
                continue
            try:
                line = ProductLine.model_validate(raw)
            except ValidationError as error:
                errors += [
                    _error(
                        number, ".".join(str(p) for p in e["loc"]), e["type"], e["msg"].removeprefix("Value error, ")
                    )
                    for e in error.errors()
                ]
                continue
            try:
                price = line.price_minor if line.price is None else money.to_minor(line.price, line.currency)
            except ValueError as error:
                errors.append(_error(number, "price", "decimal_places", str(error)))
                continue
            if line.sku in seen_skus:
                errors.append(_error(number, "sku", "duplicate", f"already on line {seen_skus[line.sku]}"))
            if line.gtin and line.gtin in seen_gtins:
                errors.append(_error(number, "gtin", "duplicate", f"already on line {seen_gtins[line.gtin]}"))
            seen_skus.setdefault(line.sku, number)
            if line.gtin:
                seen_gtins.setdefault(line.gtin, number)
            products.append(
                (
                    number,
                    Product(
                        sku=line.sku,
                        gtin=line.gtin,
                        name=line.name,
                        description=line.description,
                        category_id=line.category_id,
                        price_minor=int(price or 0),
                        currency=line.currency,
                        tax_category=line.tax_category,
                        image_url=line.image_url,
                        product_url=line.product_url,
                        availability=dict(line.availability),
                        updated_at=now,
                    ),
                )
            )
        return products, errors

    def _conflicts(self, products: list[tuple[int, Product]]) -> list[dict[str, Any]]:
        """Barcodes held by other products, and categories that do not exist (checked before writing anything)."""
        errors: list[dict[str, Any]] = []
        owners = self._catalog.gtin_owners([p.gtin for _, p in products if p.gtin])
        categories = self._catalog.existing_categories({p.category_id for _, p in products if p.category_id})
        for number, product in products:
            if product.gtin and owners.get(product.gtin, product.sku) != product.sku:
                errors.append(_error(number, "gtin", "already_exists", "belongs to another product"))
            if product.category_id and product.category_id not in categories:
                errors.append(_error(number, "categoryId", "not_found", "no such category"))
        return errors
