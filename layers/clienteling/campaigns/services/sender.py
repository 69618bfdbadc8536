"""The campaign sender: consumes the send queue in batches (Powertools batch processing: a record that fails comes
back, the others are done) and sends each recipient's text or email once, at the provider's rate.

For a batch:
1. Quiet hours, again: a text whose recipient's window has closed meanwhile (a long send at a low rate) is parked
   until it opens.
2. Rate: each sender (a store's number, or the email account) reserves slots for its messages in one conditional
   write on its limiter item (repositories/rate_limiter.py); messages beyond the pacing horizon go back to the
   queue with a delay (a new message: its receive count does not grow towards the dead-letter queue).
3. Claim, one transaction per recipient: the delivery record (PK CUST#, SK CAMPAIGN#<id>) if none exists (a
   duplicate SQS delivery stops here: sent once), the profile's marketing attributes if the profile has not
   changed since the audience was read (else it is read again and the customer skipped if consent, blocking or
   the frequency cap now say so), and for a text the message, the conversation and the SMS thread, so the
   customer's reply lands in the chat and a fast status callback finds its message.
4. Send, in slot order, waiting for each slot; then record the provider's id, the counters and the event.
   A provider error that may pass is retried by SQS; the last attempt records the failure and refunds the
   credits before the message goes to the dead-letter queue. A refusal (STOP at the carrier, a bad number) is
   final at once.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from clienteling.adapters.queues import MAX_DELAY_SECONDS
from clienteling.campaigns.contracts.send_queue import SendRequest
from clienteling.campaigns.domain import rate
from clienteling.campaigns.domain.audience import FrequencyCap, Member, exclusion
from clienteling.campaigns.services.flow import (
    CampaignProgress,
    CreditLedger,
    ParkedRecipients,
    Parking,
    Progress,
    Rates,
    Refunds,
)
from clienteling.directory.ports import Channel, SettingsLookup, Status
from clienteling.kernel.clock import Clock, from_iso
from clienteling.kernel.ids import new_id
from clienteling.kernel.items import to_int
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import (
    EmailError,
    EmailSender,
    Outgoing,
    OutgoingEmail,
    ProviderUnavailable,
    Queue,
    RecipientOptedOut,
    Schedules,
    SmsError,
    SmsSender,
)
from clienteling.kernel.quiet_hours import MessageKind, NoAllowedTime, defer, recipient_zone
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import StartWork
from clienteling.messaging.ports import CampaignTexts, Direction, Message, MessageStatus, Recipient, conversation_id

CLAIM_ATTEMPTS = 3
LEASE_MARGIN = timedelta(seconds=60)


# What the sender uses of the repositories: CampaignRepository, MarketingRepository and RateLimiter in the product,
# in-memory ones in the fast service tests (tests/fakes).
class SenderCampaigns(ParkedRecipients, CampaignProgress, Protocol):
    def claim_delivery_op(
        self,
        *,
        customer_id: str,
        campaign_id: str,
        store_id: str,
        channel: Channel,
        credit_count: int,
        now: datetime,
        lease: timedelta,
        skip_reason: str | None = None,
    ) -> Op: ...

    def delivery_done_op(
        self, customer_id: str, campaign_id: str, state: str, *, now: datetime, **attributes: Any
    ) -> Op: ...

    def release_op(self, customer_id: str, campaign_id: str, *, now: datetime) -> Op: ...

    def stats_op(self, campaign_id: str, customer_id: str, **counts: int) -> Op: ...

    def add_processed(self, campaign_id: str, count: int) -> dict[str, Any]: ...


class SenderMarketing(Protocol):
    def member(self, customer_id: str) -> Member | None: ...

    def claim_send_op(
        self,
        customer_id: str,
        *,
        version: int,
        marketing_version: int,
        sends: Mapping[str, datetime],
        campaign_id: str,
        channel: Channel,
        store_id: str,
        now: datetime,
    ) -> Op: ...


class SendingRate(Protocol):
    def reserve(
        self, sender: str, units: Sequence[int], *, now: int, rate_per_second: float, horizon: int
    ) -> rate.RatePlan: ...


class RetryLater(Exception):
    """This record fails now; SQS delivers it again after its visibility timeout (or dead-letters it)."""


@dataclass
class Job:
    record_id: str
    body: str
    receive_count: int
    request: SendRequest | None
    outcome: str = "pending"  # parked, requeued, duplicate, skipped, busy, claimed, sent, failed, invalid
    slot: int | None = None  # microseconds since the epoch
    message: Message | None = None


@dataclass
class SenderBatch:
    sender: CampaignSender
    jobs: dict[str, Job]
    processed: Counter[str] = field(default_factory=Counter)  # campaign -> recipients finished in this batch

    def ordered(self, records: Sequence[SQSRecord]) -> list[SQSRecord]:
        """The records in the order their slots come (the others first): waiting for one never delays another."""
        return sorted(records, key=lambda r: self.jobs[r.message_id].slot or 0)

    def handle(self, record: SQSRecord) -> str:
        """Powertools' record handler: raises for a record that must come back."""
        return self.sender.deliver(self.jobs[record.message_id], self)

    def finish(self) -> None:
        self.sender.finish(self)


