"""Cold start: importing each function's handler module in a fresh interpreter (median of 15 runs), divided by
a reference floor measured in the same run, plus heavy modules a function loads that its path never uses.

The floor is a throw-away module that only creates a Powertools Logger, an HTTP API resolver (with validation,
as every API function of this architecture has) and a boto3 DynamoDB client: the least any function here loads.

Imports come from what `sam build` deploys, built for this machine: the layer by layers/Makefile (dependencies
and the clienteling package, with bytecode) and the handler modules as plain source, which Lambda compiles at
each cold start (its file system is read-only). Only the standard library comes from this interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.local import template

RUNS = 15  # one import varies by ±15% on a small shared machine: more runs, steadier medians
TARGETS = {"api": 1.15, "webhook": 1.0, "worker": 1.3}
HEAVY = ("Adyen", "twilio.rest", "jinja2", "holidays", "PIL", "qrcode", "segno", "barcode", "aiohttp", "requests")
# Heavy modules a function's own path needs (it sends SMS, renders pages, ...).
USES: dict[str, set[str]] = {"CartPageFunction": {"jinja2"}}

FLOOR = """
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
import boto3
logger = Logger()
app = APIGatewayHttpResolver(enable_validation=True)
client = boto3.client("dynamodb")
"""

PROBE = """
import json, sys, time
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "modules": sorted(m for m in sys.modules
                   if any(m == h or m.startswith(h + ".") for h in {heavy!r}))}}))
"""


def _kind(props: dict[str, Any]) -> str:
    events: dict[str, Any] = props.get("Events") or {}
    http = [e for e in events.values() if isinstance(e, dict) and e.get("Type") == "HttpApi"]
    if not http:
        return "worker"
    # Webhooks are the providers' callbacks; public pages (health, the cart page) count as API functions.
    webhooks = all(str(e["Properties"].get("Path", "")).startswith("/webhooks/") for e in http)
    return "webhook" if webhooks else "api"


def _measure(module: str, env: dict[str, str], cwd: str) -> tuple[float, list[str]]:
    out = subprocess.run(  # -S: no site-packages of this machine, only the built layer on PYTHONPATH
        [sys.executable, "-S", "-c", PROBE.format(module=module, heavy=HEAVY)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return float(data["seconds"]), list(data["modules"])


def _build(root: Path, tmp: Path) -> tuple[Path, Path]:
    """The layer as layers/Makefile builds it, for this machine, and a copy of the handlers' source."""
    platform = f"{os.uname().machine}-manylinux2014"
    uv = root / ".tools" / "bin" / "uv"
    make = shutil.which("make") or "make"
    subprocess.run(
        [
            make,
            "--silent",
            "-C",
            str(root / "layers"),
            "build-DomainLayer",
            f"ARTIFACTS_DIR={tmp / 'layer'}",
            f"PLATFORM={platform}",
            f"LAYER_PYTHON={sys.executable}",
            f"UV={uv if uv.exists() else 'uv'}",
        ],
        check=True,
    )
    code = tmp / "task"
    shutil.copytree(root / "functions", code / "functions", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp / "layer" / "python", code


def run() -> int:
    root = Path(__file__).resolve().parents[1]
    functions = dict(template.functions())
    modules = {name: "functions." + str(props["Handler"]).rsplit(".", 1)[0] for name, props in functions.items()}
    with tempfile.TemporaryDirectory() as tmp:
        site, code = _build(root, Path(tmp))
        (code / "floor_module.py").write_text(FLOOR, encoding="utf-8")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{code}:{site}",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "PYTHONDONTWRITEBYTECODE": "1",  # as on Lambda's read-only file system
        }
        # Warm the OS file cache once, then interleave runs so drift hits floor and functions alike.
        _measure("floor_module", env, str(code))
        samples: dict[str, list[float]] = {name: [] for name in modules}
        floor: list[float] = []
        loaded: dict[str, list[str]] = {}
        for _ in range(RUNS):
            floor.append(_measure("floor_module", env, str(code))[0])
            for name, module in modules.items():
                seconds, heavy = _measure(module, env, str(code))
                samples[name].append(seconds)
                loaded[name] = heavy
    base = statistics.median(floor)
    print(f"\n== Cold start: handler import, median of {RUNS} fresh interpreters ==")
    quartiles = statistics.quantiles(floor, n=4)
    print(
        f"floor (Logger + HTTP API resolver + DynamoDB client): {base * 1000:.0f} ms "
        f"(its runs' quartiles {quartiles[0] * 1000:.0f}-{quartiles[2] * 1000:.0f} ms: ratios within a few "
        "hundredths of a target can fall either side of it from one run to the next)"
    )
    print(f"{'function':<32}{'kind':<9}{'ms':>7}{'ratio':>8}{'target':>8}  unused heavy modules")
    missed = 0
    for name in sorted(modules):
        kind = _kind(functions[name])
        median = statistics.median(samples[name])
        ratio = median / base
        unused = sorted(
            {m.split(".")[0] if m.split(".")[0] != "twilio" else "twilio.rest" for m in loaded[name]}
            - USES.get(name, set())
        )
        ok = ratio <= TARGETS[kind] and not unused
        missed += not ok
        print(
            f"{name:<32}{kind:<9}{median * 1000:>7.0f}{ratio:>8.2f}{TARGETS[kind]:>8.2f}  "
            f"{', '.join(unused) or 'none'}{'' if ok else '   <-- MISSED'}"
        )
    return missed
