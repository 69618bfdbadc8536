"""What other features may use of messaging: texting a customer (commerce shares carts and receipts through it), the
campaign sender's log of its texts in the customers' conversations, reading conversations, and the texting rules
other features need (SMS segments, saved-reply placeholders, the languages keywords are answered in). Nothing else
of `clienteling.messaging` is imported outside it (import-linter checks this); `messaging/wiring.py` provides the
implementations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from clienteling.directory.ports import Customer
from clienteling.kernel.access import Caller
from clienteling.kernel.unit_of_work import UnitOfWork
from clienteling.messaging.domain import segments
from clienteling.messaging.domain.conversations import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    conversation_id,
    preview,
)
from clienteling.messaging.domain.keywords import language as keyword_language
from clienteling.messaging.domain.templates import PLACEHOLDER, pick, render
from clienteling.messaging.domain.texting import Recipient, TextingContext

__all__ = [
    "PLACEHOLDER",
    "CampaignTexts",
    "Conversation",
    "ConversationLookup",
    "Direction",
    "Message",
    "MessageStatus",
    "Recipient",
    "StoreTexts",
    "TextSender",
    "TextingContext",
    "conversation_id",
    "keyword_language",
    "pick",
    "preview",
    "render",
    "segments",
]


class TextSender(Protocol):
    """An associate texts a customer something another feature prepared (a cart's link)."""

    def context_for(self, caller: Caller, store_id: str, customer_id: str) -> TextingContext:
        """What a text to this customer needs, read once; raises what sending would (404, 409 consent_required,
        opted_out, blocked, 422 no_phone) before the caller prepares anything."""
        ...

    def send_text(self, caller: Caller, context: TextingContext, body: str) -> Message: ...


class StoreTexts(Protocol):
    """Texts and thread lines from the store itself (after a payment)."""

    def send_from_store(self, conversation_id: str, body: str, /) -> Message | None:
        """None when the customer may not be texted now."""
        ...

    def post_system(self, conversation_id: str, body: str, /) -> Message: ...


class ConversationLookup(Protocol):
    def get(self, conversation_id: str, /) -> Conversation | None: ...

    def get_many(self, conversation_ids: list[str], /) -> list[Conversation]: ...


class CampaignTexts(Protocol):
    """A campaign's texts in the customers' conversations, in the sender's own unit of work."""

    def message_key(self, message: Message) -> str: ...

    def status_callback(self, message: Message, *, campaign_id: str, customer_id: str) -> str:
        """Where the provider reports this text's statuses (messaging's webhook finds the text and the campaign)."""
        ...

    def queued(self, work: UnitOfWork, message: Message, recipient: Recipient, *, now: datetime) -> None: ...

    def accepted(
        self,
        work: UnitOfWork,
        message: Message,
        sid: str,
        *,
        store_id: str,
        customer_id: str,
        now: datetime,
        campaign_id: str | None = None,
    ) -> None: ...

    def failed(self, work: UnitOfWork, message: Message, error_code: int | None) -> None: ...

    def discarded(self, work: UnitOfWork, message: Message) -> None: ...

    def carrier_opt_out(
        self, work: UnitOfWork, customer: Customer, store_id: str, *, message_id: str | None, now: datetime
    ) -> None: ...
