"""EventBridge events the product publishes: `source` and `detail-type`, and the pydantic model of `detail`.

Details carry ids and states, never message bodies, phone numbers or emails: consumers read what they need
through the API or the table. These models are the single source of schemas/events/*.json.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from clienteling.contracts.base import ResponseModel

SOURCE = "clienteling"


class CustomerCreated(ResponseModel):
    """A customer record was created (by an associate, or from an unknown texting number)."""

    customer_id: str
    home_store_id: str
    unidentified: bool = False
    occurred_at: datetime


class ConsentChanged(ResponseModel):
    """A customer's consent changed; the audit event id points into the customer's consent trail."""

    customer_id: str
    consent_event_id: str
    channel: str
    purpose: str
    store_id: str | None = Field(description="null when business-wide")
    previous: str
    status: str
    method: str
    occurred_at: datetime


class MessageReceived(ResponseModel):
    conversation_id: str
    store_id: str
    customer_id: str
    message_id: str
    provider_sid: str
    assignee_id: str | None = None
    blocked: bool = False
    media_count: int = 0

    opt_out_intent: bool = False
    keyword: str | None = Field(default=None, description="opt_out, opt_in or help when the text was a keyword")
    reopened: bool = Field(default=False, description="the conversation was closed or archived and came back")
    occurred_at: datetime


class MessageSent(ResponseModel):
    conversation_id: str
    store_id: str
    customer_id: str
    message_id: str
    associate_id: str | None = None
    segments: int | None = None
    campaign_id: str | None = Field(default=None, description="set when a campaign sent it")
    occurred_at: datetime


class MessageStatusChanged(ResponseModel):
    conversation_id: str
    message_id: str
    status: str
    error_code: int | None = None
    campaign_id: str | None = Field(default=None, description="set when the message was a campaign's")
    customer_id: str | None = Field(default=None, description="set when the message was a campaign's")
    occurred_at: datetime


class ConversationAssigned(ResponseModel):
    conversation_id: str
    store_id: str
    assignee_id: str | None = Field(description="null when unassigned")
    previous_assignee_id: str | None = None
    by_associate_id: str
    occurred_at: datetime


class ConversationTransferred(ResponseModel):
    conversation_id: str
    store_id: str
    from_associate_id: str | None = None
    to_associate_id: str
    by_associate_id: str
    note: str | None = Field(default=None, description="the personal note for the new assignee (staff text)")
    occurred_at: datetime


class ConversationStatusChanged(ResponseModel):
    conversation_id: str
    store_id: str
    status: str
    previous: str
    by_associate_id: str | None = Field(default=None, description="null when the system changed it")
    occurred_at: datetime


class CustomerBlocked(ResponseModel):
    conversation_id: str
    store_id: str
    customer_id: str
    blocked: bool
    by_associate_id: str
    occurred_at: datetime


class PurchasedLine(ResponseModel):
    sku: str | None = Field(default=None, description="null for a free amount or a category-only line")
    category_id: str | None = None
    quantity: int
    total_minor: int = Field(description="What the line cost after discounts, in minor units of `currency`")


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


class PurchaseRecorded(ResponseModel):
    """A purchase was recorded at a store's till (loyalty)."""

    purchase_id: str
    customer_id: str
    store_id: str
    associate_id: str
    total_minor: int
    currency: str
    lines: list[PurchasedLine]
    occurred_at: datetime


EVENT_DETAILS: dict[tuple[str, str], type[BaseModel]] = {
    (SOURCE, model.__name__): model
    for model in (
        CustomerCreated,
        ConsentChanged,
        MessageReceived,
        MessageSent,
        MessageStatusChanged,
        ConversationAssigned,
        ConversationTransferred,
        ConversationStatusChanged,
        CustomerBlocked,
        OrderPaid,
        PurchaseRecorded,
        CartShared,
        CartExpired,
        PaymentFailed,
    )
}


def detail_type(model: type[BaseModel] | BaseModel) -> str:
    return (model if isinstance(model, type) else type(model)).__name__
