"""Remote carts: one per (customer, store), priced on the server only, kept until the store's local midnight.

Pricing (see clienteling.domain.money for the rounding rule):

1. A line's gross is unit price x quantity; its own discount (percent of the gross, rounded half up, or an
   amount, capped at the gross) comes off first.
2. The cart discount (percent of the goods after line discounts, or an amount capped at them) is shared across
   the lines in proportion to what they cost then, by largest remainder, so every line carries an exact share.
3. Tax is computed per line on what the line costs after both discounts, at the rate of its tax category,
   rounded half up: in an `inclusive` store the tax is contained in the price (net x rate / (1 + rate)); in an
   `exclusive` store it is added (net x rate).
4. Shipping (a flat price of the chosen option, only when a line ships) is one more line with the store's
   shipping tax category; cart discounts do not apply to it.
5. total = sum of line totals + shipping total, so the lines always add up to the total to the minor unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from clienteling.kernel import money
from clienteling.kernel.addresses import Address
from clienteling.kernel.errors import Conflict

MAX_LINES = 50
MAX_QUANTITY = 99
_CART_ID = re.compile(r"^([0-9A-Za-z]{1,40})_([0-9A-Za-z]{1,40})$")
_REFERENCE = re.compile(r"^([0-9A-Za-z]{1,40}_[0-9A-Za-z]{1,40})-(\d{1,12})$")


class Fulfillment(StrEnum):
    IN_STORE = "in_store"  # the customer picks it up in the store
    SHIP = "ship"  # sent to the delivery address


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


class TaxMode(StrEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


@dataclass(frozen=True, slots=True)
class Discount:
    kind: DiscountKind
    value: int  # parts per million for a percent, minor units for an amount
    reason: str
    by_associate_id: str


@dataclass(frozen=True, slots=True)
class CartLine:
    """A product in the cart, with what it cost when it was added (the cart keeps its own prices until midnight)."""

    id: str
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    tax_category: str
    tax_rate_ppm: int
    fulfillment: Fulfillment
    image_url: str | None = None
    product_url: str | None = None
    category_id: str | None = None
    discount: Discount | None = None


@dataclass(frozen=True, slots=True)
class ShippingChoice:
    option_id: str
    name: str
    price_minor: int
    tax_category: str
    tax_rate_ppm: int


@dataclass(frozen=True, slots=True)
class Share:
    """The cart's public link and the payment link of the version last shared."""

    token: str  # the /c/{token} of the customer's page: random, >= 128 bits
    shared_version: int
    reference: str  # the payment reference: cart id and version
    link_id: str
    pay_url: str
    shared_at: datetime
    shared_by: str


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What the customer's page shows besides the cart, copied when the cart is shared (no reads at view time)."""

    store_name: str
    locale: str
    time_zone: str
    first_name: str


@dataclass(frozen=True, slots=True)
class Cart:
    id: str
    store_id: str
    customer_id: str
    currency: str
    tax_mode: TaxMode
    version: int  # 0: never saved
    lifetime: str  # a new id each time the cart starts afresh (first line after expiry or payment)
    expires_at: datetime
    updated_at: datetime
    updated_by: str | None = None
    lines: tuple[CartLine, ...] = ()
    discount: Discount | None = None
    delivery_address: Address | None = None
    shipping: ShippingChoice | None = None
    share: Share | None = None
    page: PageInfo | None = None

    @property
    def ships(self) -> bool:
        return any(line.fulfillment == Fulfillment.SHIP for line in self.lines)

    @property
    def link_is_current(self) -> bool:
        """The shared payment link is for exactly what the cart holds now."""
        return self.share is not None and self.share.shared_version == self.version and bool(self.lines)

    def line(self, line_id: str) -> CartLine | None:
        return next((line for line in self.lines if line.id == line_id), None)


# ---------------------------------------------------------------------------------------------------- identity
def cart_id(store_id: str, customer_id: str) -> str:
    """Deterministic: the one cart of (store, customer), addressable before it is first saved."""
    return f"{store_id}_{customer_id}"


def parse_cart_id(value: str) -> tuple[str, str] | None:
    """(store id, customer id) of a cart id, or None when it is not one."""
    found = _CART_ID.match(value)
    return (found.group(1), found.group(2)) if found else None


def payment_reference(cart_id_: str, version: int) -> str:
    """The merchant reference of a payment link: the cart and the version the customer pays for."""
    return f"{cart_id_}-{version}"


def parse_reference(reference: str) -> tuple[str, int] | None:
    found = _REFERENCE.match(reference)
    return (found.group(1), int(found.group(2))) if found else None


