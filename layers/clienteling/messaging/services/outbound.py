"""The log of outbound texts in the customers' conversations, whoever sends them (an associate, the store itself, a
campaign): written before the provider is asked, then marked with the provider's id once it accepted the text
(with the MessageSent event), failed, or taken back when the send will be tried again.

`OutboundLog` is also messaging's `CampaignTexts` port: the campaign sender records its texts through it, so a
campaign text lives in the customer's conversation like any other and the reply lands there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from clienteling.directory.ports import Customer, Method, Purpose, SettingsLookup
from clienteling.kernel.errors import DomainError
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import UnitOfWork
from clienteling.messaging.domain.conversations import (
    Conversation,
    ConversationStatus,
    Message,
    MessageStatus,
    preview,
)
from clienteling.messaging.domain.texting import Recipient
from clienteling.messaging.events import MessageSent
from clienteling.messaging.repositories.conversations import Thread, message_sk
from clienteling.messaging.services.consent_copies import CARRIER_NOTE, SmsOptOut


class OutboundConversations(Protocol):
    """What the log of outbound texts writes in the conversations: `ConversationRepository` in the product, an
    in-memory one in the fast service tests (tests/fakes)."""

    def message_put_op(self, message: Message) -> Op: ...

    def ensure_conversation_op(self, conversation: Conversation, *, at: datetime, preview: str) -> Op: ...

    def first_contact_ops(
        self, thread: Thread, *, keep_existing: bool = False, race: DomainError | None = None
    ) -> list[Op]: ...

    def message_sid_op(self, conversation_id: str, message_sk: str, sid: str) -> Op: ...

    def provider_marker_op(self, sid: str, attributes: dict[str, Any], *, now: datetime) -> Op: ...

    def message_status_op(
        self,
        conversation_id: str,
        message_sk: str,
        status: MessageStatus,
        error_code: int | None,
        *,
        sid: str | None = None,
        allow_same: bool = False,
    ) -> Op: ...

    def message_delete_op(self, message: Message) -> Op: ...


def status_callback(base_url: str, message: Message, **extra: str) -> str:
    """Where the provider posts the message's statuses: the message's place goes in the (signed) URL, as a callback
    can beat our own write of the provider's id."""
    return f"{base_url}?{urlencode({'c': message.conversation_id, 'm': message_sk(message), **extra})}"


def record_accepted(
    work: UnitOfWork,
    conversations: OutboundConversations,
    message: Message,
    sid: str,
    *,
    store_id: str,
    customer_id: str,
    now: datetime,
    campaign_id: str | None = None,
) -> None:
    """The provider accepted `message` as `sid`: the message carries the sid, the sid is claimed (status callbacks
    find the message by it, and a redelivered callback changes nothing twice) and MessageSent is published."""
    sk = message_sk(message)
    marker = {
        "conversation_id": message.conversation_id,
        "message_sk": sk,
        "direction": "outbound",
        "store_id": store_id,
        "customer_id": customer_id,
        "campaign_id": campaign_id,
    }
    work.add(
        conversations.message_sid_op(message.conversation_id, sk, sid),
        conversations.provider_marker_op(sid, marker, now=now),
    )
    work.emit(
        MessageSent(
            conversation_id=message.conversation_id,
            store_id=store_id,
            customer_id=customer_id,
            message_id=message.id,
            associate_id=message.associate_id,
            segments=message.segments,
            campaign_id=campaign_id,
            occurred_at=now,
        )
    )


class OutboundLog:
    def __init__(
        self,
        conversations: OutboundConversations,
        opt_out: SmsOptOut,
        settings: SettingsLookup,
        *,
        status_callback_url: str,
    ) -> None:
        self._conversations = conversations
        self._opt_out = opt_out
        self._settings = settings
        self._status_callback_url = status_callback_url

    def message_key(self, message: Message) -> str:
        """Where the message is in its conversation (a campaign's delivery record keeps it)."""
        return message_sk(message)

    def status_callback(self, message: Message, *, campaign_id: str, customer_id: str) -> str:
        return status_callback(self._status_callback_url, message, k=campaign_id, u=customer_id)

    def queued(self, work: UnitOfWork, message: Message, recipient: Recipient, *, now: datetime) -> None:
        """A campaign text in the customer's conversation before it goes: the conversation is created closed and
        in no inbox if it is the first contact (with its SMS thread, so a reply lands in it), or left where it is."""
        conversation = Conversation(
            id=message.conversation_id,
            store_id=recipient.store_id,
            customer_id=recipient.customer_id,
            customer_name=recipient.customer_name,
            status=ConversationStatus.CLOSED,
            created_at=now,
            last_activity_at=now,
            phone_number=recipient.phone,
        )
        thread = Thread(
            store_id=recipient.store_id,
            phone=recipient.phone,
            customer_id=recipient.customer_id,
            conversation_id=message.conversation_id,
            primary_associate_id=recipient.primary_associate_id,
            sms_conversational=recipient.sms_conversational,
            sms_marketing=recipient.sms_marketing,
        )
        work.add(
            self._conversations.message_put_op(message),
            self._conversations.ensure_conversation_op(conversation, at=now, preview=preview(message.body)),
        )
        work.extend(self._conversations.first_contact_ops(thread, keep_existing=True))

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
    ) -> None:
        record_accepted(
            work,
            self._conversations,
            message,
            sid,
            store_id=store_id,
            customer_id=customer_id,
            now=now,
            campaign_id=campaign_id,
        )

    def failed(self, work: UnitOfWork, message: Message, error_code: int | None) -> None:
        work.add(
            self._conversations.message_status_op(
                message.conversation_id, message_sk(message), MessageStatus.FAILED, error_code
            )
        )

    def discarded(self, work: UnitOfWork, message: Message) -> None:
        """The send will be tried again: the message written before it goes (a new one is written then)."""
        work.add(self._conversations.message_delete_op(message))

    def carrier_opt_out(
        self, work: UnitOfWork, customer: Customer, store_id: str, *, message_id: str | None, now: datetime
    ) -> None:
        """The carrier refused the text because the number opted out (21610): record it as the customer's opt-out of
        the store's texts, conversational and marketing, with the carrier's report as proof."""
        self._opt_out.record(
            work,
            customer,
            store_id,
            settings=self._settings.get(""),
            method=Method.CARRIER,
            purposes=(Purpose.CONVERSATIONAL, Purpose.MARKETING),
            now=now,
            message_id=message_id,
            note=CARRIER_NOTE,
        )