class CampaignSender:
    def __init__(
        self,
        *,
        campaigns: SenderCampaigns,
        marketing: SenderMarketing,
        texts: CampaignTexts,
        ledger_repository: CreditLedger,
        limiter: SendingRate,
        settings: SettingsLookup,
        queue: Callable[[], Queue],
        schedules: Callable[[], Schedules],
        sms: Callable[[], SmsSender],
        email: Callable[[], EmailSender],
        rates: Rates,
        work: StartWork,
        clock: Clock,
        sleep: Callable[[float], None],
    ) -> None:
        self._campaigns = campaigns
        self._marketing = marketing
        self._texts = texts
        self._limiter = limiter
        self._settings = settings
        self._queue = queue
        self._sms = sms
        self._email = email
        self._rates = rates
        self._work = work
        self._clock = clock
        self._sleep = sleep
        self._parking = Parking(campaigns, queue, schedules, work, clock)
        self._progress = Progress(campaigns, ledger_repository, work, clock)
        self._refunds = Refunds(ledger_repository, work, clock)

    # ------------------------------------------------------------------ preparing a batch
    def prepare(self, records: Sequence[SQSRecord]) -> SenderBatch:
        jobs = {record.message_id: _job(record) for record in records}
        batch = SenderBatch(self, jobs)
        pending = _first_of_each_recipient([j for j in jobs.values() if j.request is not None])
        pending = self._quiet_hours(pending)
        pending = self._reserve(pending)
        now = self._clock()
        for job in pending:
            self._claim(job, batch, now)
        return batch

    def _quiet_hours(self, jobs: list[Job]) -> list[Job]:
        now = self._clock()
        waiting: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        ready: list[Job] = []
        for job in jobs:
            request = _request(job)
            if request.channel != Channel.SMS:
                ready.append(job)
                continue
            zone = recipient_zone(
                request.to, fallback_tz=request.store_time_zone, fallback_country=request.store_country
            )
            try:
                due = defer(now, MessageKind.MARKETING, zone)
            except NoAllowedTime:
                due = now + timedelta(days=1)
            if due > now:
                waiting[request.campaign_id].append((due, job.body))
                job.outcome = "parked"
            else:
                ready.append(job)
        for campaign_id, items in waiting.items():
            self._parking.park(campaign_id, items)
        return ready

    def _reserve(self, jobs: list[Job]) -> list[Job]:
        """Slots on each sender's limiter; who does not fit within the pacing horizon goes back to the queue."""
        now = _micros(self._clock())
        horizon = int(self._rates.pace_seconds * rate.MICROS)
        by_sender: dict[tuple[str, float], list[Job]] = defaultdict(list)
        for job in jobs:
            request = _request(job)
            by_sender[(request.sender, request.rate)].append(job)
        kept: list[Job] = []
        later: list[Outgoing] = []
        for (sender, per_second), group in by_sender.items():
            units = [max(1, _request(j).segments) if _request(j).channel == Channel.SMS else 1 for j in group]
            plan = self._limiter.reserve(sender, units, now=now, rate_per_second=per_second, horizon=horizon)
            for job, slot in zip(group, plan.slots, strict=False):
                job.slot = slot
                kept.append(job)
            delay = math.ceil((plan.next_free - now) / rate.MICROS - self._rates.pace_seconds / 2)
            for job in group[plan.count :]:
                job.outcome = "requeued"
                later.append(Outgoing(body=job.body, delay_seconds=min(MAX_DELAY_SECONDS, max(1, delay))))
        if later:
            self._queue().send(later)
            logger.info("messages back on the queue for the rate", extra={"count": len(later)})
        return kept

    # ------------------------------------------------------------------ claiming
    def _claim(self, job: Job, batch: SenderBatch, now: datetime) -> None:
        """One transaction claims the recipient (see the module's step 3). Its own loop rather than retry_race:
        each cancellation reason means something else (taken: duplicate or busy; a concurrent transaction: try
        again; the profile changed: read it again, maybe skip), and running out of tries leaves the job busy."""
        request = _request(job)
        version, marketing_version = request.seen_version, request.seen_marketing_version
        sends = {k: from_iso(v) for k, v in request.marketing_sends.items() if k != request.campaign_id}
        cap = self._cap()
        for _ in range(CLAIM_ATTEMPTS):
            kept = cap.kept({**sends, request.campaign_id: now}, now)
            # Reasons come back by position: the delivery record first, the profile second.
            work = self._work().add(
                self._campaigns.claim_delivery_op(
                    customer_id=request.customer_id,
                    campaign_id=request.campaign_id,
                    store_id=request.store_id,
                    channel=request.channel,
                    credit_count=request.credits,
                    now=now,
                    lease=timedelta(seconds=self._rates.pace_seconds) + LEASE_MARGIN,
                ),
                self._marketing.claim_send_op(
                    request.customer_id,
                    version=version,
                    marketing_version=marketing_version,
                    sends=kept,
                    campaign_id=request.campaign_id,
                    channel=request.channel,
                    store_id=request.store_id,
                    now=now,
                ),
            )
            message = self._message(request, now) if request.channel == Channel.SMS else None
            if message is not None:
                self._texts.queued(work, message, _recipient(request), now=now)
            reasons = work.attempt()
            if reasons is None:
                job.outcome, job.message = "claimed", message
                return
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                state = ((reasons[0].get("Item") or {}).get("state") or {}).get("S")
                job.outcome = "busy" if state == "sending" else "duplicate"
                return
            if reasons[1].get("Code") != "ConditionalCheckFailed":
                continue  # lost to a concurrent transaction: try again
            member = self._marketing.member(request.customer_id)
            if member is None:
                self._skip(job, batch, "customer_gone", now)
                return
            sends = {k: v for k, v in member.marketing_sends.items() if k != request.campaign_id}
            fresh = type(member)(
                customer=member.customer,
                blocked_stores=member.blocked_stores,
                marketing_sends=sends,
                marketing_version=member.marketing_version,
            )
            reason = exclusion(fresh, request.channel, request.store_id, cap=cap, now=now)
            if reason is not None:
                self._skip(job, batch, reason.value, now)
                return
            version, marketing_version = member.customer.version, member.marketing_version
        job.outcome = "busy"

    def _message(self, request: SendRequest, now: datetime) -> Message:
        return Message(
            id=new_id(),
            conversation_id=conversation_id(request.store_id, request.customer_id),
            direction=Direction.OUTBOUND,
            created_at=now,
            body=request.text,
            status=MessageStatus.QUEUED,
            encoding=None,
            segments=request.segments or None,
            campaign_id=request.campaign_id,
        )

    def _skip(self, job: Job, batch: SenderBatch, reason: str, now: datetime) -> None:
        """The customer may not get it any more (consent withdrawn, blocked, capped since the start)."""
        request = _request(job)
        claim = self._campaigns.claim_delivery_op(
            customer_id=request.customer_id,
            campaign_id=request.campaign_id,
            store_id=request.store_id,
            channel=request.channel,
            credit_count=request.credits,
            now=now,
            lease=timedelta(0),
            skip_reason=reason,
        )
        if self._work().add(claim, self._stats(request, skipped=1)).attempt() is None:
            self._refunds.add(request.channel, request.campaign_id, request.credits)
            batch.processed[request.campaign_id] += 1
            job.outcome = "skipped"
            logger.info("campaign recipient skipped", extra={"campaign_id": request.campaign_id, "reason": reason})
        else:
            job.outcome = "duplicate"

    # ------------------------------------------------------------------ sending
    def deliver(self, job: Job, batch: SenderBatch) -> str:
        if job.outcome == "invalid":
            raise RetryLater("not a campaign send request")
        if job.outcome == "busy":
            raise RetryLater("another attempt holds this recipient")
        if job.outcome != "claimed":
            return job.outcome
        if job.slot is not None:
            wait = (job.slot - _micros(self._clock())) / rate.MICROS
            if wait > 0:
                self._sleep(wait)
        request = _request(job)
        if request.channel == Channel.SMS:
            return self._send_sms(job, batch)
        return self._send_email(job, batch)

    def _send_sms(self, job: Job, batch: SenderBatch) -> str:
        request, message = _request(job), job.message
        if message is None:
            raise RetryLater("no message was prepared")
        sk = self._texts.message_key(message)
        callback = self._texts.status_callback(
            message, campaign_id=request.campaign_id, customer_id=request.customer_id
        )
        try:
            sent = self._sms().send(
                from_=request.sender, to=request.to, body=request.text, media_urls=[], status_callback=callback
            )
        except RecipientOptedOut as error:
            return self._failed(job, batch, error.code, carrier_opt_out=True)
        except ProviderUnavailable as error:
            return self._retry_or_fail(job, batch, error.code)
        except SmsError as error:
            return self._failed(job, batch, error.code)
        now = self._clock()
        with self._work() as work:
            self._texts.accepted(
                work,
                message,
                sent.sid,
                store_id=request.store_id,
                customer_id=request.customer_id,
                now=now,
                campaign_id=request.campaign_id,
            )
            work.add(
                self._campaigns.delivery_done_op(
                    request.customer_id,
                    request.campaign_id,
                    "sent",
                    now=now,
                    provider_id=sent.sid,
                    message_id=message.id,
                    conversation_id=message.conversation_id,
                    message_sk=sk,
                    segments=request.segments,
                ),
                self._stats(request, sent=1, segments=request.segments),
            )
        batch.processed[request.campaign_id] += 1
        job.outcome = "sent"
        return "sent"

    def _send_email(self, job: Job, batch: SenderBatch) -> str:
        request = _request(job)
        try:
            message_id = self._email().send(
                OutgoingEmail(
                    to=request.to,
                    subject=request.subject or "",
                    text=request.text,
                    html=request.html or request.text,
                    unsubscribe_url=request.unsubscribe_url,
                )
            )
        except EmailError as error:
            if error.retryable:
                return self._retry_or_fail(job, batch, None)
            return self._failed(job, batch, None)
        now = self._clock()
        with self._work() as work:
            work.add(
                self._campaigns.delivery_done_op(
                    request.customer_id, request.campaign_id, "sent", now=now, provider_id=message_id
                ),
                self._stats(request, sent=1),
            )
        batch.processed[request.campaign_id] += 1
        job.outcome = "sent"
        return "sent"

    def _retry_or_fail(self, job: Job, batch: SenderBatch, code: int | None) -> str:
        """The provider may take it later: SQS brings the record back, and on its last attempt the failure is
        recorded (credits refunded) before it goes to the dead-letter queue."""
        request = _request(job)
        if job.receive_count >= self._rates.max_attempts:
            self._failed(job, batch, code)
            raise RetryLater("the provider kept failing; to the dead-letter queue")
        now = self._clock()
        with self._work() as work:
            work.add(self._campaigns.release_op(request.customer_id, request.campaign_id, now=now))
            if job.message is not None:
                self._texts.discarded(work, job.message)
        raise RetryLater("the provider is unavailable; SQS retries")

    def _failed(self, job: Job, batch: SenderBatch, code: int | None, *, carrier_opt_out: bool = False) -> str:
        request, message = _request(job), job.message
        now = self._clock()
        work = self._work().add(
            self._campaigns.delivery_done_op(
                request.customer_id, request.campaign_id, "failed", now=now, error_code=code
            ),
            self._stats(request, send_failed=1),
        )
        if message is not None:
            self._texts.failed(work, message, code)
        if carrier_opt_out:
            member = self._marketing.member(request.customer_id)
            if member is not None:
                self._texts.carrier_opt_out(
                    work, member.customer, request.store_id, message_id=message.id if message else None, now=now
                )
        work.commit()
        self._refunds.add(request.channel, request.campaign_id, request.credits)
        batch.processed[request.campaign_id] += 1
        job.outcome = "failed"
        logger.info("campaign send failed", extra={"campaign_id": request.campaign_id, "code": code})
        return "failed"

    # ------------------------------------------------------------------ after the batch
    def finish(self, batch: SenderBatch) -> None:
        self._refunds.flush()
        for campaign_id, count in batch.processed.items():
            state = self._campaigns.add_processed(campaign_id, count)
            if to_int(state.get("processed", 0)) >= to_int(state.get("recipients", 0)) and not to_int(
                state.get("pending_starts", 0)
            ):
                self._progress.check(campaign_id)
        outcomes = Counter(job.outcome for job in batch.jobs.values())
        logger.info("campaign batch done", extra={"outcomes": dict(outcomes)})

    def _stats(self, request: SendRequest, **counts: int) -> Op:
        return self._campaigns.stats_op(request.campaign_id, request.customer_id, **counts)

    def _cap(self) -> FrequencyCap:
        settings = self._settings.get("")
        return FrequencyCap(settings.marketing_frequency_cap, settings.marketing_frequency_days)


