"""Stores: the shops of the retailer, each with its own texting number, time zone, locale and currency."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from clienteling.contracts.base import ApiModel, NonEmptyText, ResponseModel
from clienteling.contracts.common import Address, AddressOut
from clienteling.domain import reference
from clienteling.domain.stores import KeywordReplies

TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(reference.time_zone)]
Locale = Annotated[str, StringConstraints(max_length=35), AfterValidator(reference.locale_tag)]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(reference.currency)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]


class TaxMode(StrEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


class StoreMessaging(ApiModel):
    keyword_replies: KeywordReplies = Field(
        default=KeywordReplies.PROVIDER,
        description="provider: Twilio answers STOP/START/HELP (its default), the product only answers keywords "
        "Twilio does not know (ARRÊT...); product: the product answers every keyword (turn Twilio's off).",
    )
    help_contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=80)] | None = Field(
        default=None, description="Contact given in HELP replies: a phone number, email or URL."
    )


class StoreMessagingOut(ResponseModel):
    keyword_replies: KeywordReplies
    help_contact: str | None = None


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
    messaging: StoreMessaging = Field(default_factory=StoreMessaging)


class StoreUpdate(ApiModel):
    name: NonEmptyText | None = None
    phone_number: PhoneText | None = None
    time_zone: TimeZone | None = None
    locale: Locale | None = None
    currency: Currency | None = None
    address: Address | None = None
    tax_mode: TaxMode | None = None
    messaging: StoreMessaging | None = None


class StoreOut(ResponseModel):
    id: str
    name: str
    phone_number: str
    time_zone: str
    locale: str
    currency: str
    address: AddressOut
    tax_mode: TaxMode
    messaging: StoreMessagingOut
    version: int
    created_at: datetime
    updated_at: datetime
