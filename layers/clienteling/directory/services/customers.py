"""Customers: create, read, change, find, and record consent with its proof."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from typing import Any

from clienteling.directory.contracts.customers import ConsentChange, CustomerCreate, CustomerUpdate
from clienteling.directory.domain import customer_numbers
from clienteling.directory.domain.consent import (
    ASSOCIATE_METHODS,
    BUSINESS_WIDE,
    Channel,
    ConsentDecision,
    ConsentEvent,
    Method,
    Status,
    effective,
)
from clienteling.directory.domain.customers import (
    Customer,
    CustomerNumberTaken,
    CustomerSummary,
    Pet,
    ReducedCustomer,
    reduced,
)
from clienteling.directory.ports import CustomerCopies
from clienteling.directory.repositories.associates import AssociateRepository
from clienteling.directory.repositories.customers import CustomerRepository, check_size
from clienteling.directory.services.consent import ConsentRecorder
from clienteling.directory.services.store_directory import StoreDirectory
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.addresses import Address
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from clienteling.kernel.ids import new_id
from clienteling.kernel.pages import Page
from clienteling.kernel.phone import InvalidPhoneNumber, to_e164, to_e164_mobile
from clienteling.kernel.unit_of_work import StartWork

NUMBER_ATTEMPTS = 5
MIN_SEARCH_CHARACTERS = 3


def _invalid(field: str, message: str, kind: str = "value_error") -> ValidationFailed:
    return ValidationFailed(details=[{"field": field, "loc": ["body", field], "type": kind, "message": message}])


def _address(model: Any) -> Address | None:
    if model is None:
        return None
    return Address(**{f.name: getattr(model, f.name) for f in dataclasses.fields(Address)})


class CustomerService:
    def __init__(
        self,
        *,
        customers: CustomerRepository,
        copies: CustomerCopies,
        associates: AssociateRepository,
        stores: StoreDirectory,
        consents: ConsentRecorder,
        work: StartWork,
        clock: Clock,
        default_region: str,
    ) -> None:
        self._customers = customers
        self._copies = copies
        self._associates = associates
        self._consents = consents
        self._stores = stores
        self._work = work
        self._clock = clock
        self._default_region = default_region

    # ------------------------------------------------------------------ reading
    def get(self, caller: Caller, customer_id: str) -> Customer:
        """Any associate may open any customer: customers shop in every store of the retailer."""
        caller.require_role(Role.ASSOCIATE)
        return self._customers.require(customer_id)

    def find(
        self,
        caller: Caller,
        *,
        q: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        internal_id: str | None = None,
        customer_number: str | None = None,
        store_id: str | None = None,
        limit: int,
        cursor: str | None,
    ) -> Page[CustomerSummary | ReducedCustomer]:
        """Customers by one criterion, or a store's. Customers of the caller's stores come with their contact
        details; those of other stores as a ReducedCustomer (name, home store, customer number), unless the caller
        is an admin: any associate may find anyone, but not harvest every store's phones and emails."""
        found = self._find(
            caller,
            q=q,
            phone=phone,
            email=email,
            internal_id=internal_id,
            customer_number=customer_number,
            store_id=store_id,
            limit=limit,
            cursor=cursor,
        )
        shown: list[CustomerSummary | ReducedCustomer] = [
            c if caller.can_access_store(c.home_store_id) else reduced(c) for c in found.items
        ]
        return Page(shown, found.cursor)

    def _find(
        self,
        caller: Caller,
        *,
        q: str | None,
        phone: str | None,
        email: str | None,
        internal_id: str | None,
        customer_number: str | None,
        store_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[CustomerSummary]:
        caller.require_role(Role.ASSOCIATE)
        given = [
            name
            for name, value in (
                ("q", q),
                ("phone", phone),
                ("email", email),
                ("internalId", internal_id),
                ("customerNumber", customer_number),
            )
            if value
        ]
        if len(given) > 1:
            raise ValidationFailed(
                "Search by one of q, phone, email, internalId or customerNumber at a time.",
                details=[{"field": name, "loc": ["query", name], "type": "exclusive"} for name in given],
            )
        if phone:
            try:
                e164 = to_e164(phone, self._caller_region(caller))
            except InvalidPhoneNumber:
                return Page([])  # no customer can have a number that is not one
            return self._customers.find_exact("PHONE", e164, limit=limit, cursor=cursor)
        if email:
            return self._customers.find_exact("EMAIL", email.strip().lower(), limit=limit, cursor=cursor)
        if internal_id:
            return self._customers.find_exact("INTID", internal_id.strip(), limit=limit, cursor=cursor)
        if customer_number:
            return self._customers.find_exact(
                "NUMBER", customer_numbers.normalize(customer_number), limit=limit, cursor=cursor
            )
        if q:
            if len(q.strip()) < MIN_SEARCH_CHARACTERS:
                raise ValidationFailed(
                    f"Search with at least {MIN_SEARCH_CHARACTERS} characters.",
                    details=[
                        {
                            "field": "q",
                            "loc": ["query", "q"],
                            "type": "string_too_short",
                            "message": f"at least {MIN_SEARCH_CHARACTERS} characters",
                        }
                    ],
                )
            return self._customers.search_names(q, limit=limit, cursor=cursor)
        store = store_id or (next(iter(caller.store_ids)) if len(caller.store_ids) == 1 else None)
        if store is None:
            raise ValidationFailed(
                "Give storeId to list a store's customers, or search with q, phone, email, "
                "internalId or customerNumber.",
                details=[{"field": "storeId", "loc": ["query", "storeId"], "type": "missing"}],
            )
        caller.require_store(store)
        return self._customers.list_by_store(store, limit=limit, cursor=cursor)

    # ------------------------------------------------------------------ writing
    def create(self, caller: Caller, data: CustomerCreate) -> Customer:
        customer = self.new_customer(caller, data)
        for attempt in range(NUMBER_ATTEMPTS):
            try:
                self._customers.create(customer)
                return customer
            except CustomerNumberTaken:
                if attempt == NUMBER_ATTEMPTS - 1:
                    raise
                customer = dataclasses.replace(customer, customer_number=customer_numbers.generate())
        raise AssertionError("unreachable")  # pragma: no cover

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
        """The CustomerEnrolment port: a customer the till enrols with their first purchase, checked as if created
        through the API (`new_customer`), not written yet."""
        data = CustomerCreate(
            first_name=first_name,
            last_name=last_name,
            home_store_id=home_store_id,
            email=email,
            phone_number=phone_number,
            birth_date=birth_date,
            pro=pro,
        )
        return self.new_customer(caller, data)

    def new_customer(self, caller: Caller, data: CustomerCreate) -> Customer:
        """A checked, normalised new customer with a fresh customer number, not written yet: `create` writes it,
        and the till writes it in the same transaction as the purchase that enrols them
        (CustomerRepository.create_ops; draw another number on CustomerNumberTaken)."""
        caller.require_store(data.home_store_id)
        region = self._store_region(data.home_store_id)
        now = self._clock()
        return Customer(
            id=new_id(),
            customer_number=customer_numbers.generate(),
            first_name=data.first_name,
            last_name=data.last_name,
            home_store_id=data.home_store_id,
            version=1,
            created_at=now,
            updated_at=now,
            internal_id=data.internal_id,
            phone_number=self._mobile(data.phone_number, region),
            email=data.email.lower() if data.email else None,
            address=_address(data.address),
            birth_date=data.birth_date,
            gender=data.gender,
            pets=tuple(Pet(name=p.name, species=p.species, birth_month=p.birth_month) for p in data.pets),
            attributes=dict(data.custom_attributes),
            tags=tuple(dict.fromkeys(data.tags)),
            notes=data.notes,
            pro=data.pro,
            primary_associates=self._primary_associates(caller, {}, dict(data.primary_associates)),
        )

    def update(self, caller: Caller, customer_id: str, patch: CustomerUpdate, *, expected_version: int) -> Customer:
        caller.require_role(Role.ASSOCIATE)
        current = self._customers.require(customer_id)
        if current.version != expected_version:
            raise StaleVersion()
        sent = patch.model_fields_set
        for required in ("first_name", "last_name", "home_store_id"):
            if required in sent and getattr(patch, required) is None:
                raise _invalid(required, "cannot be cleared", "missing")
        changes: dict[str, Any] = {}
        if "home_store_id" in sent and patch.home_store_id != current.home_store_id:
            assert patch.home_store_id is not None  # noqa: S101 - checked above
            caller.require_store(patch.home_store_id)
            changes["home_store_id"] = patch.home_store_id
        simple = ("first_name", "last_name", "internal_id", "birth_date", "gender", "notes")
        changes.update({name: getattr(patch, name) for name in simple if name in sent})
        if "pro" in sent:
            changes["pro"] = bool(patch.pro)
        if "phone_number" in sent:
            region = self._store_region(changes.get("home_store_id", current.home_store_id))
            changes["phone_number"] = self._mobile(patch.phone_number, region)
        if "email" in sent:
            changes["email"] = patch.email.lower() if patch.email else None
        if "address" in sent:
            changes["address"] = _address(patch.address)
        if "pets" in sent:
            changes["pets"] = tuple(
                Pet(name=p.name, species=p.species, birth_month=p.birth_month) for p in patch.pets or []
            )
        if "custom_attributes" in sent:
            changes["attributes"] = dict(patch.custom_attributes or {})
        if "tags" in sent:
            changes["tags"] = tuple(dict.fromkeys(patch.tags or []))
        if patch.primary_associates:
            changes["primary_associates"] = self._primary_associates(
                caller, current.primary_associates, patch.primary_associates
            )
        if not changes:
            return current
        if "first_name" in changes or "last_name" in changes:
            changes["unidentified"] = False  # a person named the customer
        updated = dataclasses.replace(current, **changes, version=current.version + 1, updated_at=self._clock())
        with self._work() as work:
            work.extend(self._customers.replace_ops(updated, previous=current))
            self._copies.customer_changed(work, current, updated)
            check_size(work.ops)  # the copies count too: one transaction holds 100 items at most
        return updated

    def _primary_associates(
        self, caller: Caller, current: dict[str, str], changes: Mapping[str, str | None]
    ) -> dict[str, str]:
        """A customer's own associate per store: set by colleagues of that store, to one of its associates."""
        merged = dict(current)
        for store_id, associate_id in changes.items():
            caller.require_store(store_id)
            if associate_id is None:
                merged.pop(store_id, None)
                continue
            associate = self._associates.get(associate_id)
            if associate is None or store_id not in associate.store_ids or not associate.active:
                raise _invalid("primaryAssociates", f"{associate_id} does not work in store {store_id}")
            merged[store_id] = associate_id
        return merged

    # ------------------------------------------------------------------ consent
    def record_consent(self, caller: Caller, customer_id: str, change: ConsentChange) -> Customer:
        """An associate records a decision the customer made in store, online or by voice, with its proof."""
        caller.require_role(Role.ASSOCIATE)
        if change.method not in ASSOCIATE_METHODS:
            raise _invalid("method", "is recorded by the system itself, not through the API")
        if change.method == Method.IMPORT and not caller.is_admin:
            raise Forbidden("Only admins import consent.")
        if change.status not in (Status.OPTED_IN, Status.OPTED_OUT):
            raise _invalid("status", "must be opted_in or opted_out; pending comes from an opt-in request")
        if change.status == Status.OPTED_IN:
            if change.method == Method.VERBAL:
                raise _invalid("method", "an opt-in needs written proof (in_store_form, online_form or import)")
            if not change.wording or not change.wording_version:
                raise _invalid("wording", "an opt-in needs the exact wording and its version as proof")
        if change.channel == Channel.EMAIL and change.store_id is not None:
            raise _invalid("storeId", "email consent is business-wide")
        if change.store_id is not None:
            caller.require_store(change.store_id)
        customer = self._customers.require(customer_id)
        if change.channel == Channel.SMS and not customer.phone_number:
            raise _invalid("channel", "the customer has no phone number")
        if change.channel == Channel.EMAIL and not customer.email:
            raise _invalid("channel", "the customer has no email address")
        now = self._clock()
        decision = ConsentDecision(
            channel=change.channel,
            purpose=change.purpose,
            scope=change.store_id or BUSINESS_WIDE,
            status=change.status,
            method=change.method,
            wording=change.wording,
            wording_version=change.wording_version,
            associate_id=caller.associate_id,
            store_id=change.store_id,
            note=change.note,
        )
        stores = (
            self._copies.texting_stores(customer.id) if change.channel == Channel.SMS and customer.phone_number else []
        )
        work = self._work()
        write = self._consents.record(
            work,
            customer.id,
            [decision],
            now=now,
            thread_stores=stores,
            previous=lambda d: effective(
                customer.consents, d.channel, d.purpose, None if d.scope == BUSINESS_WIDE else d.scope
            ),
        )
        self._copies.consent_recorded(work, customer, write, now=now)
        work.commit()
        return dataclasses.replace(
            customer, consents={**customer.consents, **write.states}, version=customer.version + 1, updated_at=now
        )

    def consent_history(
        self, caller: Caller, customer_id: str, *, limit: int, cursor: str | None
    ) -> Page[ConsentEvent]:
        caller.require_role(Role.ASSOCIATE)
        if self._customers.get(customer_id) is None:
            raise NotFound("No such customer.")
        return self._customers.consent_events(customer_id, limit=limit, cursor=cursor)

    # ------------------------------------------------------------------ helpers
    def _store_region(self, store_id: str) -> str:
        store = self._stores.get(store_id)
        if store is None:
            raise _invalid("homeStoreId", "is not a store")
        return store.address.country

    def _caller_region(self, caller: Caller) -> str:
        for store_id in sorted(caller.store_ids):
            store = self._stores.get(store_id)
            if store is not None:
                return store.address.country
        return self._default_region

    @staticmethod
    def _mobile(raw: str | None, region: str) -> str | None:
        if raw is None:
            return None
        try:
            return to_e164_mobile(raw, region)
        except InvalidPhoneNumber as error:
            raise _invalid("phoneNumber", str(error), "phone_number") from error
