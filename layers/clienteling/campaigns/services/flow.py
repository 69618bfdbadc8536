"""What the start job and the sender share: the send queue's messages, recipients parked by quiet hours (and
released by a one-time schedule), refunds, and noticing that a campaign is complete."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from clienteling.campaigns.contracts.send_queue import SendRequest
from clienteling.campaigns.domain.audience import Member
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStats, CampaignStatus
from clienteling.campaigns.domain.credits import EntryReason, LedgerEntry, kind_for
from clienteling.campaigns.repositories import credits as ledger
from clienteling.campaigns.repositories.campaigns import NotInStatus
from clienteling.campaigns.services.audience import Recipient, name_of, thread_statuses
from clienteling.directory.ports import Channel, Store
from clienteling.kernel.clock import Clock, iso
from clienteling.kernel.ids import new_id
from clienteling.kernel.items import to_int
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import Outgoing, Queue, Schedules
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import StartWork

PARK_CHUNK = 25  # recipients per parked item (well under DynamoDB's 400 KB)
PARK_ITEMS_PER_TRANSACTION = 25


@dataclass(frozen=True, slots=True)
class Rates:
    sms_default: float  # segments per second of a store number that names no rate of its own
    email: float  # emails per second of the SES account
    pace_seconds: float  # how far ahead a sender reserves and waits for its slots
    max_attempts: int  # the send queue's maxReceiveCount: the last attempt records the failure

    def of(self, store: Store, channel: Channel) -> float:
        if channel == Channel.EMAIL:
            return self.email
        return store.messaging.messages_per_second or self.sms_default


def schedule_name(campaign_id: str, kind: str, key: str) -> str:
    """A one-time schedule's name (at most 64 characters): the campaign, what it does, and a short key."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"cmp-{campaign_id}-{kind}-{digest}"


def send_request(
    campaign_id: str, recipient: Recipient, rates: Rates, unsubscribe_url: Callable[[str, str], str] | None = None
) -> SendRequest:
    """The send queue's message for one recipient: what to send, to whom, and what the decision rested on."""
    member: Member = recipient.member
    customer = member.customer
    store = recipient.store
    conversational, marketing = thread_statuses(member, store.id)
    if recipient.sms is not None:
        channel, to, text, subject, html = Channel.SMS, customer.phone_number or "", recipient.sms.text, None, None
    else:
        email = recipient.email
        if email is None:
            raise ValueError("an email recipient needs its composed email")
        channel, to, text, subject, html = Channel.EMAIL, customer.email or "", email.text, email.subject, email.html
    return SendRequest(
        campaign_id=campaign_id,
        customer_id=customer.id,
        store_id=store.id,
        channel=channel,
        to=to,
        text=text,
        subject=subject,
        html=html,
        unsubscribe_url=unsubscribe_url(customer.id, campaign_id)
        if unsubscribe_url and channel == Channel.EMAIL
        else None,
        segments=recipient.sms.segments if recipient.sms else 0,
        credits=recipient.credits,
        sender=store.phone_number if channel == Channel.SMS else "email",
        rate=rates.of(store, channel),
        seen_version=customer.version,
        seen_marketing_version=member.marketing_version,
        marketing_sends={k: iso(v) for k, v in member.marketing_sends.items()},
        customer_name=name_of(member),
        sms_conversational=conversational,
        sms_marketing=marketing,
        primary_associate_id=customer.primary_associates.get(store.id),
        store_time_zone=store.time_zone,
        store_country=store.country,
    )


def body(request: SendRequest) -> str:
    return request.model_dump_json(by_alias=True, exclude_none=True)


# What Parking, Progress and Refunds use of the repositories: `CampaignRepository` and `CreditRepository` in the
# product, in-memory ones in the fast service tests (tests/fakes).
class ParkedRecipients(Protocol):
    def park_op(self, campaign_id: str, due: datetime, chunk_id: str, messages: list[str]) -> Op: ...

    def parked_due(self, campaign_id: str, now: datetime) -> list[dict[str, Any]]: ...

    def delete_parked(self, item: Mapping[str, Any]) -> None: ...


class CampaignProgress(Protocol):
    def raw(self, campaign_id: str) -> dict[str, Any] | None: ...

    def get(self, campaign_id: str, *, consistent: bool = False) -> Campaign | None: ...

    def stats(self, campaign: Campaign) -> CampaignStats: ...

    def complete_op(
        self, campaign_id: str, *, status: CampaignStatus, now: datetime, reason: str | None = None
    ) -> Op: ...


class CreditLedger(Protocol):
    def change_ops(self, entry: LedgerEntry) -> list[Op]: ...


