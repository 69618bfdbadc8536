"""The directory's ports in memory: stores, business settings, associates, the catalog, customer records (with the
consent trail the real ConsentRecorder writes through them) and enrolment at the till."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from clienteling.directory.ports import (
    Associate,
    AssociateSummary,
    BusinessSettings,
    ConsentEvent,
    ConsentState,
    Customer,
    CustomerNumberTaken,
    CustomerSummary,
    Product,
    ProductLink,
    Store,
    customer_numbers,
)
from clienteling.directory.repositories.customers import INTERNAL_ID, NUMBER, PHONE, taken
from clienteling.kernel import keys
from clienteling.kernel.access import Caller
from clienteling.kernel.errors import AlreadyExists, NotFound, ValidationFailed
from clienteling.kernel.ids import new_id
from clienteling.kernel.items import when
from clienteling.kernel.pages import Page
from clienteling.kernel.phone import InvalidPhoneNumber, to_e164_mobile
from clienteling.kernel.transactions import Op

from tests.fakes.storage import fake_op, run


class FakeStores:
    """directory.ports.StoreLookup."""

    def __init__(self, *stores: Store) -> None:
        self._stores = {store.id: store for store in stores}

    def add(self, store: Store) -> Store:
        self._stores[store.id] = store
        return store

    def get(self, store_id: str, /) -> Store | None:
        return self._stores.get(store_id)

    def by_phone(self, e164: str, /) -> Store | None:
        return next((store for store in self._stores.values() if store.phone_number == e164), None)


class FakeSettings:
    """directory.ports.SettingsLookup: the business settings, `current` until a test changes them."""

    def __init__(self, settings: BusinessSettings | None = None) -> None:
        self.current = settings or BusinessSettings()

    def get(self, key: str, /) -> BusinessSettings:
        if key != "":
            raise KeyError(key)  # one deployment, one retailer: the key is ""
        return self.current


class FakeAssociates:
    """directory.ports.AssociateLookup; pages of `limit` associates by display name, the cursor an offset."""

    def __init__(self, *associates: Associate) -> None:
        self._associates = {a.id: a for a in associates}

    def add(self, associate: Associate) -> Associate:
        self._associates[associate.id] = associate
        return associate

    def get(self, associate_id: str, /) -> Associate | None:
        return self._associates.get(associate_id)

    def list_by_store(self, store_id: str, *, limit: int, cursor: str | None) -> Page[AssociateSummary]:
        found = sorted(
            (a for a in self._associates.values() if store_id in a.store_ids), key=lambda a: (a.display_name, a.id)
        )
        start = int(cursor or 0)
        items = [AssociateSummary(a.id, a.display_name, a.role, a.availability, a.active) for a in found]
        end = start + limit
        return Page(items[start:end], str(end) if end < len(items) else None)


class FakeCatalog:
    """directory.ports.ProductLookup."""

    def __init__(self, *products: Product) -> None:
        self._products = {product.sku: product for product in products}

    def add(self, product: Product) -> Product:
        self._products[product.sku] = product
        return product

    def get(self, sku: str, /) -> Product | None:
        return self._products.get(sku)

    def get_many(self, skus: Iterable[str], /) -> dict[str, Product]:
        return {sku: self._products[sku] for sku in skus if sku in self._products}

    def links(self, skus: list[str], /) -> dict[str, ProductLink]:
        return {p.sku: ProductLink(p.sku, p.name, p.product_url) for p in self.get_many(skus).values()}


class FakeCustomers:
    """directory.ports.CustomerRecords, and the consent writes the real ConsentRecorder makes through the customer
    records (directory.services.consent.ConsentTrail), in memory.

    Mirrors CustomerRepository where the use cases depend on it:
    - `create_ops`: the profile (condition: new; no error of its own, so ConditionFailed) and one uniqueness
      marker per customer number, phone and internal id (condition: free; CustomerNumberTaken for the number,
      `taken(...)` AlreadyExists for the others), which `id_by_phone` / `id_by_number` then read;
    - `consents_op`: the profile's consent states merged in, a new version (condition: the profile exists);
    - `consent_event_op`: one append-only entry of the consent trail, read back with `consent_events`;
    - `blocked_op`: the stores that blocked the customer, kept with the profile.
    Search (lookup entries, tags and their counters) is not kept: no use case of the fast tier reads it yet.
    """

    def __init__(self) -> None:
        self._profiles: dict[str, Customer] = {}
        self._unique: dict[tuple[str, str], str] = {}  # (kind, value) -> customer id
        self._trail: dict[str, list[ConsentEvent]] = {}
        self.blocked_stores: dict[str, set[str]] = {}

    # ------------------------------------------------------------------ given
    def add(self, customer: Customer) -> Customer:
        """A customer already on file (as CustomerRepository.create writes one: refused if a marker is taken)."""
        run(self.create_ops(customer))
        return customer

    # ------------------------------------------------------------------ reads
    def get(self, customer_id: str, /) -> Customer | None:
        return self._profiles.get(customer_id)

    def require(self, customer_id: str, /) -> Customer:
        customer = self.get(customer_id)
        if customer is None:
            raise NotFound("No such customer.")
        return customer

    def get_many(self, customer_ids: list[str], /) -> dict[str, dict[str, Any]]:
        raise NotImplementedError("profiles as stored items: no use case of the fast tier reads them yet")

    def id_by_phone(self, e164: str, /) -> str | None:
        return self._unique.get((PHONE, e164))

    def id_by_number(self, number: str, /) -> str | None:
        return self._unique.get((NUMBER, number))

    def ids_by_numbers(self, numbers: list[str], /) -> dict[str, str]:
        return {n: self._unique[(NUMBER, n)] for n in dict.fromkeys(numbers) if (NUMBER, n) in self._unique}

    def find_exact(self, kind: str, value: str, *, limit: int, cursor: str | None) -> Page[CustomerSummary]:
        raise NotImplementedError("customer search: no use case of the fast tier reads it yet")

    def search_names(self, text: str, *, limit: int, cursor: str | None) -> Page[CustomerSummary]:
        raise NotImplementedError("customer search: no use case of the fast tier reads it yet")

    def consent_events(self, customer_id: str, *, limit: int, cursor: str | None) -> Page[ConsentEvent]:
        """The consent trail, newest first (as CustomerRepository.consent_events); one page."""
        if cursor is not None:
            raise NotImplementedError("one page only")
        return Page(list(reversed(self._trail.get(customer_id, [])))[:limit])

    # ------------------------------------------------------------------ operations
    def create_ops(self, customer: Customer, /) -> list[Op]:
        def put_profile() -> None:
            self._profiles[customer.id] = customer

        ops = [
            fake_op(
                keys.customer(customer.id),
                "customer_put",
                apply=put_profile,
                condition=lambda: customer.id not in self._profiles,
                subject=customer,
            )
        ]
        unique: dict[str, tuple[str, AlreadyExists]] = {NUMBER: (customer.customer_number, CustomerNumberTaken())}
        if customer.phone_number:
            unique[PHONE] = (customer.phone_number, taken("phoneNumber", "phone number"))
        if customer.internal_id:
            unique[INTERNAL_ID] = (customer.internal_id, taken("internalId", "internal id"))
        for kind, (value, error) in unique.items():
            ops.append(self._marker_op(kind, value, customer.id, error))
        return ops

    def _marker_op(self, kind: str, value: str, customer_id: str, error: AlreadyExists) -> Op:
        def claim() -> None:
            self._unique[(kind, value)] = customer_id

        return fake_op(
            keys.customer_unique(kind, value),
            f"customer_marker:{kind}",
            apply=claim,
            condition=lambda: (kind, value) not in self._unique,
            error=error,
        )

    def consent_event_op(self, event: ConsentEvent) -> Op:
        trail = self._trail.setdefault(event.customer_id, [])
        return fake_op(
            keys.consent_event(event.customer_id, when(event.at), event.id),
            "consent_event_put",
            apply=lambda: trail.append(event),
            condition=lambda: all(e.id != event.id for e in trail),
            subject=event,
        )

    def consents_op(self, customer_id: str, states: dict[str, ConsentState], *, now: datetime) -> Op:
        def merge() -> None:
            current = self._profiles[customer_id]
            self._profiles[customer_id] = dataclasses.replace(
                current, consents={**current.consents, **states}, version=current.version + 1, updated_at=now
            )

        return fake_op(
            keys.customer(customer_id),
            "customer_consents",
            apply=merge,
            condition=lambda: customer_id in self._profiles,
            subject=states,
        )

    def blocked_op(self, customer_id: str, store_id: str, *, blocked: bool) -> Op:
        def change() -> None:
            stores = self.blocked_stores.setdefault(customer_id, set())
            (stores.add if blocked else stores.discard)(store_id)

        return fake_op(
            keys.customer(customer_id),
            "customer_blocked_stores",
            apply=change,
            condition=lambda: customer_id in self._profiles,
        )

    def tags_ops(self, customer: Customer, tags: tuple[str, ...], *, now: datetime) -> list[Op]:
        raise NotImplementedError("segment tags: no use case of the fast tier writes them yet")

    def counter_ops(self, deltas: dict[tuple[str, str], int], /) -> list[Op]:
        raise NotImplementedError("segment tags: no use case of the fast tier writes them yet")


class FakeEnrolment:
    """directory.ports.CustomerEnrolment, checking what CustomerService.enrol checks of a till's new customer: the
    caller works in the home store (Forbidden), which must exist (400), the phone is a mobile read in the store's
    country (400), the email is kept in lower case; a fresh customer number, drawn from `numbers` first when the
    test gives some (to make one collide). Nothing is written: the purchase writes the customer."""

    def __init__(self, stores: FakeStores, clock: Callable[[], datetime], *, numbers: Iterable[str] = ()) -> None:
        self._stores = stores
        self._clock = clock
        self._numbers = list(numbers)
        self.enrolled: list[Customer] = []

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
    ) -> Customer:
        caller.require_store(home_store_id)
        store = self._stores.get(home_store_id)
        if store is None:
            raise _invalid("homeStoreId", "is not a store")
        try:
            phone = to_e164_mobile(phone_number, store.country) if phone_number is not None else None
        except InvalidPhoneNumber as error:
            raise _invalid("phoneNumber", str(error), "phone_number") from error
        now = self._clock()
        customer = Customer(
            id=new_id(),
            customer_number=self._numbers.pop(0) if self._numbers else customer_numbers.generate(),
            first_name=first_name,
            last_name=last_name,
            home_store_id=home_store_id,
            version=1,
            created_at=now,
            updated_at=now,
            phone_number=phone,
            email=email.lower() if email else None,
            birth_date=birth_date,
            pro=pro,
        )
        self.enrolled.append(customer)
        return customer


def _invalid(field: str, message: str, kind: str = "value_error") -> ValidationFailed:
    return ValidationFailed(details=[{"field": field, "loc": ["body", field], "type": kind, "message": message}])
