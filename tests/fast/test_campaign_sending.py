"""Campaign sending (campaigns.services.sender.CampaignSender), in memory: the send queue's messages as SQS delivers
them to the sender function (functions/campaign_sender.process: Powertools' batch processing, a failed record
reported for SQS to bring back), each recipient texted or emailed once at the sender's rate, what changed since the
start, quiet hours, provider errors and their retries, credits given back, and the campaign counted and finished.
The same rules run on DynamoDB Local in tests/integration/test_campaign_sender.py.

The queue's messages are made as the start job makes them (its audience decision, composition and send request);
the start job's reservation of credits is one ledger entry here."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
from clienteling.campaigns.domain.audience import AudienceFilter, FrequencyCap
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStatus
from clienteling.campaigns.domain.credits import CreditKind, EntryReason, LedgerEntry, kind_for
from clienteling.campaigns.repositories import credits as ledger
from clienteling.campaigns.services.audience import AudienceResolver, Context, Plan, Source
from clienteling.campaigns.services.flow import Parking, Rates, body, send_request
from clienteling.campaigns.services.sender import CampaignSender
from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks
from clienteling.directory.events import ConsentChanged
from clienteling.directory.ports import (
    BUSINESS_WIDE,
    Channel,
    ConsentDecision,
    ConsentState,
    Customer,
    Method,
    Purpose,
    Status,
    Store,
    customer_numbers,
    effective,
)
from clienteling.directory.services.consent import ConsentRecorder
from clienteling.kernel.ids import new_id
from clienteling.kernel.items import when
from clienteling.kernel.providers import (
    EmailUnavailable,
    InvalidRecipient,
    Outgoing,
    ProviderUnavailable,
    RecipientOptedOut,
)
from clienteling.messaging.domain.conversations import ConversationStatus, Message, MessageStatus, conversation_id
from clienteling.messaging.events import MessageSent
from clienteling.messaging.services.consent_copies import CARRIER_NOTE, SmsOptOut
from clienteling.messaging.services.outbound import OutboundLog

from functions.campaign_sender import process
from tests.fakes.campaigns import FakeCampaigns, FakeCredits, FakeMarketing, FakeRateLimiter
from tests.fakes.clock import ManualClock
from tests.fakes.directory import FakeCustomers, FakeSettings
from tests.fakes.messaging import FakeConversations
from tests.fakes.providers import FakeEmail, FakeQueue, FakeSchedules, FakeSms
from tests.fakes.storage import InMemoryTransactions, run
from tests.fast.givens import PARIS_NUMBER, paris

RATES = Rates(sms_default=1.0, email=10.0, pace_seconds=20.0, max_attempts=3)  # as the integration world's
STATUS_CALLBACK = "https://clienteling.example/webhooks/twilio/status"
TEXT = {"fr": "Bonjour {customer.first_name} ! -20 % sur tout ce week-end."}
STOP_MENTION = "\nSTOP au 0142000001"  # France: STOP to the store's own number, in national format
PHONES = [f"+336123456{n:02d}" for n in range(10)]
CALIFORNIA_MOBILE = "+14155552671"
LYON_NUMBER = "+33478000001"


def sqs_record(body_: str, *, receive_count: int = 1) -> dict[str, Any]:
    """One record of the SQS event Lambda hands the sender function."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle",
        "body": body_,
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "0"},
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body_.encode()).hexdigest(),  # noqa: S324 - SQS's checksum, not security
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-3:000000000000:campaign-sends",
        "awsRegion": "eu-west-3",
    }


