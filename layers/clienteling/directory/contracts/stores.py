"""Stores: the shops of the retailer, each with its own texting number, time zone, locale and currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from clienteling.directory.domain.stores import CartSettings, KeywordReplies, OptOutMention
from clienteling.kernel import money, reference
from clienteling.kernel.fields import Address, AddressOut, Country, PhoneText
from clienteling.kernel.wire import ApiModel, Id, NonEmptyText, ResponseModel

TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(reference.time_zone)]
Locale = Annotated[str, StringConstraints(max_length=35), AfterValidator(reference.locale_tag)]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(reference.currency)]


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
    opt_out_mention: OptOutMention = Field(
        default=OptOutMention.AUTO,
        description="Campaign texts end with the opt-out mention (France: STOP au <number>; elsewhere: Reply STOP "
        "to opt out): auto (unless the text already says STOP), always, or never.",
    )
    stop_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9 ]{4,20}$")] | None = Field(
        default=None,
        description="France: the number customers send STOP to (a 36xxx short number with an alphanumeric sender); "
        "default: the store's own number.",
    )
    messages_per_second: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="SMS segments per second the store's number may send (a long code: 1); default: the deployment's.",
    )


class StoreMessagingOut(ResponseModel):
    keyword_replies: KeywordReplies
    help_contact: str | None = None
    opt_out_mention: OptOutMention = OptOutMention.AUTO
    stop_number: str | None = None
    messages_per_second: float | None = None


TaxCategory = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]


class TaxRate(ApiModel):
    category: TaxCategory = Field(description="A tax category products carry, for example standard, reduced.")
    rate_percent: Percent = Field(description="20 for 20 %, 8.875 for 8.875 %.")


class ShippingOptionIn(ApiModel):
    id: Id
    name: NonEmptyText = Field(description="What the customer reads, in the store's language.")
    price_minor: int = Field(ge=0, le=10**9, description="Flat price in minor units of the store's currency.")
    countries: list[Country] = Field(default_factory=list, max_length=50, description="Empty: ships anywhere.")


class CartSettingsIn(ApiModel):
    tax_rates: list[TaxRate] = Field(default_factory=list, max_length=20)
    shipping_options: list[ShippingOptionIn] = Field(default_factory=list, max_length=20)
    shipping_tax_category: TaxCategory = "standard"
    max_discount_percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=4)] | None = Field(
        default=None, description="Associates may not take more than this off a line (managers may); null: no limit."
    )
    allow_mixed_fulfillment: bool = Field(default=False, description="In-store and shipped lines in one cart.")

    @model_validator(mode="after")
    def _unique(self) -> CartSettingsIn:
        if len({r.category for r in self.tax_rates}) != len(self.tax_rates):
            raise ValueError("each tax category has one rate")
        if len({o.id for o in self.shipping_options}) != len(self.shipping_options):
            raise ValueError("shipping option ids are unique")
        return self


class TaxRateOut(ResponseModel):
    category: str
    rate_percent: Decimal


class ShippingOptionOut(ResponseModel):
    id: str
    name: str
    price_minor: int
    countries: list[str]


class CartSettingsOut(ResponseModel):
    tax_rates: list[TaxRateOut]
    shipping_options: list[ShippingOptionOut]
    shipping_tax_category: str
    max_discount_percent: Decimal | None = None
    allow_mixed_fulfillment: bool


def cart_settings_out(settings: CartSettings) -> dict[str, Any]:
    return {
        "tax_rates": [
            {"category": c, "rate_percent": money.ppm_to_percent(r)} for c, r in sorted(settings.tax_rates_ppm.items())
        ],
        "shipping_options": [
            {"id": o.id, "name": o.name, "price_minor": o.price_minor, "countries": list(o.countries)}
            for o in settings.shipping_options
        ],
        "shipping_tax_category": settings.shipping_tax_category,
        "max_discount_percent": money.ppm_to_percent(settings.max_discount_ppm)
        if settings.max_discount_ppm is not None
        else None,
        "allow_mixed_fulfillment": settings.allow_mixed_fulfillment,
    }


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
    cart_settings: CartSettingsIn = Field(default_factory=CartSettingsIn)


class StoreUpdate(ApiModel):
    name: NonEmptyText | None = None
    phone_number: PhoneText | None = None
    time_zone: TimeZone | None = None
    locale: Locale | None = None
    currency: Currency | None = None
    address: Address | None = None
    tax_mode: TaxMode | None = None
    messaging: StoreMessaging | None = None
    cart_settings: CartSettingsIn | None = Field(
        default=None, description="Managers of the store may change this alone; everything else is for admins."
    )


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
    cart_settings: CartSettingsOut
    version: int
    created_at: datetime
    updated_at: datetime

    @field_validator("cart_settings", mode="before")
    @classmethod
    def _from_domain(cls, value: Any) -> Any:
        return cart_settings_out(value) if isinstance(value, CartSettings) else value