# ------------------------------------------------------------------------------------------------------ expiry
def next_midnight(now: datetime, time_zone: str) -> datetime:
    """The first instant of the store's next local day, as an aware UTC datetime.

    Computed on the calendar, not by adding hours: a day with a DST change lasts 23 or 25 hours. Where a zone
    skips midnight itself, the first instant of the day is the moment of the jump.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(time_zone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    # A skipped midnight (fold=0 reads it with the offset before the jump) is the instant of the jump itself.
    # Normalised to UTC: a local time in a gap or a fold never compares equal across zones (PEP 495).
    return datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(UTC)


def is_expired(cart: Cart, now: datetime) -> bool:
    return cart.version > 0 and now >= cart.expires_at


# ----------------------------------------------------------------------------------------------------- pricing
@dataclass(frozen=True, slots=True)
class LinePrice:
    line_id: str
    gross_minor: int
    line_discount_minor: int
    cart_discount_minor: int
    net_minor: int  # after both discounts (tax included in an inclusive store, excluded otherwise)
    tax_minor: int
    total_minor: int  # what the customer pays for the line


@dataclass(frozen=True, slots=True)
class TaxLine:
    category: str
    rate_ppm: int
    base_minor: int
    tax_minor: int


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    tax_mode: TaxMode
    lines: tuple[LinePrice, ...]
    subtotal_minor: int  # sum of gross amounts
    line_discounts_minor: int
    cart_discount_minor: int
    shipping_minor: int  # the option's price (as configured, in the store's tax mode)
    shipping_tax_minor: int
    shipping_total_minor: int
    tax_minor: int
    total_minor: int
    taxes: tuple[TaxLine, ...] = field(default_factory=tuple)

    @property
    def discount_minor(self) -> int:
        return self.line_discounts_minor + self.cart_discount_minor

    def line(self, line_id: str) -> LinePrice:
        return next(price for price in self.lines if price.line_id == line_id)


def _line_discount(line: CartLine, gross: int) -> int:
    if line.discount is None:
        return 0
    if line.discount.kind == DiscountKind.PERCENT:
        return min(gross, money.percent_of(gross, line.discount.value))
    return min(gross, line.discount.value)


def _cart_discount(discount: Discount | None, goods: int) -> int:
    if discount is None:
        return 0
    if discount.kind == DiscountKind.PERCENT:
        return min(goods, money.percent_of(goods, discount.value))
    return min(goods, discount.value)


def _tax(amount: int, rate_ppm: int, mode: TaxMode) -> int:
    return money.tax_included(amount, rate_ppm) if mode == TaxMode.INCLUSIVE else money.percent_of(amount, rate_ppm)


def price(cart: Cart) -> Totals:
    """The cart's totals, every amount an integer in minor units of the cart's currency (see module doc)."""
    gross = [line.unit_price_minor * line.quantity for line in cart.lines]
    line_discounts = [_line_discount(line, g) for line, g in zip(cart.lines, gross, strict=True)]
    after_line = [g - d for g, d in zip(gross, line_discounts, strict=True)]
    cart_discount = _cart_discount(cart.discount, sum(after_line))
    shares = money.allocate(cart_discount, after_line) if cart_discount else [0] * len(after_line)
    prices: list[LinePrice] = []
    taxes: dict[tuple[str, int], tuple[int, int]] = {}
    for line, g, d, a, s in zip(cart.lines, gross, line_discounts, after_line, shares, strict=True):
        net = a - s
        tax = _tax(net, line.tax_rate_ppm, cart.tax_mode)
        total = net if cart.tax_mode == TaxMode.INCLUSIVE else net + tax
        prices.append(LinePrice(line.id, g, d, s, net, tax, total))
        base, sum_tax = taxes.get((line.tax_category, line.tax_rate_ppm), (0, 0))
        taxes[(line.tax_category, line.tax_rate_ppm)] = (base + net, sum_tax + tax)
    shipping = cart.shipping.price_minor if cart.shipping is not None and cart.ships else 0
    shipping_tax = _tax(shipping, cart.shipping.tax_rate_ppm, cart.tax_mode) if cart.shipping and shipping else 0
    shipping_total = shipping if cart.tax_mode == TaxMode.INCLUSIVE else shipping + shipping_tax
    if shipping and cart.shipping is not None:
        key = (cart.shipping.tax_category, cart.shipping.tax_rate_ppm)
        base, sum_tax = taxes.get(key, (0, 0))
        taxes[key] = (base + shipping, sum_tax + shipping_tax)
    return Totals(
        currency=cart.currency,
        tax_mode=cart.tax_mode,
        lines=tuple(prices),
        subtotal_minor=sum(gross),
        line_discounts_minor=sum(line_discounts),
        cart_discount_minor=cart_discount,
        shipping_minor=shipping,
        shipping_tax_minor=shipping_tax,
        shipping_total_minor=shipping_total,
        tax_minor=sum(p.tax_minor for p in prices) + shipping_tax,
        total_minor=sum(p.total_minor for p in prices) + shipping_total,
        taxes=tuple(TaxLine(c, r, b, t) for (c, r), (b, t) in sorted(taxes.items())),
    )


# ------------------------------------------------------------------------------------------------------- rules
class MixedFulfillment(Conflict):
    code = "mixed_fulfillment"
    default_message = (
        "This store does not allow in-store and shipped lines in one cart; use one fulfillment mode for every line."
    )


def check_fulfillment(lines: Iterable[CartLine], *, allow_mixed: bool) -> None:
    if not allow_mixed and len({line.fulfillment for line in lines}) > 1:
        raise MixedFulfillment()


def _rate(discount: Discount | None, base: int) -> Fraction:
    """The fraction of `base` a discount takes, from what was asked (not from rounded amounts)."""
    if discount is None or base <= 0:
        return Fraction(0)
    if discount.kind == DiscountKind.PERCENT:
        return Fraction(discount.value, money.PPM)
    return min(Fraction(1), Fraction(discount.value, base))


def deepest_discount(cart: Cart) -> Fraction:
    """The largest share of a line's price taken off by its own discount and the cart discount together:
    1 - (1 - line rate)(1 - cart rate). A store's maximum discount applies to this."""
    gross = [line.unit_price_minor * line.quantity for line in cart.lines]
    after_line = [g - _line_discount(line, g) for line, g in zip(cart.lines, gross, strict=True)]
    cart_rate = _rate(cart.discount, sum(after_line))
    deepest = Fraction(0)
    for line, g in zip(cart.lines, gross, strict=True):
        combined = 1 - (1 - _rate(line.discount, g)) * (1 - cart_rate)
        deepest = max(deepest, combined)
    return deepest
