"""Helpers for loyalty tests: catalog products written as the catalog writes them, emails moto's SES kept."""

from __future__ import annotations

import os
import uuid
from typing import Any

import boto3
import requests

from infra.local.stack import RunningStack


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def put_product(sku: str, *, price_minor: int, category_id: str, currency: str = "EUR", name: str = "") -> None:
    """A catalog product item (PK=PRODUCT#<sku>, SK=PRODUCT) with the carts issue's attributes."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    table.put_item(
        Item={
            "PK": f"PRODUCT#{sku}",
            "SK": "PRODUCT",
            "entity": "product",
            "sku": sku,
            "name": name or f"Product {sku}",
            "category_id": category_id,
            "price_minor": price_minor,
            "currency": currency,
            "tax_category": "standard",
        }
    )


def emails_to(stack: RunningStack, address: str) -> list[dict[str, Any]]:
    """Emails moto's SES accepted for `address`, parsed by the local stack's `/_local/emails` (subject, text...)."""
    found: list[dict[str, Any]] = requests.get(
        f"{stack.api_url}/_local/emails", params={"to": address}, timeout=30
    ).json()["emails"]
    return found
