"""Conversions between DynamoDB attribute values and domain values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from clienteling.kernel.addresses import Address
from clienteling.kernel.clock import from_iso, iso


def to_int(value: Any) -> int:
    return int(value) if isinstance(value, Decimal | int) else 0


def dt(value: Any) -> datetime:
    return from_iso(str(value))


def dt_or_none(value: Any) -> datetime | None:
    return from_iso(str(value)) if value else None


def when(value: datetime) -> str:
    return iso(value)


def address_to_item(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        k: v
        for k, v in {
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "region": address.region,
            "postal_code": address.postal_code,
            "country": address.country,
        }.items()
        if v is not None
    }


def address_from_item(item: dict[str, Any] | None) -> Address | None:
    return required_address(item) if item else None


def required_address(item: dict[str, Any]) -> Address:
    return Address(
        line1=item["line1"],
        line2=item.get("line2"),
        city=item["city"],
        region=item.get("region"),
        postal_code=item["postal_code"],
        country=item["country"],
    )


def without_none(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}