@dataclass
class Campaigning:
    """A Paris store's campaigns and what lies behind the sender, in memory."""

    store: Store
    clock: ManualClock
    transactions: InMemoryTransactions
    rates: Rates = RATES
    settings: FakeSettings = field(default_factory=FakeSettings)
    customers: FakeCustomers = field(default_factory=FakeCustomers)
    campaigns: FakeCampaigns = field(default_factory=FakeCampaigns)
    credits: FakeCredits = field(default_factory=FakeCredits)
    limiter: FakeRateLimiter = field(default_factory=FakeRateLimiter)
    queue: FakeQueue = field(default_factory=FakeQueue)
    schedules: FakeSchedules = field(default_factory=FakeSchedules)
    email: FakeEmail = field(default_factory=FakeEmail)
    links: UnsubscribeLinks = field(
        default_factory=lambda: UnsubscribeLinks(lambda: b"fast-key", "https://shop.example")
    )
    slept: list[float] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)  # customer ids, in the order they were added

    def __post_init__(self) -> None:
        self.sms = FakeSms(self.clock)
        self.conversations = FakeConversations(self.customers)
        self.marketing = FakeMarketing(self.customers)
        self.stores = {self.store.id: self.store}

    # ------------------------------------------------------------------ the sender function
    def sender(self) -> CampaignSender:
        """A new sender per invocation, as campaigns.wiring.campaign_sender builds it; the limiter is shared."""

        def sleep(seconds: float) -> None:
            self.slept.append(seconds)
            self.clock.advance(timedelta(seconds=seconds))

        return CampaignSender(
            campaigns=self.campaigns,
            marketing=self.marketing,
            texts=self.texts(),
            ledger_repository=self.credits,
            limiter=self.limiter,
            settings=self.settings,
            queue=lambda: self.queue,
            schedules=lambda: self.schedules,
            sms=lambda: self.sms,
            email=lambda: self.email,
            rates=self.rates,
            work=self.transactions.start,
            clock=self.clock,
            sleep=sleep,
        )

    def texts(self) -> OutboundLog:
        """Messaging's CampaignTexts, as messaging.wiring.campaign_texts builds it."""
        opt_out = SmsOptOut(ConsentRecorder(self.customers), self.conversations)
        return OutboundLog(self.conversations, opt_out, self.settings, status_callback_url=STATUS_CALLBACK)

    def deliver(self, bodies: Sequence[str], *, receive_count: int = 1) -> list[str]:
        """SQS delivers `bodies` as one batch to the sender function; returns those it reported failed."""
        records = [sqs_record(b, receive_count=receive_count) for b in bodies]
        context = SimpleNamespace(function_name="CampaignSender", aws_request_id=str(uuid.uuid4()))
        response = process(self.sender(), {"Records": records}, cast(Any, context))
        failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
        return [r["body"] for r in records if r["messageId"] in failed]

    def drain(self) -> list[str]:
        """Everything on the queue, as one batch."""
        return self.deliver([m.body for m in self.queue.take()])

    # ------------------------------------------------------------------ given
    def add_store(self, store: Store) -> Store:
        self.stores[store.id] = store
        return store

    def customer(
        self,
        first_name: str,
        *,
        phone: str | None = None,
        email: str | None = None,
        store: Store | None = None,
        sms: Status | None = Status.OPTED_IN,
        mail: Status | None = None,
    ) -> Customer:
        """A customer of `store` (the Paris one) on file, with their marketing consent by text and by email."""
        home = store or self.store
        at = self.clock() - timedelta(days=30)
        consents: dict[str, ConsentState] = {}
        if phone and sms:
            state = ConsentState(Channel.SMS, Purpose.MARKETING, home.id, sms, at, Method.IN_STORE_FORM)
            consents[state.key] = state
        if email and mail:
            state = ConsentState(Channel.EMAIL, Purpose.MARKETING, BUSINESS_WIDE, mail, at, Method.ONLINE_FORM)
            consents[state.key] = state
        customer = Customer(
            id=new_id(),
            customer_number=customer_numbers.generate(),
            first_name=first_name,
            last_name="Martin",
            home_store_id=home.id,
            version=1,
            created_at=at,
            updated_at=at,
            phone_number=phone,
            email=email,
            consents=consents,
        )
        self.audience.append(self.customers.add(customer).id)
        return customer

    def grant(self, amount: int, kind: CreditKind = CreditKind.SMS) -> None:
        self.credits.grant(kind, amount, at=self.clock() - timedelta(days=1))

    def start(self, channel: Channel = Channel.SMS, *, all_stores: bool = False) -> Campaign:
        """What the campaign's start job leaves: its credits reserved, its recipients decided and composed as the
        audience resolution does, their send requests on the queue, the campaign sending."""
        now = self.clock()
        draft = Campaign(
            id=new_id(),
            name="Soldes",
            channel=channel,
            store_id=None if all_stores else self.store.id,
            audience=AudienceFilter(),
            bodies=TEXT if channel == Channel.SMS else {"fr": "Bonjour {customer.first_name}"},
            subjects={} if channel == Channel.SMS else {"fr": "Soldes"},
            version=2,
            created_at=now - timedelta(days=1),
            updated_at=now,
            status=CampaignStatus.SENDING,
            started_at=now,
        )
        settings = self.settings.get("")
        link = self.links.url if channel == Channel.EMAIL else None
        ctx = Context(
            now=now,
            starts_at=now,
            cap=FrequencyCap(settings.marketing_frequency_cap, settings.marketing_frequency_days),
            default_sms_rate=self.rates.sms_default,
            email_rate=self.rates.email,
            unsubscribe_url=link,
        )
        stores = self.stores if all_stores else {self.store.id: self.store}
        members = list(self.marketing.members(self.audience).values())
        page = AudienceResolver(self.marketing).decide(draft, stores, members, Plan(Source.STORE, None, 0, 0), ctx)
        assert all(r.due <= now for r in page.recipients), "the start job would park them: start in the day"
        reserved = sum(r.credits for r in page.recipients)
        reserve = ledger.entry(kind_for(channel), -reserved, EntryReason.RESERVE, at=now, campaign_id=draft.id)
        run(self.credits.change_ops(reserve))
        campaign = self.campaigns.add(
            dataclasses.replace(draft, recipients=len(page.recipients), credits_reserved=reserved)
        )
        self.queue.send([Outgoing(body(send_request(campaign.id, r, self.rates, link))) for r in page.recipients])
        return campaign

    # ------------------------------------------------------------------ what happened
    def by_phone(self, phone: str) -> Customer:
        customer_id = self.customers.id_by_phone(phone)
        assert customer_id is not None, "nobody has this number"
        return self.customers.require(customer_id)

    def messages(self, customer: Customer, store: Store | None = None) -> list[Message]:
        conversation = conversation_id((store or self.store).id, customer.id)
        return self.conversations.messages(conversation, limit=50, cursor=None).items

    def balance(self, kind: CreditKind = CreditKind.SMS) -> int:
        return self.credits.balances()[kind]

    def refunds(self, kind: CreditKind = CreditKind.SMS) -> list[LedgerEntry]:
        entries = self.credits.entries(kind, limit=50, cursor=None).items
        return [e for e in entries if e.reason == EntryReason.REFUND]

    def status(self, campaign: Campaign) -> CampaignStatus:
        current = self.campaigns.get(campaign.id)
        assert current is not None
        return current.status


