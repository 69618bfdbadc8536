"""Every key string of the single table. Nothing else builds `PK`/`SK`/`GSIn` values.

See docs/data-model.md for the access patterns (AP-n) these keys serve.
"""

from __future__ import annotations

from typing import Any

Key = dict[str, str]

UNIQUE = "UNIQUE"


def _key(pk: str, sk: str) -> Key:
    return {"PK": pk, "SK": sk}


# Stores
def store(store_id: str) -> Key:
    return _key(f"STORE#{store_id}", "STORE")


STORES_INDEX = "STORES"


def store_sort(name_folded: str, store_id: str) -> str:
    return f"{name_folded}#{store_id}"


def store_phone(e164: str) -> Key:
    return _key(f"STOREPHONE#{e164}", UNIQUE)


# Associates
def associate(associate_id: str) -> Key:
    return _key(f"ASSOC#{associate_id}", "ASSOC")


def associate_membership(associate_id: str, store_id: str) -> Key:
    return _key(f"ASSOC#{associate_id}", f"MEMBER#{store_id}")


def store_associates(store_id: str) -> str:
    return f"STORE#{store_id}#ASSOCIATES"


def associate_email(email: str) -> Key:
    return _key(f"ASSOCEMAIL#{email}", UNIQUE)


# Customers
def customer(customer_id: str) -> Key:
    return _key(f"CUST#{customer_id}", "PROFILE")


def customer_partition(customer_id: str) -> str:
    return f"CUST#{customer_id}"


def customer_unique(kind: str, value: str) -> Key:
    """Uniqueness markers: kind is PHONE, INTID or NUMBER."""
    return _key(f"CUST{kind}#{value}", UNIQUE)


def customer_index_entry(customer_id: str, kind: str, value: str) -> Key:
    return _key(f"CUST#{customer_id}", f"IDX#{kind}#{value}")


def customer_index_partition(kind: str, bucket: str) -> str:
    return f"CIDX#{kind}#{bucket}"


def store_customers(store_id: str) -> str:
    return f"STORE#{store_id}#CUSTOMERS"


def consent_event(customer_id: str, at_iso: str, event_id: str) -> Key:
    return _key(f"CUST#{customer_id}", f"CONSENT#{at_iso}#{event_id}")


CONSENT_EVENT_PREFIX = "CONSENT#"


def strip(item: dict[str, Any]) -> dict[str, Any]:
    """An item without its key and index attributes."""
    return {k: v for k, v in item.items() if k not in _KEY_ATTRIBUTES}


_KEY_ATTRIBUTES = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "entity"})
