"""Generate schemas/ from the code: the OpenAPI 3.1 document of the HTTP API (from every function's
resolver), one JSON Schema per EventBridge event detail and one per SQS queue's messages. `--check` fails when
the files on disk differ.

    python -m schemas.generate [--check]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server
from clienteling.campaigns.contracts.send_queue import SendRequest
from clienteling.commerce import events as commerce_events
from clienteling.directory import events as directory_events
from clienteling.kernel.events import SOURCE
from clienteling.loyalty import events as loyalty_events
from clienteling.messaging import events as messaging_events

from infra.local import gateway

ROOT = Path(__file__).resolve().parent
FUNCTIONS = ROOT.parent / "functions"
VERSION = "1.0.0"


def openapi_document() -> dict[str, Any]:
    merge = OpenAPIMerge(
        title="Clienteling API",
        version=VERSION,
        openapi_version="3.1.0",
        description=(
            "The associate app's API (bearer JWT from the Cognito user pool: the ID token), and the public "
            "endpoints providers and customers call. JSON uses camelCase; errors are "
            '{"error": {"code", "message", "details"}}.'
        ),
        servers=[Server(url="http://127.0.0.1:3000", description="make dev")],
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearerAuth": []}],
        on_conflict="error",
    )
    for path in sorted(FUNCTIONS.glob("*.py")):
        module = importlib.import_module(f"functions.{path.stem}")
        app = getattr(module, "app", None)
        if app is not None and hasattr(app, "get_openapi_schema"):
            merge.add_schema(app.get_openapi_schema())
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    # Public routes (no authorizer in template.yaml) say so, instead of inheriting the bearer requirement.
    for route in gateway.routes_from_template():
        operation = document["paths"].get(route.path, {}).get(route.method.lower())
        if operation is not None and not route.authorized:
            operation["security"] = []
    document["paths"]["/health"] = {
        "get": {
            "summary": "Liveness probe",
            "tags": ["Health"],
            "security": [],
            "operationId": "health",
            "responses": {
                "200": {"description": "The API is up", "content": {"application/json": {"schema": {"type": "object"}}}}
            },
        }
    }
    return document


# Each feature publishes its own events; this is the whole bus's list.
PUBLISHERS = (directory_events, messaging_events, commerce_events, loyalty_events)


def event_schemas() -> dict[str, dict[str, Any]]:
    return {
        f"{SOURCE}.{model.__name__}.v1.json": model.model_json_schema(by_alias=True)
        for publisher in PUBLISHERS
        for model in publisher.PUBLISHED
    }


QUEUE_MESSAGES = {"CampaignSendQueue": SendRequest}


def queue_schemas() -> dict[str, dict[str, Any]]:
    return {f"{queue}.v1.json": model.model_json_schema(by_alias=True) for queue, model in QUEUE_MESSAGES.items()}


def rendered() -> dict[Path, str]:
    files = {ROOT / "openapi.json": json.dumps(openapi_document(), indent=2, ensure_ascii=False, sort_keys=True)}
    for name, schema in event_schemas().items():
        files[ROOT / "events" / name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True)
    for name, schema in queue_schemas().items():
        files[ROOT / "queues" / name] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True)
    return {path: text + "\n" for path, text in files.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if files on disk differ")
    args = parser.parse_args()
    files = rendered()
    existing = {path for folder in ("events", "queues") for path in (ROOT / folder).glob("*.json")}
    stale = sorted(existing - files.keys())
    if args.check:
        drift = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        if drift or stale:
            for path in drift + stale:
                print(f"schemas drift: {path.relative_to(ROOT.parent)} (run `make schemas`)", file=sys.stderr)
            return 1
        return 0
    for path in stale:
        path.unlink()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