@pytest.fixture
def world(clock: ManualClock, transactions: InMemoryTransactions) -> Campaigning:
    """A Paris store (French, texting from its own number) on Tuesday 12 March 2030 at 10:00 in Paris."""
    return Campaigning(paris(clock()), clock, transactions)


@pytest.fixture
def three(world: Campaigning) -> Campaign:
    """Zoë, Hugo and Léa, opted in to the store's marketing texts, on the queue of an SMS campaign."""
    for name, phone in zip(("Zoë", "Hugo", "Léa"), PHONES, strict=False):
        world.customer(name, phone=phone)
    world.grant(10)
    return world.start()


def _request(body_: str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(body_))


def _times(world: Campaigning) -> list[datetime]:
    """When each text was handed to the provider, in order."""
    return [text.at for text in world.sms.sent if text.at is not None]


# ---------------------------------------------------------------------------------------------- once each
def test_each_recipient_is_texted_once_from_the_store_with_its_opt_out_mention(
    world: Campaigning, three: Campaign
) -> None:
    # When the sender gets the campaign's batch
    failed = world.drain()

    # Then each customer got one text from the store's number, in their name, ending with the French STOP mention
    assert failed == []
    message_ids = []
    for name, phone in zip(("Zoë", "Hugo", "Léa"), PHONES, strict=False):
        (text,) = world.sms.to(phone)
        assert (text.from_, text.body) == (PARIS_NUMBER, f"Bonjour {name} ! -20 % sur tout ce week-end.{STOP_MENTION}")
        # And the text is in the customer's conversation, closed (a campaign fills no inbox), with the provider's id
        customer = world.by_phone(phone)
        (message,) = world.messages(customer)
        assert (message.campaign_id, message.provider_sid, message.status) == (three.id, text.sid, MessageStatus.QUEUED)
        assert text.status_callback is not None
        assert text.status_callback.startswith(STATUS_CALLBACK + "?")
        conversation = world.conversations.get(message.conversation_id)
        assert conversation is not None
        assert conversation.status == ConversationStatus.CLOSED
        # And the delivery record says sent, with the provider's id
        delivery = world.campaigns.delivery(customer.id, three.id)
        assert delivery is not None
        assert (delivery["state"], delivery["provider_id"], delivery["message_id"]) == ("sent", text.sid, message.id)
        message_ids.append(message.id)
    # And one MessageSent per text, for the campaign
    sent = world.transactions.published(MessageSent)
    assert [(e.message_id, e.campaign_id) for e in sent] == [(m, three.id) for m in message_ids]
    # And the campaign counted three texts of one segment, and is over (nothing refunded, nothing left)
    stats = world.campaigns.stats(three)
    assert (stats.sent, stats.segments, stats.processed, stats.skipped, stats.send_failed) == (3, 3, 3, 0, 0)
    assert world.status(three) == CampaignStatus.SENT
    assert (world.balance(), world.refunds()) == (7, [])


