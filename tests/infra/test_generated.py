"""Generated files stay in step with the code: schemas/ and the layer's requirements.txt."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from schemas import generate

ROOT = Path(__file__).resolve().parents[2]


def test_schemas_match_the_code() -> None:
    for path, text in generate.rendered().items():
        assert path.exists(), f"{path.name} missing: run `make schemas`"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} drifted: run `make schemas`"


def test_openapi_covers_every_route_of_the_template() -> None:
    document = generate.openapi_document()
    from infra.local import gateway

    for route in gateway.routes_from_template():
        assert route.method.lower() in document["paths"].get(route.path, {}), route.key


def test_layer_requirements_match_the_lock_file() -> None:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.fail("uv is missing: run `make install`")
    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-header", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (ROOT / "layers" / "requirements.txt").read_text(encoding="utf-8") == exported, "run `make deps`"
