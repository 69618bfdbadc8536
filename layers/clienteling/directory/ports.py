"""What other features may use of the directory: the values it defines (stores, customers, consent, settings,
associates, products) and small Protocols for the calls they make. Nothing else of `clienteling.directory` is
imported outside it (import-linter checks this); `directory/wiring.py` provides the implementations.

One port goes the other way: `CustomerCopies` is what the directory needs from a feature that keeps copies of a
customer's data (messaging's conversations and SMS threads), so that a profile or consent change moves them in the
same transaction without the directory importing that feature.

Keep this module light: it is imported on cold start by every function that reads a store or a customer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, Protocol

from clienteling.directory.domain import customer_numbers
from clienteling.directory.domain.associates import Associate, AssociateSummary, Availability
from clienteling.directory.domain.catalog import Category, Product, ProductLink
from clienteling.directory.domain.consent import (
    BUSINESS_WIDE,
    Channel,
    ConsentDecision,
    ConsentEvent,
    ConsentState,
    ConsentWrite,
    Method,
    Purpose,
    Status,
    effective,
)
from clienteling.directory.domain.customers import (
    Customer,
    CustomerNumberTaken,
    CustomerSummary,
    Gender,
    Pet,
    display_name,
)
from clienteling.directory.domain.settings import BusinessSettings, OptOutScope
from clienteling.directory.domain.stores import KeywordReplies, MessagingSettings, OptOutMention, Store
from clienteling.kernel.access import Caller
from clienteling.kernel.pages import Page
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import UnitOfWork

__all__ = [
    "BUSINESS_WIDE",
    "Associate",
    "AssociateLookup",
    "AssociateSummary",
    "Availability",
    "BusinessSettings",
    "Category",
    "Channel",
    "ConsentDecision",
    "ConsentEvent",
    "ConsentRecording",
    "ConsentState",
    "ConsentWrite",
    "Customer",
    "CustomerCopies",
    "CustomerEnrolment",
    "CustomerNumberTaken",
    "CustomerRecords",
    "CustomerSummary",
    "Gender",
    "KeywordReplies",
    "MessagingSettings",
    "Method",
    "OptOutMention",
    "OptOutScope",
    "Pet",
    "Product",
    "ProductLink",
    "ProductLookup",
    "Purpose",
    "SettingsLookup",
    "Status",
    "Store",
    "StoreListing",
    "StoreLookup",
    "customer_from_item",
    "customer_numbers",
    "display_name",
    "effective",
    "product_from_item",
]


class StoreLookup(Protocol):
    """Stores by id and by texting number (cached across warm invocations)."""

    def get(self, store_id: str, /) -> Store | None: ...

    def by_phone(self, e164: str, /) -> Store | None: ...


class StoreListing(Protocol):
    """Every store, a page at a time (a campaign to every store)."""

    def list(self, *, limit: int, cursor: str | None) -> Page[Store]: ...


class SettingsLookup(Protocol):
    """The business settings (one deployment = one retailer; the key is ""), cached."""

    def get(self, key: str, /) -> BusinessSettings: ...


class AssociateLookup(Protocol):
    def get(self, associate_id: str, /) -> Associate | None: ...

    def list_by_store(self, store_id: str, *, limit: int, cursor: str | None) -> Page[AssociateSummary]: ...


class ProductLookup(Protocol):
    def get(self, sku: str, /) -> Product | None: ...

    def get_many(self, skus: Iterable[str], /) -> dict[str, Product]: ...

    def links(self, skus: list[str], /) -> dict[str, ProductLink]: ...


class CustomerRecords(Protocol):
    """Customer profiles as other features read them, and the operations they add to their own unit of work on
    the profile (a customer created with the first text or at the till, segmentation tags, blocked stores).
    `customer_from_item` reads a profile item another feature fetched in its own batch (one request, not two)."""

    def get(self, customer_id: str, /) -> Customer | None: ...

    def require(self, customer_id: str, /) -> Customer: ...

    def get_many(self, customer_ids: list[str], /) -> dict[str, dict[str, Any]]: ...

    def id_by_phone(self, e164: str, /) -> str | None: ...

    def id_by_number(self, number: str, /) -> str | None: ...

    def ids_by_numbers(self, numbers: list[str], /) -> dict[str, str]: ...

    def find_exact(self, kind: str, value: str, *, limit: int, cursor: str | None) -> Page[CustomerSummary]: ...

    def search_names(self, text: str, *, limit: int, cursor: str | None) -> Page[CustomerSummary]: ...

    def create_ops(self, customer: Customer, /) -> list[Op]: ...

    def tags_ops(self, customer: Customer, tags: tuple[str, ...], *, now: datetime) -> list[Op]: ...

    def counter_ops(self, deltas: dict[tuple[str, str], int], /) -> list[Op]: ...

    def blocked_op(self, customer_id: str, store_id: str, *, blocked: bool) -> Op: ...


class ConsentRecording(Protocol):
    """Recording consent decisions with their proof, in the caller's unit of work (see directory.services.consent)."""

    def record(
        self,
        work: UnitOfWork,
        customer_id: str,
        decisions: list[ConsentDecision],
        *,
        now: datetime,
        previous: Callable[[ConsentDecision], Status],
        thread_stores: list[str],
        update_profile: bool = True,
    ) -> ConsentWrite: ...


class CustomerEnrolment(Protocol):
    """A new customer checked and numbered for the till, not written yet: the purchase that enrols them writes it
    (CustomerRecords.create_ops; draw another number on CustomerNumberTaken)."""

    def enrol(
        self,
        caller: Caller,
        *,
        first_name: str,
        last_name: str,
        home_store_id: str,
        email: str | None,
        phone_number: str | None,
        birth_date: date | None,
        pro: bool,
    ) -> Customer: ...


class CustomerCopies(Protocol):
    """Implemented by the feature that keeps copies of customers (messaging): the directory calls it inside its
    own unit of work when a profile or a consent changes."""

    def texting_stores(self, customer_id: str, /) -> list[str]: ...

    def consent_recorded(self, work: UnitOfWork, customer: Customer, write: ConsentWrite, *, now: datetime) -> None: ...

    def customer_changed(self, work: UnitOfWork, before: Customer, after: Customer) -> None: ...


def product_from_item(item: dict[str, Any]) -> Product:
    """A catalog product item another feature read in its own batch (the till reads them with the purchase's)."""
    from clienteling.directory.repositories.catalog import product_from_item as read  # noqa: PLC0415 - see below

    return read(item)


def customer_from_item(item: dict[str, Any]) -> Customer:
    """A customer profile item another feature read in its own batch (one request for both), as a Customer."""
    # Imported when used: this module stays free of the repository's imports (boto3) for pure callers.
    from clienteling.directory.repositories.customers import customer_from_item as read  # noqa: PLC0415

    return read(item)
