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
        "GET /email/unsubscribe/{token}",
        "POST /email/unsubscribe/{token}",
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


def _references(value: object) -> set[str]:
    """Logical ids a template value refers to (Ref, GetAtt, and ${...} in Sub), pseudo parameters aside."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
                found |= _references(inner[1:] if isinstance(inner, list) else [])
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return {name for name in found if not name.startswith("AWS::")}


def test_resources_do_not_depend_on_each_other_in_a_circle() -> None:
    # CloudFormation refuses a circular dependency at deploy time, and cfn-lint does not see one through SAM's
    # transform (a function naming a role that names the function, for example).
    declared = template.load()["Resources"]
    graph = {name: _references(body) & set(declared) for name, body in declared.items()}
    for name, body in declared.items():
        depends = body.get("DependsOn", [])
        graph[name] |= set([depends] if isinstance(depends, str) else depends)

    def cycle_from(start: str) -> list[str] | None:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*path, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for name in graph if (c := cycle_from(name))]
    assert cycles == []