def _job(record: SQSRecord) -> Job:
    receive_count = int(record.attributes.approximate_receive_count or "1")
    try:
        request: SendRequest | None = SendRequest.model_validate_json(record.body)
    except ValidationError:
        logger.error("not a campaign send request", extra={"message_id": record.message_id})
        request = None
    job = Job(record_id=record.message_id, body=record.body, receive_count=receive_count, request=request)
    if request is None:
        job.outcome = "invalid"
    return job


def _first_of_each_recipient(jobs: list[Job]) -> list[Job]:
    """A message SQS delivered twice in one batch: the first copy is the one sent (its record is retried if it
    fails), the others are done."""
    seen: set[tuple[str, str]] = set()
    first: list[Job] = []
    for job in jobs:
        request = _request(job)
        key = (request.campaign_id, request.customer_id)
        if key in seen:
            job.outcome = "duplicate"
            continue
        seen.add(key)
        first.append(job)
    return first


def _request(job: Job) -> SendRequest:
    if job.request is None:
        raise RetryLater("not a campaign send request")
    return job.request


def _micros(instant: datetime) -> int:
    return int(instant.timestamp() * rate.MICROS)


def _recipient(request: SendRequest) -> Recipient:
    return Recipient(
        store_id=request.store_id,
        customer_id=request.customer_id,
        customer_name=request.customer_name,
        phone=request.to,
        primary_associate_id=request.primary_associate_id,
        sms_conversational=Status(request.sms_conversational),
        sms_marketing=Status(request.sms_marketing),
    )
