"""Conversations: one per (store, customer), made of messages, worked by the store's associates."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from clienteling.kernel.search_text import fold


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Direction(StrEnum):
    INBOUND = "inbound"  # from the customer
    OUTBOUND = "outbound"  # from an associate to the customer
    SYSTEM = "system"  # the product speaking in the thread (keyword replies, "customer paid")
    NOTE = "note"  # staff-only, never sent


class MessageStatus(StrEnum):
    SCHEDULED = "scheduled"  # send-later: waits for its time
    CANCELLED = "cancelled"
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"


# Provider callbacks can arrive out of order: a status only ever moves forward along this rank.
STATUS_RANK = {
    MessageStatus.SCHEDULED: 0,
    MessageStatus.CANCELLED: 6,
    MessageStatus.RECEIVED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.READ: 4,
    MessageStatus.UNDELIVERED: 5,
    MessageStatus.FAILED: 5,
}


class MediaState(StrEnum):
    PENDING = "pending"  # still at the provider; copied to our bucket asynchronously
    STORED = "stored"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Media:
    content_type: str
    state: MediaState
    key: str | None = None  # in the private bucket, once stored
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    conversation_id: str
    direction: Direction
    created_at: datetime
    body: str | None = None
    media: tuple[Media, ...] = ()
    status: MessageStatus = MessageStatus.RECEIVED
    provider_sid: str | None = None
    error_code: int | None = None
    associate_id: str | None = None
    encoding: str | None = None
    segments: int | None = None
    flags: tuple[str, ...] = ()  # e.g. "opt_out_intent" for the associate to confirm
    campaign_id: str | None = None  # a campaign's text in the customer's conversation


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    store_id: str
    customer_id: str
    customer_name: str
    status: ConversationStatus
    created_at: datetime
    last_activity_at: datetime
    phone_number: str | None = None
    last_message_preview: str | None = None
    last_direction: Direction | None = None
    unread_count: int = 0
    assignee_id: str | None = None
    blocked: bool = False
    topics: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    last_outbound_associate_id: str | None = None
    version: int = 1
    extra: dict[str, str] = field(default_factory=dict)


def conversation_id(store_id: str, customer_id: str) -> str:
    """Deterministic: one conversation per (store, customer), found without a lookup."""
    digest = hashlib.sha256(f"{store_id}:{customer_id}".encode()).digest()
    return base64.b32encode(digest).decode().rstrip("=")[:26]


def preview(body: str | None, media_count: int = 0, limit: int = 120) -> str:
    text = " ".join((body or "").split())
    if not text and media_count:
        return "📷 Photo" if media_count == 1 else f"📷 {media_count} photos"
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_INDEXED_WORDS = 25
MIN_WORD_LENGTH = 3


def index_words(text: str | None) -> list[str]:
    """The words a message can be found by: folded (case and accents), at least 3 letters, longest first,
    at most 25 per message so a long text keeps its write small."""
    words = {
        w for w in "".join(c if c.isalnum() else " " for c in fold(text or "")).split() if len(w) >= MIN_WORD_LENGTH
    }
    return sorted(words, key=lambda w: (-len(w), w))[:MAX_INDEXED_WORDS]


class ScheduledState(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ScheduledMessage:
    """A text an associate wrote to go out later; still subject to consent (and quiet hours) when it goes."""

    id: str
    conversation_id: str
    associate_id: str
    body: str | None
    media: tuple[Media, ...]
    requested_for: datetime  # what the associate asked
    scheduled_for: datetime  # after quiet hours
    state: ScheduledState
    created_at: datetime
    message_id: str | None = None  # the message it became
    reason: str | None = None  # why it failed
