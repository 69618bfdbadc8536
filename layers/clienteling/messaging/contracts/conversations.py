"""Conversations, messages and inboxes on the wire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from clienteling.kernel.fields import Sku
from clienteling.kernel.wire import ApiModel, Id, ResponseModel, lowercase_matching
from clienteling.messaging.domain.conversations import (
    Conversation,
    ConversationStatus,
    Direction,
    Media,
    MediaState,
    Message,
    MessageStatus,
    ScheduledState,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1600)]
MediaKey = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class ConversationOut(ResponseModel):
    id: str
    store_id: str
    customer_id: str
    customer_name: str
    phone_number: str | None = None
    status: ConversationStatus
    last_activity_at: datetime
    last_message_preview: str | None = None
    last_direction: Direction | None = None
    unread_count: int
    assignee_id: str | None = None
    blocked: bool
    topics: list[str]
    flags: list[str] = Field(description="opt_out_intent: the customer may have asked to stop; confirm or dismiss.")
    created_at: datetime


class MediaOut(ResponseModel):
    content_type: str
    state: MediaState = Field(description="pending while being copied from the provider, then stored")
    url: str | None = Field(default=None, description="Short-lived link to our private copy (never the provider's)")


class MessageOut(ResponseModel):
    id: str
    conversation_id: str
    direction: Direction
    body: str | None = None
    media: list[MediaOut] = Field(default_factory=list)
    status: MessageStatus
    error_code: int | None = None
    associate_id: str | None = None
    encoding: str | None = Field(default=None, description="GSM-7 or UCS-2")
    segments: int | None = Field(default=None, description="SMS segments the body costs")
    flags: list[str] = Field(default_factory=list)
    campaign_id: str | None = Field(default=None, description="Set on a campaign's text")
    created_at: datetime


class SendMessage(ApiModel):
    body: Text | None = None
    template_id: Id | None = Field(default=None, description="A saved reply; placeholders are filled in")
    product_ids: list[Sku] = Field(default_factory=list, max_length=10, description="SKUs: their product links")
    media_keys: list[MediaKey] = Field(
        default_factory=list, max_length=10, description="Keys from POST /v1/media/uploads (MMS: US, CA, AU only)"
    )


class OptInRequest(ApiModel):
    store_id: Id
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] = Field(
        description="Your introduction, e.g. 'Hi Zoë, it's Léa from Maison Lumière.' The store's opt-in wording "
        "is appended."
    )


class Assignment(ApiModel):
    associate_id: Id | None = Field(description="null to unassign")


class Transfer(ApiModel):
    associate_id: Id
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class StatusChange(ApiModel):
    status: ConversationStatus = Field(description="open or closed (archiving is automatic)")


class Note(ApiModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Blocking(ApiModel):
    blocked: bool


class OptOutResolution(ApiModel):
    stop_chat: bool = Field(description="true: the customer wants no texts at all; false: not an opt-out")


class MediaUpload(ApiModel):
    content_type: Annotated[str, StringConstraints(pattern=r"^image/(jpeg|png|gif)$")] = Field(
        description="image/jpeg, image/png or image/gif"
    )
    size: int = Field(gt=0, le=5 * 1024 * 1024, description="Bytes, at most 5 MiB")


class UnreadCount(ResponseModel):
    store_id: str
    unread: int


class UnreadOut(ResponseModel):
    stores: list[UnreadCount]
    mine: list[UnreadCount]
    total_mine: int


class NotificationOut(ResponseModel):
    id: str
    kind: str
    conversation_id: str
    store_id: str
    text: str
    read: bool
    created_at: datetime


TopicTag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
    lowercase_matching(r"^[a-z0-9][a-z0-9 _-]*$", "topics are letters, digits, spaces, - and _"),
]


class Topics(ApiModel):
    topics: list[TopicTag] = Field(max_length=10, description="e.g. ['wedding', 'alterations']")


class ScheduleMessage(SendMessage):
    send_at: AwareDatetime = Field(
        description="When to send, with its UTC offset (e.g. 2026-12-01T10:00:00+01:00). "
        "Moved to the customer's next allowed hour if it falls in quiet hours."
    )


class ScheduledMessageOut(ResponseModel):
    id: str
    conversation_id: str
    associate_id: str
    body: str | None = None
    media_count: int
    requested_for: datetime
    scheduled_for: datetime = Field(description="After quiet hours")
    state: ScheduledState
    message_id: str | None = Field(default=None, description="The message it became, once sent")
    reason: str | None = Field(default=None, description="Why it was not sent (e.g. opted_out)")
    created_at: datetime


def conversation_out(conversation: Conversation) -> ConversationOut:
    return ConversationOut(
        id=conversation.id,
        store_id=conversation.store_id,
        customer_id=conversation.customer_id,
        customer_name=conversation.customer_name,
        phone_number=conversation.phone_number,
        status=conversation.status,
        last_activity_at=conversation.last_activity_at,
        last_message_preview=conversation.last_message_preview,
        last_direction=conversation.last_direction,
        unread_count=conversation.unread_count,
        assignee_id=conversation.assignee_id,
        blocked=conversation.blocked,
        topics=list(conversation.topics),
        flags=list(conversation.flags),
        created_at=conversation.created_at,
    )


def message_out(message: Message, media_url: Callable[[Media], str | None]) -> MessageOut:
    return MessageOut(
        id=message.id,
        conversation_id=message.conversation_id,
        direction=message.direction,
        body=message.body,
        media=[MediaOut(content_type=m.content_type, state=m.state, url=media_url(m)) for m in message.media],
        status=message.status,
        error_code=message.error_code,
        associate_id=message.associate_id,
        encoding=message.encoding,
        segments=message.segments,
        flags=list(message.flags),
        campaign_id=message.campaign_id,
        created_at=message.created_at,
    )