class Parking:
    """Recipients whose texts must wait for their quiet hours to end: parked in the table by due time, and a
    one-time schedule per due instant that has the start function put them on the queue then."""

    def __init__(
        self,
        campaigns: ParkedRecipients,
        queue: Callable[[], Queue],
        schedules: Callable[[], Schedules],
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._campaigns = campaigns
        self._queue = queue
        self._schedules = schedules
        self._work = work
        self._clock = clock
        self._scheduled: set[str] = set()  # schedules this warm function already made sure exist

    def park(self, campaign_id: str, waiting: Sequence[tuple[datetime, str]]) -> int:
        """Park (due, message body) pairs; returns how many."""
        by_due: dict[datetime, list[str]] = defaultdict(list)
        for due, message in waiting:
            by_due[due.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)].append(message)
        for due, messages in sorted(by_due.items()):
            ops = [
                self._campaigns.park_op(campaign_id, due, new_id(), messages[start : start + PARK_CHUNK])
                for start in range(0, len(messages), PARK_CHUNK)
            ]
            for start in range(0, len(ops), PARK_ITEMS_PER_TRANSACTION):
                with self._work() as work:
                    work.extend(ops[start : start + PARK_ITEMS_PER_TRANSACTION])
            name = schedule_name(campaign_id, "resume", iso(due))
            if name not in self._scheduled:
                self._schedules().create(name, due, {"campaignId": campaign_id, "resume": True})
                self._scheduled.add(name)
        return sum(len(m) for m in by_due.values())

    def release(self, campaign_id: str) -> int:
        """Put the parked recipients that are due on the queue (the sender checks quiet hours again)."""
        released = 0
        for item in self._campaigns.parked_due(campaign_id, self._clock()):
            messages = [str(m) for m in item.get("messages", [])]
            self._queue().send([Outgoing(body=m) for m in messages])
            self._campaigns.delete_parked(item)
            released += len(messages)
        logger.info("parked recipients released", extra={"campaign_id": campaign_id, "count": released})
        return released


class Progress:
    """Noticing that a campaign is over: every time zone's fan-out finished and the sender processed (sent,
    failed or skipped) every recipient. Then it is sent, and what is left of its reservation goes back."""

    def __init__(
        self, campaigns: CampaignProgress, ledger_repository: CreditLedger, work: StartWork, clock: Clock
    ) -> None:
        self._campaigns = campaigns
        self._credits = ledger_repository
        self._work = work
        self._clock = clock

    def check(self, campaign_id: str) -> bool:
        raw = self._campaigns.raw(campaign_id)
        if not raw or raw.get("status") != CampaignStatus.SENDING.value or to_int(raw.get("pending_starts", 0)) > 0:
            return False
        campaign = self._campaigns.get(campaign_id, consistent=True)
        if campaign is None or self._campaigns.stats(campaign).processed < campaign.recipients:
            return False
        return self.finish(
            campaign_id, CampaignStatus.SENT, left=to_int(raw.get("credits_left", 0)), channel=Channel(raw["channel"])
        )

    def finish(
        self, campaign_id: str, status: CampaignStatus, *, left: int, channel: Channel, reason: str | None = None
    ) -> bool:
        now = self._clock()
        work = self._work().add(self._campaigns.complete_op(campaign_id, status=status, now=now, reason=reason))
        if left > 0:
            entry = ledger.entry(kind_for(channel), left, EntryReason.RELEASE, at=now, campaign_id=campaign_id)
            work.extend(self._credits.change_ops(entry))
        try:
            work.commit()
        except NotInStatus:
            return False
        logger.info("campaign finished", extra={"campaign_id": campaign_id, "status": status.value, "released": left})
        return True


class Refunds:
    """Credits of messages that could not be sent, given back once per batch and kind."""

    def __init__(self, ledger_repository: CreditLedger, work: StartWork, clock: Clock) -> None:
        self._credits = ledger_repository
        self._work = work
        self._clock = clock
        self._pending: dict[tuple[Channel, str], tuple[int, int]] = {}

    def add(self, channel: Channel, campaign_id: str, amount: int) -> None:
        total, messages = self._pending.get((channel, campaign_id), (0, 0))
        self._pending[(channel, campaign_id)] = (total + amount, messages + 1)

    def flush(self) -> None:
        now = self._clock()
        for (channel, campaign_id), (amount, messages) in sorted(self._pending.items()):
            if amount <= 0:
                continue
            entry = ledger.entry(
                kind_for(channel), amount, EntryReason.REFUND, at=now, campaign_id=campaign_id, messages=messages
            )
            with self._work() as work:
                work.extend(self._credits.change_ops(entry))
        self._pending.clear()
