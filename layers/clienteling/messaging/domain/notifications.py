"""Notifications for associates: what happened in a conversation that needs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class NotificationKind(StrEnum):
    NEW_MESSAGE = "new_message"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    OPT_OUT_INTENT = "opt_out_intent"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_FAILED = "payment_failed"


@dataclass(frozen=True, slots=True)
class Notification:
    id: str  # the event id that caused it: a redelivered event makes no second notification
    associate_id: str
    kind: NotificationKind
    conversation_id: str
    store_id: str
    created_at: datetime
    text: str
    read: bool = False
