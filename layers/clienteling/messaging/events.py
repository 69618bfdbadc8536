"""Events of messaging: texts received and sent, delivery statuses, and the work done on conversations.

Details carry ids and states, never message bodies, phone numbers or emails: consumers read what they need
through the API or the table. These models are the single source of schemas/events/*.json (`make schemas`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from clienteling.kernel.wire import ResponseModel


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


# What this feature publishes on the bus (schemas/generate.py writes one schema each).
PUBLISHED: tuple[type[ResponseModel], ...] = (
    MessageReceived,
    MessageSent,
    MessageStatusChanged,
    ConversationAssigned,
    ConversationTransferred,
    ConversationStatusChanged,
    CustomerBlocked,
)
