"""The package's map (docs/architecture.md) held against the code: every feature folder has the shape of the
"adding a feature" recipe, is one of the independent features import-linter checks, publishes what it emits, and is
on the map."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from schemas import generate

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "clienteling"
NOT_FEATURES = {"kernel", "edge", "adapters", "web", "__pycache__"}
LAYERS = ("domain", "services", "repositories", "contracts")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def _features_on_disk() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name not in NOT_FEATURES)


def _independent() -> list[str]:
    (contract,) = [c for c in _contracts() if c["type"] == "independence"]
    return sorted(str(m).removeprefix("clienteling.") for m in contract["modules"])  # type: ignore[attr-defined]


def test_every_feature_folder_is_an_independent_feature() -> None:
    assert _features_on_disk() == _independent()


@pytest.mark.parametrize("feature", _features_on_disk())
def test_a_feature_has_the_recipes_shape(feature: str) -> None:
    folder = PACKAGE / feature
    assert ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))), "say what it is"
    assert (folder / "wiring.py").is_file()
    for layer in LAYERS:
        assert (folder / layer / "__init__.py").is_file(), f"{feature}/{layer}/"
    assert f"  {feature}/" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), "put it on the map"


def test_a_feature_others_depend_on_publishes_ports_and_events_they_read() -> None:
    (contract,) = [c for c in _contracts() if c["type"] == "independence"]
    targets = {
        str(rule).split(" -> ")[1].removeprefix("clienteling.")
        for rule in contract["ignore_imports"]  # type: ignore[attr-defined]
        if "wiring" not in str(rule)
    }
    for target in targets:
        feature, surface = target.split(".")
        assert surface in {"ports", "events"}, f"{target}: a feature is reached only through its ports or events"
        assert (PACKAGE / feature / f"{surface}.py").is_file(), target


def test_every_events_module_is_published_in_the_schemas() -> None:
    with_events = {f for f in _features_on_disk() if (PACKAGE / f / "events.py").is_file()}
    published = {module.__name__.split(".")[1] for module in generate.PUBLISHERS}
    assert with_events == published