def test_a_message_delivered_twice_in_a_batch_or_again_after_success_is_sent_once(
    world: Campaigning, three: Campaign
) -> None:
    # Given the campaign's three messages
    bodies = [m.body for m in world.queue.take()]

    # When SQS delivers the first one twice in a batch, and the whole batch again later
    first = world.deliver([bodies[0], bodies[0], bodies[1], bodies[2]])
    world.clock.advance(timedelta(minutes=5))
    again = world.deliver(bodies)

    # Then both batches succeeded, and each customer got one text
    assert (first, again) == ([], [])
    assert sorted(text.to for text in world.sms.sent) == PHONES[:3]
    # And the campaign counted each once: 3 sent, 3 MessageSent, one message per conversation, nothing refunded
    stats = world.campaigns.stats(three)
    assert (stats.sent, stats.processed) == (3, 3)
    assert len(world.transactions.published(MessageSent)) == 3
    assert [len(world.messages(world.customers.require(c))) for c in world.audience] == [1, 1, 1]
    assert (world.status(three), world.balance(), world.refunds()) == (CampaignStatus.SENT, 7, [])


def test_a_recipient_another_invocation_is_sending_to_comes_back_later(world: Campaigning, three: Campaign) -> None:
    # Given another invocation of the sender claimed Zoë's send a moment ago, and holds its lease
    bodies = [m.body for m in world.queue.take()]
    zoe = _request(bodies[0])
    other = world.campaigns.claim_delivery_op(
        customer_id=zoe["customerId"], campaign_id=three.id, store_id=world.store.id, channel=Channel.SMS,
        credit_count=1, now=world.clock(), lease=timedelta(seconds=80),
    )  # fmt: skip
    run([other])

    # When SQS delivers her message to this invocation too
    failed = world.deliver(bodies)

    # Then it sends her nothing and reports her record failed, for SQS to bring back after its visibility timeout
    assert failed == [bodies[0]]
    assert world.sms.to(PHONES[0]) == []
    assert world.campaigns.stats(three).processed == 2


# ---------------------------------------------------------------------------------------------- changed since the start
def _opted_out(world: Campaigning, customer: Customer) -> None:
    """She told an associate she wants no more texts from the store."""
    decision = ConsentDecision(
        Channel.SMS, Purpose.MARKETING, world.store.id, Status.OPTED_OUT, Method.VERBAL, store_id=world.store.id
    )
    with world.transactions.start() as work:
        ConsentRecorder(world.customers).record(
            work, customer.id, [decision], now=world.clock(), previous=lambda _: Status.OPTED_IN, thread_stores=[]
        )


