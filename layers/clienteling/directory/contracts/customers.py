"""Customers: profile, contact, consent, segmentation tags and staff notes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StringConstraints, field_validator

from clienteling.directory.domain.consent import BUSINESS_WIDE, Channel, ConsentEvent, Method, Purpose, Status
from clienteling.directory.domain.customers import Customer, CustomerSummary, Gender, ReducedCustomer
from clienteling.kernel.fields import (
    Address,
    AddressOut,
    AttributeName,
    AttributeValue,
    InternalId,
    Name,
    Note,
    PhoneText,
    Tag,
)
from clienteling.kernel.wire import ApiModel, Id, ResponseModel

MAX_ATTRIBUTES = 30


class Pet(ApiModel):
    name: Name
    species: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
    birth_month: int | None = Field(default=None, ge=1, le=12)


class _CustomerFields(ApiModel):
    @field_validator("birth_date", check_fields=False)
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and (value > date.today() or value.year < 1900):  # noqa: DTZ011 - a calendar date
            raise ValueError("must be a past date after 1900")
        return value

    @field_validator("custom_attributes", check_fields=False)
    @classmethod
    def _few_attributes(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) > MAX_ATTRIBUTES:
            raise ValueError(f"at most {MAX_ATTRIBUTES} custom attributes")
        return value


class CustomerCreate(_CustomerFields):
    first_name: Name = Field(description="Given name(s), any script.")
    last_name: Name = Field(description="Family name(s), any script.")
    home_store_id: Id = Field(description="The store the customer belongs to; one of yours.")
    internal_id: InternalId | None = Field(default=None, description="The retailer's own customer id (unique).")
    phone_number: PhoneText | None = Field(
        default=None, description="Mobile number; E.164 or the national format of the home store's country."
    )
    email: EmailStr | None = None
    address: Address | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    pets: list[Pet] = Field(default_factory=list, max_length=20)
    custom_attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict)
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    notes: Note | None = Field(default=None, description="Staff-only notes; never shown to the customer.")
    pro: bool = Field(default=False, description="A professional customer (pro-only rewards).")
    primary_associates: dict[Id, Id] = Field(
        default_factory=dict,
        max_length=50,
        description="Store id -> the customer's own associate there: new texts go to their inbox.",
    )


class CustomerUpdate(_CustomerFields):
    """Fields you send are changed; `null` clears an optional field. Names cannot be cleared."""

    first_name: Name | None = None
    last_name: Name | None = None
    home_store_id: Id | None = None
    internal_id: InternalId | None = None
    phone_number: PhoneText | None = None
    email: EmailStr | None = None
    address: Address | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    pets: list[Pet] | None = Field(default=None, max_length=20)
    custom_attributes: dict[AttributeName, AttributeValue] | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    notes: Note | None = None
    pro: bool | None = None
    primary_associates: dict[Id, Id | None] | None = Field(
        default=None, max_length=50, description="Store id -> associate id, or null to remove; other stores stay."
    )


class ConsentOut(ResponseModel):
    channel: Channel
    purpose: Purpose
    store_id: str | None = Field(description="null: business-wide")
    status: Status
    updated_at: datetime
    method: Method | None = None


class PetOut(ResponseModel):
    name: str
    species: str
    birth_month: int | None = None


class CustomerOut(ResponseModel):
    id: str
    customer_number: str = Field(description="Ten digits with a Luhn check digit, printed on the loyalty card.")
    first_name: str
    last_name: str
    home_store_id: str
    internal_id: str | None = None
    phone_number: str | None = None
    email: str | None = None
    address: AddressOut | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    pets: list[PetOut] = Field(default_factory=list)
    custom_attributes: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None
    unidentified: bool = False
    pro: bool = False
    primary_associates: dict[str, str] = Field(default_factory=dict)
    consents: list[ConsentOut] = Field(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerSummaryOut(ResponseModel):
    """A customer of one of the caller's stores (or any, for an admin), as a search shows them."""

    view: Literal["summary"] = Field(default="summary", description="summary: this shape; reduced: the other")
    id: str
    customer_number: str
    first_name: str
    last_name: str
    home_store_id: str
    phone_number: str | None = None
    email: str | None = None


class CustomerReducedOut(ResponseModel):
    """A customer of a store the caller does not work in, as a search shows them to an associate or manager:
    who they are and their loyalty card, no id, phone, email or notes."""

    view: Literal["reduced"] = "reduced"
    customer_number: str
    first_name: str
    last_name: str
    home_store_id: str


CustomerFound = Annotated[CustomerSummaryOut | CustomerReducedOut, Field(discriminator="view")]


class CustomerSearchPage(ResponseModel):
    """One page of customers found; pass `nextCursor` back as `cursor` for the next one (null on the last page)."""

    items: list[CustomerFound]
    next_cursor: str | None = None


def customer_found(found: CustomerSummary | ReducedCustomer) -> CustomerSummaryOut | CustomerReducedOut:
    if isinstance(found, ReducedCustomer):
        return CustomerReducedOut.model_validate(found, from_attributes=True)
    return CustomerSummaryOut.model_validate(found, from_attributes=True)


class ConsentChange(ApiModel):
    channel: Channel
    purpose: Purpose
    status: Status = Field(description="opted_in or opted_out; pending is set by an opt-in request.")
    store_id: Id | None = Field(default=None, description="SMS only: one store's number; omit for business-wide.")
    method: Method = Field(description="How the customer decided: in_store_form, online_form, verbal, import.")
    wording: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = Field(
        default=None, description="The exact text the customer agreed to (required to opt in)."
    )
    wording_version: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    note: Note | None = None


class ConsentEventOut(ResponseModel):
    id: str
    at: datetime
    channel: Channel
    purpose: Purpose
    store_id: str | None
    previous: Status
    status: Status
    method: Method
    wording: str | None = None
    wording_version: str | None = None
    associate_id: str | None = None
    message_id: str | None = None
    note: str | None = None


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut.model_validate(
        {
            "id": customer.id,
            "customer_number": customer.customer_number,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "home_store_id": customer.home_store_id,
            "internal_id": customer.internal_id,
            "phone_number": customer.phone_number,
            "email": customer.email,
            "address": customer.address,
            "birth_date": customer.birth_date,
            "gender": customer.gender,
            "pets": [PetOut.model_validate(p, from_attributes=True) for p in customer.pets],
            "custom_attributes": customer.attributes,
            "tags": list(customer.tags),
            "notes": customer.notes,
            "unidentified": customer.unidentified,
            "pro": customer.pro,
            "primary_associates": customer.primary_associates,
            "consents": [
                ConsentOut(
                    channel=s.channel,
                    purpose=s.purpose,
                    store_id=None if s.scope == BUSINESS_WIDE else s.scope,
                    status=s.status,
                    updated_at=s.updated_at,
                    method=s.method,
                )
                for s in sorted(customer.consents.values(), key=lambda s: s.key)
            ],
            "version": customer.version,
            "created_at": customer.created_at,
            "updated_at": customer.updated_at,
        },
        from_attributes=True,
    )


def consent_event_out(event: ConsentEvent) -> ConsentEventOut:
    return ConsentEventOut(
        id=event.id,
        at=event.at,
        channel=event.channel,
        purpose=event.purpose,
        store_id=None if event.scope == BUSINESS_WIDE else event.scope,
        previous=event.previous,
        status=event.status,
        method=event.method,
        wording=event.wording,
        wording_version=event.wording_version,
        associate_id=event.associate_id,
        message_id=event.message_id,
        note=event.note,
    )
