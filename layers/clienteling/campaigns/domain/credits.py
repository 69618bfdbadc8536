"""Messaging credits: a per-business ledger of SMS and email credits. Admins grant them, campaigns consume them
when scheduled (one credit per SMS segment, one per email) and get back what they did not use; the balance never
goes below zero (every consumption is conditional on it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from clienteling.directory.ports import Channel


class CreditKind(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class EntryReason(StrEnum):
    GRANT = "grant"  # an admin added credits
    RESERVE = "reserve"  # a campaign was scheduled
    TOP_UP = "top_up"  # a starting campaign needed more than it reserved
    RELEASE = "release"  # a campaign finished or was cancelled with credits left
    REFUND = "refund"  # messages that could not be sent


def kind_for(channel: Channel) -> CreditKind:
    return CreditKind(channel.value)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: str
    kind: CreditKind
    at: datetime
    delta: int  # positive: credits added to the balance
    reason: EntryReason
    campaign_id: str | None = None
    associate_id: str | None = None
    note: str | None = None
    messages: int | None = None  # refunds: how many messages they cover