def _blocked(world: Campaigning, customer: Customer) -> None:
    """The store blocked her (the customer records' side of ConversationWork.set_blocked)."""
    run([world.customers.blocked_op(customer.id, world.store.id, blocked=True)])


def _capped(world: Campaigning, customer: Customer) -> None:
    """Another campaign reached her meanwhile: her second marketing message this week (the cap is 2 in 7 days)."""
    member = world.marketing.member(customer.id)
    assert member is not None
    now = world.clock()
    other = world.marketing.claim_send_op(
        customer.id, version=member.customer.version, marketing_version=member.marketing_version,
        sends={**member.marketing_sends, "another": now}, campaign_id="another", channel=Channel.EMAIL,
        store_id=world.store.id, now=now,
    )  # fmt: skip
    run([other])


@pytest.mark.parametrize(
    ("meanwhile", "reason"),
    [(_opted_out, "opted_out"), (_blocked, "blocked"), (_capped, "frequency_cap")],
    ids=["opted-out", "blocked", "frequency-cap"],
)
def test_a_customer_who_may_no_longer_be_texted_since_the_start_is_skipped_and_refunded(
    world: Campaigning, meanwhile: Callable[[Campaigning, Customer], None], reason: str
) -> None:
    # Given two recipients on the queue, one of whom had a campaign two days ago
    stays = world.customer("Hugo", phone=PHONES[0])
    leaves = world.customer("Zoë", phone=PHONES[1])
    two_days_ago = world.clock() - timedelta(days=2)
    earlier = world.marketing.claim_send_op(
        leaves.id, version=leaves.version, marketing_version=0, sends={"earlier": two_days_ago},
        campaign_id="earlier", channel=Channel.SMS, store_id=world.store.id, now=two_days_ago,
    )  # fmt: skip
    run([earlier])
    world.grant(5)
    campaign = world.start()
    balance = world.balance()
    bodies = [m.body for m in world.queue.take()]

    # When something changes for her before the sender gets to them
    world.clock.advance(timedelta(minutes=1))
    meanwhile(world, leaves)
    failed = world.deliver(bodies)

    # Then only the other one got the text
    assert failed == []
    assert [text.to for text in world.sms.sent] == [stays.phone_number]
    assert world.messages(leaves) == []
    # And she is counted as skipped, for that reason, and her credit came back (once)
    stats = world.campaigns.stats(campaign)
    assert (stats.sent, stats.skipped, stats.processed) == (1, 1, 2)
    delivery = world.campaigns.delivery(leaves.id, campaign.id)
    assert delivery is not None
    assert (delivery["state"], delivery["skip_reason"]) == ("skipped", reason)
    assert world.balance() == balance + 1
    assert [(r.delta, r.campaign_id, r.messages) for r in world.refunds()] == [(1, campaign.id, 1)]
    assert world.status(campaign) == CampaignStatus.SENT
    # And a redelivery of the batch changes nothing
    assert world.deliver(bodies) == []
    assert (len(world.sms.sent), world.balance(), world.campaigns.stats(campaign).processed) == (1, balance + 1, 2)


