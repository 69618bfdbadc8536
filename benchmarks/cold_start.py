"""Cold start: importing each function's handler module in a fresh interpreter (median of 9 runs), divided by
a reference floor measured in the same run, plus heavy modules a function loads that its path never uses.

The floor is a throw-away module that only creates a Powertools Logger, an HTTP API resolver (with validation,
as every API function of this architecture has) and a boto3 DynamoDB client: the least any function here loads.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.local import template

RUNS = 9
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
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, heavy=HEAVY)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return float(data["seconds"]), list(data["modules"])


def run() -> int:
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": f"{root / 'layers'}:{root}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    functions = dict(template.functions())
    modules = {name: "functions." + str(props["Handler"]).rsplit(".", 1)[0] for name, props in functions.items()}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "floor_module.py").write_text(FLOOR, encoding="utf-8")
        floor_env = {**env, "PYTHONPATH": f"{tmp}:{env['PYTHONPATH']}"}
        # Warm the OS file cache once, then interleave runs so drift hits floor and functions alike.
        _measure("floor_module", floor_env, str(root))
        samples: dict[str, list[float]] = {name: [] for name in modules}
        floor: list[float] = []
        loaded: dict[str, list[str]] = {}
        for _ in range(RUNS):
            floor.append(_measure("floor_module", floor_env, str(root))[0])
            for name, module in modules.items():
                seconds, heavy = _measure(module, floor_env, str(root))
                samples[name].append(seconds)
                loaded[name] = heavy
    base = statistics.median(floor)
    print(f"\n== Cold start: handler import, median of {RUNS} fresh interpreters ==")
    print(f"floor (Logger + HTTP API resolver + DynamoDB client): {base * 1000:.0f} ms")
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
