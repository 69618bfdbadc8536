"""A store: where associates work, with the number its customers text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from clienteling.kernel.addresses import Address


class KeywordReplies(StrEnum):
    """Who answers STOP, START and HELP: Twilio does by default on a long code, so the product must not too."""

    PROVIDER = "provider"
    PRODUCT = "product"


class OptOutMention(StrEnum):
    """When campaign texts carry the opt-out mention ("STOP au 36111", "Reply STOP to opt out").

    auto: unless the text already says STOP (the author wrote their own mention); always; never (the store's
    counsel takes responsibility, for example for texts that are not promotional)."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class MessagingSettings:
    keyword_replies: KeywordReplies = KeywordReplies.PROVIDER
    help_contact: str | None = None  # phone, email or URL given in HELP replies
    opt_out_mention: OptOutMention = OptOutMention.AUTO
    # Where French texts tell customers to send STOP ("STOP au 36111" with an alphanumeric sender); None: the
    # store's own number, which receives the STOP itself.
    stop_number: str | None = None
    # The sending rate of the store's number in SMS segments per second (a long code: 1); None: the default.
    messages_per_second: float | None = None


@dataclass(frozen=True, slots=True)
class ShippingOption:
    """A way to send a cart home, at a flat price in the store's currency (minor units, same tax mode)."""

    id: str
    name: str
    price_minor: int
    countries: tuple[str, ...] = ()  # ISO 3166 codes it delivers to; empty: anywhere


@dataclass(frozen=True, slots=True)
class CartSettings:
    """What remote carts of a store obey. The defaults keep stores made before carts existed working."""

    tax_rates_ppm: dict[str, int] = field(default_factory=dict)  # tax category -> rate (20 % = 200_000)
    shipping_options: tuple[ShippingOption, ...] = ()
    shipping_tax_category: str = "standard"
    max_discount_ppm: int | None = None  # associates may not discount a line beyond this; None: no limit
    allow_mixed_fulfillment: bool = False  # in-store and shipped lines in one cart

    def shipping_option(self, option_id: str) -> ShippingOption | None:
        return next((o for o in self.shipping_options if o.id == option_id), None)


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    phone_number: str
    time_zone: str
    locale: str
    currency: str
    address: Address
    tax_mode: str
    version: int
    created_at: datetime
    updated_at: datetime
    messaging: MessagingSettings = field(default_factory=MessagingSettings)
    cart_settings: CartSettings = field(default_factory=CartSettings)

    @property
    def country(self) -> str:
        return self.address.country