# ---------------------------------------------------------------------------------------------- quiet hours
def test_a_text_whose_quiet_hours_began_meanwhile_is_parked_until_the_morning(
    world: Campaigning, clock: ManualClock
) -> None:
    # Given recipients on the queue at 19:56 in Paris, one with a French mobile and one with a Californian one
    clock.now = datetime(2030, 3, 12, 18, 56, tzinfo=UTC)
    french = world.customer("Zoë", phone=PHONES[0])
    american = world.customer("Ann", phone=CALIFORNIA_MOBILE)
    world.grant(5)
    campaign = world.start()

    # When the sender only gets to them at 20:05 in Paris (12:05 in San Francisco)
    clock.now = datetime(2030, 3, 12, 19, 5, tzinfo=UTC)
    failed = world.drain()

    # Then the Californian text went, and the French one waits, parked, not claimed, not counted
    assert failed == []
    assert [text.to for text in world.sms.sent] == [american.phone_number]
    (chunk,) = world.campaigns.parked(campaign.id)
    assert [_request(m)["to"] for m in chunk["messages"]] == [french.phone_number]
    assert world.campaigns.delivery(french.id, campaign.id) is None
    assert world.campaigns.stats(campaign).processed == 1
    # And a one-time schedule resumes the campaign at 08:00 in Paris tomorrow (and a second later)
    eight_tomorrow = datetime(2030, 3, 13, 7, 0, 1, tzinfo=UTC)
    (schedule,) = world.schedules.pending.values()
    assert (schedule.at, schedule.time_zone) == (eight_tomorrow, "UTC")
    assert schedule.payload == {"campaignId": campaign.id, "resume": True}

    # When it fires then, and the start function puts the parked recipients on the queue (flow.Parking.release)
    clock.now = eight_tomorrow
    world.schedules.fire(schedule.name)
    Parking(world.campaigns, lambda: world.queue, lambda: world.schedules, world.transactions.start, clock).release(
        campaign.id
    )
    world.drain()

    # Then the French text goes, and the campaign is over
    assert [text.to for text in world.sms.sent] == [american.phone_number, french.phone_number]
    assert world.campaigns.parked(campaign.id) == []
    assert (world.campaigns.stats(campaign).sent, world.status(campaign)) == (2, CampaignStatus.SENT)


# ---------------------------------------------------------------------------------------------- provider errors
@pytest.mark.parametrize("status", [429, 503], ids=["too-many-requests", "unavailable"])
def test_a_provider_that_cannot_take_a_text_now_is_retried_then_the_failure_recorded_and_refunded(
    world: Campaigning, three: Campaign, status: int
) -> None:
    # Given Twilio cannot take texts to Zoë for now
    body_ = next(m.body for m in world.queue.take() if _request(m.body)["to"] == PHONES[0])
    zoe = world.customers.require(_request(body_)["customerId"])
    world.sms.refuse(ProviderUnavailable(f"Twilio answered HTTP {status}", status=status), times=3, to=PHONES[0])
    balance = world.balance()

    # When SQS delivers her message, and brings it back after each failure
    failed = world.deliver([body_], receive_count=1)

    # Then the record failed for SQS to retry: the claim is released, the text taken back, nothing counted
    assert failed == [body_]
    delivery = world.campaigns.delivery(zoe.id, three.id)
    assert delivery is not None
    assert delivery["state"] == "sending"
    assert delivery["lease_until"] < when(world.clock())
    assert world.messages(zoe) == []
    assert world.campaigns.stats(three).processed == 0

    world.clock.advance(timedelta(minutes=2))
    assert world.deliver([body_], receive_count=2) == [body_]
    world.clock.advance(timedelta(minutes=2))
    last = world.deliver([body_], receive_count=3)  # the queue's maxReceiveCount

    # Then the last attempt still fails the record (to the dead-letter queue), having recorded the failure once
    assert last == [body_]
    stats = world.campaigns.stats(three)
    assert (stats.sent, stats.send_failed, stats.processed) == (0, 1, 1)
    assert world.balance() == balance + 1
    assert [(m.status, m.campaign_id) for m in world.messages(zoe)] == [(MessageStatus.FAILED, three.id)]
    assert world.transactions.published(MessageSent) == []
    # And a redrive from the dead-letter queue, Twilio well again, sends nothing more
    assert world.deliver([body_]) == []
    assert (world.sms.sent, world.balance()) == ([], balance + 1)


