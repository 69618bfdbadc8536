"""A customer of the retailer, shared by every store (they shop where they like)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from clienteling.directory.domain.consent import ConsentState
from clienteling.kernel.addresses import Address
from clienteling.kernel.errors import AlreadyExists
from clienteling.kernel.search_text import fold, search_tokens


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    UNDISCLOSED = "undisclosed"


@dataclass(frozen=True, slots=True)
class Pet:
    name: str
    species: str
    birth_month: int | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    customer_number: str
    first_name: str
    last_name: str
    home_store_id: str
    version: int
    created_at: datetime
    updated_at: datetime
    internal_id: str | None = None
    phone_number: str | None = None
    email: str | None = None
    address: Address | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    pets: tuple[Pet, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    notes: str | None = None
    unidentified: bool = False  # created from an unknown texting number; names are placeholders
    pro: bool = False  # a professional customer (trade prices, pro-only rewards)
    primary_associates: dict[str, str] = field(default_factory=dict)  # store id -> the customer's own associate
    consents: dict[str, ConsentState] = field(default_factory=dict)

    @property
    def name_tokens(self) -> list[str]:
        return search_tokens(self.first_name, self.last_name)

    @property
    def sort_name(self) -> str:
        return f"{fold(self.last_name)} {fold(self.first_name)}"


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """What a search result shows, enough to pick the right person."""

    id: str
    customer_number: str
    first_name: str
    last_name: str
    home_store_id: str
    phone_number: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class ReducedCustomer:
    """What a search shows of a customer of a store the caller does not work in: enough to recognise them and
    find their card at the till, no way to reach them (no id, phone, email or notes)."""

    customer_number: str
    first_name: str
    last_name: str
    home_store_id: str


def reduced(found: CustomerSummary) -> ReducedCustomer:
    return ReducedCustomer(
        customer_number=found.customer_number,
        first_name=found.first_name,
        last_name=found.last_name,
        home_store_id=found.home_store_id,
    )


class CustomerNumberTaken(AlreadyExists):
    """The random customer number collided: draw another one."""


def summary(customer: Customer) -> CustomerSummary:
    return CustomerSummary(
        id=customer.id,
        customer_number=customer.customer_number,
        first_name=customer.first_name,
        last_name=customer.last_name,
        home_store_id=customer.home_store_id,
        phone_number=customer.phone_number,
        email=customer.email,
    )


def birth_months(customer: Customer) -> list[int]:
    """Months a birthday reward is due: the customer's own and their pets' (custom attributes), without repeats."""
    months = [customer.birth_date.month] if customer.birth_date else []
    months += [p.birth_month for p in customer.pets if p.birth_month]
    return sorted(set(months))


def display_name(customer: Customer) -> str:
    return f"{customer.first_name} {customer.last_name}".strip()
