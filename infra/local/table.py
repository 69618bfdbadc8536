"""Create the DynamoDB table from template.yaml's own `Table` resource (never from a hand-written copy)."""

from __future__ import annotations

from typing import Any

from infra.local import template

_CREATE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "StreamSpecification",
)


def table_definition() -> dict[str, Any]:
    """CreateTable arguments derived from the template (PITR and SSE have no local meaning)."""
    (resource,) = template.resources("AWS::DynamoDB::Table").values()
    props = resource["Properties"]
    definition = {key: props[key] for key in _CREATE_KEYS if key in props}
    if "StreamSpecification" in definition:
        definition["StreamSpecification"] = {"StreamEnabled": True, **definition["StreamSpecification"]}
    return definition


def ttl_attribute() -> str | None:
    (resource,) = template.resources("AWS::DynamoDB::Table").values()
    spec = resource["Properties"].get("TimeToLiveSpecification", {})
    return spec.get("AttributeName") if spec.get("Enabled") else None


def create_table(client: Any, name: str) -> None:
    """Create (or recreate) the table and wait until it is active."""
    existing = client.list_tables()["TableNames"]
    if name in existing:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name)
    client.create_table(TableName=name, **table_definition())
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    attribute = ttl_attribute()
    if attribute:
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )
