"""template.yaml invariants: every route reaches a handler that serves it, and the data plane is as declared."""

from __future__ import annotations

import importlib
import re

import pytest

from infra.local import gateway, template


def _powertools_routes(module: str) -> set[tuple[str, str]]:
    app = importlib.import_module(module).app
    routes = app._static_routes + app._dynamic_routes
    return {(route.method, re.sub(r"<([^>]+)>", r"{\1}", route.path)) for route in routes}


def _template_routes() -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for route in gateway.routes_from_template():
        found.setdefault(route.handler.split(":")[0], set()).add((route.method, route.path))
    return found


def test_every_template_route_is_served_by_its_function_and_back() -> None:
    for module, routes in _template_routes().items():
        handler_module = importlib.import_module(module)
        assert callable(handler_module.lambda_handler)
        if not hasattr(handler_module, "app"):
            continue
        assert routes == _powertools_routes(module), module


def test_routes_are_unique() -> None:
    keys = [r.key for r in gateway.routes_from_template()]
    assert len(keys) == len(set(keys))


def test_public_routes_are_only_the_intended_ones() -> None:
    public = {r.key for r in gateway.routes_from_template() if not r.authorized}
    assert public == {
        "GET /health",
        "POST /webhooks/twilio/sms",
        "POST /webhooks/twilio/status",
        "GET /c/{token}",
        "POST /webhooks/adyen",
    }


def test_table_is_declared_as_the_architecture_requires() -> None:
    (table,) = template.resources("AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert [i["IndexName"] for i in props["GlobalSecondaryIndexes"]] == ["GSI1", "GSI2", "GSI3"]


@pytest.mark.parametrize("name", sorted(template.functions()))
def test_functions_run_python311_on_arm64_with_the_layer(name: str) -> None:
    props = template.functions()[name]
    assert props["Runtime"] == "python3.11"
    assert props["Architectures"] == ["arm64"]
    assert props["Layers"] == [{"Ref": "DomainLayer"}]


def test_bucket_is_private_and_encrypted() -> None:
    (bucket,) = template.resources("AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
