"""Consent per channel and purpose, with the rules that decide what an associate may send.

Conversational consent (one-to-one chat) and marketing consent (campaigns) never stand in for each other.
SMS consent can be scoped to one store's number or to the whole business; the most recent decision that
covers a store wins there. Every change is an append-only ConsentEvent (GDPR art. 7 proof).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

BUSINESS_WIDE = "*"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Purpose(StrEnum):
    CONVERSATIONAL = "conversational"
    MARKETING = "marketing"


class Status(StrEnum):
    NOT_ASKED = "not_asked"
    PENDING = "pending"
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


class Method(StrEnum):
    """How the customer expressed the decision."""

    IN_STORE_FORM = "in_store_form"  # signed or ticked in store, wording shown to the customer
    ONLINE_FORM = "online_form"
    VERBAL = "verbal"  # only for opt-outs: anyone may withdraw by any reasonable means
    IMPORT = "import"  # migrated with its original proof, admins only
    SMS_KEYWORD = "sms_keyword"  # STOP, START, YES ... (system)
    SMS_REQUEST = "sms_request"  # an opt-in request was sent (system)
    SMS_INTENT = "sms_intent"  # an opt-out in other words, detected (system)
    CARRIER = "carrier"  # the carrier reported the number as opted out (system)
    EMAIL_LINK = "email_link"  # one-click unsubscribe (system)


ASSOCIATE_METHODS = frozenset({Method.IN_STORE_FORM, Method.ONLINE_FORM, Method.VERBAL, Method.IMPORT})


@dataclass(frozen=True, slots=True)
class ConsentState:
    channel: Channel
    purpose: Purpose
    scope: str  # a store id, or BUSINESS_WIDE
    status: Status
    updated_at: datetime
    method: Method | None = None

    @property
    def key(self) -> str:
        return state_key(self.channel, self.purpose, self.scope)


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    """One line of the audit trail: who or what changed which consent, how, with which wording."""

    id: str
    customer_id: str
    at: datetime
    channel: Channel
    purpose: Purpose
    scope: str
    previous: Status
    status: Status
    method: Method
    wording: str | None = None
    wording_version: str | None = None
    associate_id: str | None = None
    store_id: str | None = None
    message_id: str | None = None
    note: str | None = None


def state_key(channel: Channel, purpose: Purpose, scope: str) -> str:
    return f"{channel.value}:{purpose.value}:{scope}"


def effective(
    states: dict[str, ConsentState], channel: Channel, purpose: Purpose, store_id: str | None = None
) -> Status:
    """The status that applies at a store: the latest of the store-scoped and business-wide decisions."""
    candidates = [states.get(state_key(channel, purpose, BUSINESS_WIDE))]
    if store_id is not None:
        candidates.append(states.get(state_key(channel, purpose, store_id)))
    present = [c for c in candidates if c is not None]
    if not present:
        return Status.NOT_ASKED
    return max(present, key=lambda c: c.updated_at).status


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    """One change to make: who decided what, how, and with which proof."""

    channel: Channel
    purpose: Purpose
    scope: str  # store id or BUSINESS_WIDE
    status: Status
    method: Method
    wording: str | None = None
    wording_version: str | None = None
    associate_id: str | None = None
    store_id: str | None = None  # where it happened
    message_id: str | None = None
    note: str | None = None


@dataclass
class ConsentWrite:
    """What recording decisions produced (its operations are in the unit of work): the new states and audit events."""

    states: dict[str, ConsentState] = field(default_factory=dict)
    events: list[ConsentEvent] = field(default_factory=list)
    # store id -> fields of that store's SMS thread to set (the webhook's copy of the effective statuses)
    thread_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
