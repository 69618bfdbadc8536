"""Events of commerce: carts shared and expired, orders paid, payments that failed.

Details carry ids and states, never message bodies, phone numbers or emails: consumers read what they need
through the API or the table. These models are the single source of schemas/events/*.json (`make schemas`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from clienteling.kernel.events import PurchasedLine
from clienteling.kernel.wire import ResponseModel


class OrderPaid(ResponseModel):
    """A remote cart was paid through its payment link: the order exists, attributed to an associate."""

    order_id: str
    cart_id: str
    customer_id: str
    store_id: str
    conversation_id: str | None = None
    associate_id: str | None = Field(default=None, description="the last associate who wrote to the customer")
    total_minor: int
    currency: str
    lines: list[PurchasedLine]
    psp_reference: str
    occurred_at: datetime


class CartShared(ResponseModel):
    """An associate shared a cart with its customer: a payment link for this version of it exists."""

    cart_id: str
    store_id: str
    customer_id: str
    associate_id: str
    version: int
    total_minor: int
    currency: str
    occurred_at: datetime


class CartExpired(ResponseModel):
    """Midnight came in the cart's store: its lines were cleared and its payment link expired at Adyen."""

    cart_id: str
    store_id: str
    customer_id: str
    lines: int = Field(description="how many lines the cart held")
    link_expired: bool = Field(description="a shared payment link was expired at the provider")
    occurred_at: datetime


class PaymentFailed(ResponseModel):
    """A payment on a cart's link did not go through (refused), or arrived not matching what was shared."""

    cart_id: str
    store_id: str
    customer_id: str
    conversation_id: str
    associate_id: str | None = Field(default=None, description="who shared the cart")
    payment_reference: str
    psp_reference: str
    reason: str = Field(description="refused, or amount_mismatch")
    amount_minor: int
    currency: str
    occurred_at: datetime


# What this feature publishes on the bus (schemas/generate.py writes one schema each).
PUBLISHED: tuple[type[ResponseModel], ...] = (
    OrderPaid,
    CartShared,
    CartExpired,
    PaymentFailed,
)
