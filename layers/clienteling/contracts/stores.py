"""Stores: the shops of the retailer, each with its own texting number, time zone, locale and currency."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from clienteling.contracts.base import ApiModel, NonEmptyText, ResponseModel
from clienteling.contracts.common import Address, AddressOut
from clienteling.domain import reference

TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(reference.time_zone)]
Locale = Annotated[str, StringConstraints(max_length=35), AfterValidator(reference.locale_tag)]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(reference.currency)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]


class TaxMode(StrEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


class StoreCreate(ApiModel):
    name: NonEmptyText
    phone_number: PhoneText = Field(
        description="The store's texting number; E.164, or national format of the address country."
    )
    time_zone: TimeZone = Field(description="IANA time zone, for example America/New_York.")
    locale: Locale = Field(description="BCP 47 tag, for example fr-FR.")
    currency: Currency = Field(description="ISO 4217 code, for example EUR.")
    address: Address
    tax_mode: TaxMode = Field(description="inclusive: prices include tax; exclusive: tax is added at checkout.")


class StoreUpdate(ApiModel):
    name: NonEmptyText | None = None
    phone_number: PhoneText | None = None
    time_zone: TimeZone | None = None
    locale: Locale | None = None
    currency: Currency | None = None
    address: Address | None = None
    tax_mode: TaxMode | None = None


class StoreOut(ResponseModel):
    id: str
    name: str
    phone_number: str
    time_zone: str
    locale: str
    currency: str
    address: AddressOut
    tax_mode: TaxMode
    version: int
    created_at: datetime
    updated_at: datetime
