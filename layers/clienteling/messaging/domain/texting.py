"""Who is being texted, as the sending paths carry it: read once, used by every step of a send."""

from __future__ import annotations

from dataclasses import dataclass

from clienteling.directory.ports import Customer, Status, Store
from clienteling.messaging.domain.conversations import Conversation


@dataclass(frozen=True, slots=True)
class TextingContext:
    """A customer the store may text now, with everything a send needs, read once: the conversation, the customer,
    the store and the number to text."""

    conversation: Conversation
    customer: Customer
    store: Store
    phone: str


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a campaign text goes to, as the campaign's start job saw them."""

    store_id: str
    customer_id: str
    customer_name: str
    phone: str
    primary_associate_id: str | None
    sms_conversational: Status
    sms_marketing: Status
