"""Orders: what a customer paid for through a cart's payment link, attributed to an associate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from clienteling.commerce.domain import carts
from clienteling.commerce.domain.carts import Cart, Fulfillment, TaxMode
from clienteling.kernel.addresses import Address


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    fulfillment: Fulfillment
    discount_minor: int
    tax_minor: int
    total_minor: int
    category_id: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    cart_id: str
    payment_reference: str
    psp_reference: str
    store_id: str
    customer_id: str
    conversation_id: str
    associate_id: str | None  # the last associate who wrote to the customer: the sale's attribution
    currency: str
    tax_mode: TaxMode
    lines: tuple[OrderLine, ...]
    subtotal_minor: int
    discount_minor: int
    shipping_minor: int  # the shipping total (tax included)
    tax_minor: int
    total_minor: int
    created_at: datetime
    delivery_address: Address | None = None
    shipping_name: str | None = None
    cart_changed_since: bool = False


def from_cart(
    cart: Cart,
    *,
    order_id: str,
    payment_reference: str,
    psp_reference: str,
    conversation_id: str,
    associate_id: str | None,
    at: datetime,
) -> Order:
    """The order of a cart as it was shared and paid: the same lines and totals, to the unit."""
    totals = carts.price(cart)
    lines = tuple(
        OrderLine(
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price_minor=line.unit_price_minor,
            fulfillment=line.fulfillment,
            discount_minor=p.line_discount_minor + p.cart_discount_minor,
            tax_minor=p.tax_minor,
            total_minor=p.total_minor,
            category_id=line.category_id,
        )
        for line, p in zip(cart.lines, totals.lines, strict=True)
    )
    return Order(
        id=order_id,
        cart_id=cart.id,
        payment_reference=payment_reference,
        psp_reference=psp_reference,
        store_id=cart.store_id,
        customer_id=cart.customer_id,
        conversation_id=conversation_id,
        associate_id=associate_id,
        currency=cart.currency,
        tax_mode=cart.tax_mode,
        lines=lines,
        subtotal_minor=totals.subtotal_minor,
        discount_minor=totals.discount_minor,
        shipping_minor=totals.shipping_total_minor,
        tax_minor=totals.tax_minor,
        total_minor=totals.total_minor,
        created_at=at,
        delivery_address=cart.delivery_address if cart.ships else None,
        shipping_name=cart.shipping.name if cart.shipping and cart.ships else None,
    )


class PaymentState(StrEnum):
    OPEN = "open"  # the link can be paid
    PAID = "paid"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A payment link asked of the provider for one version of a cart: the cart exactly as shared."""

    reference: str
    cart: Cart  # the snapshot the customer pays for
    amount_minor: int
    currency: str
    token: str
    shared_by: str
    state: PaymentState = PaymentState.OPEN
    link_id: str | None = None
    order_id: str | None = None


class PageStatus(StrEnum):
    OPEN = "open"
    UPDATING = "updating"
    PAID = "paid"


@dataclass(frozen=True, slots=True)
class CartPage:
    """What the customer's page at /c/{token} shows, all from one item."""

    token: str
    cart: Cart
    page: carts.PageInfo
    paid: bool = False
    order_id: str | None = None
    paid_total_minor: int | None = None

    @property
    def status(self) -> PageStatus:
        if self.paid:
            return PageStatus.PAID
        return PageStatus.OPEN if self.cart.link_is_current else PageStatus.UPDATING