def test_a_carrier_opt_out_is_final_at_once_and_recorded_as_the_customers_consent(
    world: Campaigning, three: Campaign
) -> None:
    # Given the carrier refuses texts to Zoë (she sent STOP to it: 21610) and Hugo's number is no mobile (21614)
    world.sms.refuse(RecipientOptedOut("Attempt to send to unsubscribed recipient", code=21610), to=PHONES[0])
    world.sms.refuse(InvalidRecipient("Not a mobile number", code=21614), to=PHONES[1])
    balance = world.balance()

    # When the sender gets the batch
    failed = world.drain()

    # Then nothing comes back: both refusals are final, counted as failed and refunded, and Léa got hers
    assert failed == []
    assert [text.to for text in world.sms.sent] == [PHONES[2]]
    stats = world.campaigns.stats(three)
    assert (stats.sent, stats.send_failed, stats.processed) == (1, 2, 3)
    assert world.balance() == balance + 2
    assert [(r.delta, r.messages) for r in world.refunds()] == [(2, 2)]
    # And the carrier's STOP is now Zoë's opt-out of the store's texts, with the carrier's report as proof
    zoe = world.by_phone(PHONES[0])
    (message,) = world.messages(zoe)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, 21610)
    for purpose in (Purpose.MARKETING, Purpose.CONVERSATIONAL):
        assert effective(zoe.consents, Channel.SMS, purpose, world.store.id) == Status.OPTED_OUT
    trail = world.customers.consent_events(zoe.id, limit=5, cursor=None).items
    assert {(e.method, e.note, e.message_id) for e in trail} == {(Method.CARRIER, CARRIER_NOTE, message.id)}
    assert {e.customer_id for e in world.transactions.published(ConsentChanged)} == {zoe.id}
    thread = world.conversations.thread(world.store.id, PHONES[0])
    assert thread is not None
    assert (thread.sms_marketing, thread.sms_conversational) == (Status.OPTED_OUT, Status.OPTED_OUT)
    # And Hugo's consent is as it was
    hugo = world.by_phone(PHONES[1])
    assert effective(hugo.consents, Channel.SMS, Purpose.MARKETING, world.store.id) == Status.OPTED_IN


# ---------------------------------------------------------------------------------------------- rate
def test_texts_leave_at_the_numbers_rate_one_segment_per_second(world: Campaigning) -> None:
    # Given five recipients of a one-segment text from the store's long code (1 segment per second)
    for n in range(5):
        world.customer(f"Client{n}", phone=PHONES[n])
    world.grant(10)
    world.start()

    # When one batch is sent
    world.drain()

    # Then the texts left one second apart, in the order of their slots: the sender waited for each
    assert [text.to for text in world.sms.sent] == PHONES[:5]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(_times(world))]
    assert gaps == pytest.approx([1.0] * 4, abs=1e-5)
    assert sum(world.slept) == pytest.approx(4.0, abs=1e-5)


def test_each_number_keeps_its_own_rate_and_one_numbers_wait_never_delays_another(world: Campaigning) -> None:
    # Given a campaign of every store, to two customers of Paris and two of Lyon (each number: 1 per second)
    lyon = world.add_store(dataclasses.replace(paris(world.clock()), id=new_id(), phone_number=LYON_NUMBER))
    for n in range(2):
        world.customer(f"Paris{n}", phone=PHONES[n])
    for n in range(2, 4):
        world.customer(f"Lyon{n}", phone=PHONES[n], store=lyon)
    world.grant(10)
    world.start(all_stores=True)
    start = world.clock()

    # When the batch (Paris, Paris, Lyon, Lyon) is sent
    world.drain()

    # Then each number sent its first text at once and its second a second later: Lyon did not wait behind Paris
    offsets = {text.to: (text.at - start).total_seconds() for text in world.sms.sent if text.at}
    assert offsets == pytest.approx({PHONES[0]: 0.0, PHONES[2]: 0.0, PHONES[1]: 1.0, PHONES[3]: 1.0}, abs=1e-5)
    assert {text.to: text.from_ for text in world.sms.sent} == {
        PHONES[0]: PARIS_NUMBER, PHONES[1]: PARIS_NUMBER, PHONES[2]: LYON_NUMBER, PHONES[3]: LYON_NUMBER,
    }  # fmt: skip
    assert sum(world.slept) == pytest.approx(1.0, abs=1e-5)


def test_messages_beyond_the_pacing_horizon_go_back_to_the_queue_with_a_delay(world: Campaigning) -> None:
    # Given a sender that paces at most 2 seconds ahead, and five one-segment texts at 1 per second
    world.rates = dataclasses.replace(RATES, pace_seconds=2.0)
    for n in range(5):
        world.customer(f"Client{n}", phone=PHONES[n])
    world.grant(10)
    campaign = world.start()

    # When the batch is sent
    assert world.drain() == []

    # Then three went (now, +1 s, +2 s) and two are back on the queue, delayed, as new messages, not yet claimed
    assert [text.to for text in world.sms.sent] == PHONES[:3]
    back = world.queue.take()
    assert [_request(m.body)["to"] for m in back] == PHONES[3:5]
    assert all(m.delay_seconds >= 1 for m in back)
    assert world.campaigns.stats(campaign).processed == 3

    # When they come back, the rest goes
    world.clock.advance(timedelta(seconds=max(m.delay_seconds for m in back)))
    world.deliver([m.body for m in back])
    assert [text.to for text in world.sms.sent] == PHONES[:5]
    assert world.status(campaign) == CampaignStatus.SENT


# ---------------------------------------------------------------------------------------------- email
def test_email_campaigns_carry_the_one_click_unsubscribe_and_a_retryable_error_is_retried(
    world: Campaigning,
) -> None:
    # Given two customers opted in to the business's emails, and SES throttling emails to one of them
    ok = world.customer("Zoë", email="ok@example.com", mail=Status.OPTED_IN)
    flaky = world.customer("Hugo", email="flaky@example.com", mail=Status.OPTED_IN)
    world.grant(5, CreditKind.EMAIL)
    campaign = world.start(Channel.EMAIL)
    world.email.refuse(EmailUnavailable("Throttling"), to="flaky@example.com")
    bodies = [m.body for m in world.queue.take()]

    # When the sender gets the batch
    failed = world.deliver(bodies)

    # Then the throttled one comes back, and the other got the email, with a one-click unsubscribe link of hers
    assert [_request(b)["to"] for b in failed] == ["flaky@example.com"]
    (email,) = world.email.sent
    assert (email.to, email.subject) == ("ok@example.com", "Soldes")
    assert email.unsubscribe_url is not None
    assert email.unsubscribe_url.startswith("https://shop.example/email/unsubscribe/")
    assert email.unsubscribe_url in email.text
    assert world.links.verify(email.unsubscribe_url.rsplit("/", 1)[1]).customer_id == ok.id
    # And no text, conversation or MessageSent: emails are not messaging's
    assert (world.sms.sent, world.transactions.published(MessageSent)) == ([], [])

    # When SQS brings the throttled one back and SES takes it
    world.clock.advance(timedelta(minutes=2))
    assert world.deliver(failed, receive_count=2) == []

    # Then both got one email, the campaign counted two and is over, and no credit was refunded
    assert sorted(e.to for e in world.email.sent) == ["flaky@example.com", "ok@example.com"]
    (retried,) = world.email.to("flaky@example.com")
    assert retried.unsubscribe_url is not None
    assert world.links.verify(retried.unsubscribe_url.rsplit("/", 1)[1]).customer_id == flaky.id
    stats = world.campaigns.stats(campaign)
    assert (stats.sent, stats.processed, world.status(campaign)) == (2, 2, CampaignStatus.SENT)
    assert (world.balance(CreditKind.EMAIL), world.refunds(CreditKind.EMAIL)) == (3, [])


# ---------------------------------------------------------------------------------------------- not a send request
def test_a_message_that_is_not_a_send_request_fails_alone(world: Campaigning, three: Campaign) -> None:
    # Given the campaign's messages and something else on the queue
    bodies = [m.body for m in world.queue.take()]

    # When they arrive in one batch
    failed = world.deliver([*bodies, '{"hello": "world"}'])

    # Then only the stranger fails (to the dead-letter queue in the end), and the recipients got their texts
    assert failed == ['{"hello": "world"}']
    assert sorted(text.to for text in world.sms.sent) == PHONES[:3]
    assert world.status(three) == CampaignStatus.SENT
