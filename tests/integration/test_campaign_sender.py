"""The campaign sender on DynamoDB Local with stub providers: once per (campaign, customer), retries then the
dead-letter queue, skips when consent changed, quiet hours at send time, and the rate held across invocations."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import timedelta

from clienteling import resources
from clienteling.campaigns.domain import rate
from clienteling.campaigns.domain.campaigns import Campaign
from clienteling.campaigns.domain.credits import CreditKind
from clienteling.campaigns.repositories.rate_limiter import RateLimiter
from clienteling.campaigns.services.start import StartRequest
from clienteling.directory import wiring as directory_wiring
from clienteling.directory.domain.consent import Channel, Purpose, Status, effective
from clienteling.directory.domain.customers import CustomerSummary
from clienteling.kernel.providers import EmailUnavailable, InvalidRecipient, ProviderUnavailable, RecipientOptedOut
from clienteling.messaging.domain.conversations import MessageStatus, conversation_id

from tests.conftest import random_fr_mobile, random_us_number
from tests.integration.campaign_world import ADMIN, World, paris


def _three_recipients(world: World) -> tuple[Campaign, list[str]]:
    store = world.store()
    phones = [random_fr_mobile() for _ in range(3)]
    for phone in phones:
        world.customer(store, phone=phone)
    world.grant(10)
    campaign = world.campaign(store)
    world.start(campaign)
    return campaign, phones


def test_a_message_delivered_twice_is_sent_once(campaign_world: World) -> None:
    # Given a campaign's three recipients on the queue
    world = campaign_world
    campaign, phones = _three_recipients(world)
    bodies = [m.body for m in world.queue.take()]
    assert len(bodies) == 3

    # When SQS delivers the first one twice in a batch, and the whole batch again later
    first = world.send([bodies[0], bodies[0], bodies[1], bodies[2]])
    again = world.send(bodies)

    # Then each customer got one text, both batches succeeded, and the counters say 3 sent
    assert first == {"batchItemFailures": []}
    assert again == {"batchItemFailures": []}
    assert sorted(to for _, _, to, _ in world.sms.sent) == sorted(phones)
    campaign_now, stats = world.campaign_service().get(ADMIN, campaign.id)
    assert (stats.sent, stats.processed, campaign_now.status.value) == (3, 3, "sent")


def test_a_provider_error_is_retried_then_recorded_and_refunded_on_the_last_attempt(campaign_world: World) -> None:
    # Given a recipient whose number the provider cannot take for now
    world = campaign_world
    campaign, phones = _three_recipients(world)
    body = next(m.body for m in world.queue.take() if json.loads(m.body)["to"] == phones[0])
    world.sms.failures[phones[0]] = ProviderUnavailable("Twilio is unavailable (HTTP 503).", status=503)
    balance = world.balance()

    # When SQS delivers it three times (the queue's maxReceiveCount)
    results = [world.send([body], receive_count=attempt) for attempt in (1, 2, 3)]

    # Then every attempt reports the record failed (SQS retries it, then dead-letters it)
    assert all(len(r["batchItemFailures"]) == 1 for r in results)
    # And only the last attempt recorded the failure: counted once, its credit refunded, the chat shows it failed
    _, stats = world.campaign_service().get(ADMIN, campaign.id)
    assert (stats.sent, stats.send_failed) == (0, 1)
    assert world.balance() == balance + 1
    customer_id = json.loads(body)["customerId"]
    messages = world.conversations.messages(
        conversation_id(json.loads(body)["storeId"], customer_id), limit=10, cursor=None
    ).items
    assert [(m.status, m.campaign_id) for m in messages] == [(MessageStatus.FAILED, campaign.id)]
    # And a redrive from the dead-letter queue sends nothing more
    world.sms.failures.clear()
    world.send([body])
    assert world.sms.sent == []


def test_a_refusal_is_final_at_once_and_a_carrier_opt_out_is_recorded_as_consent(campaign_world: World) -> None:
    world = campaign_world
    campaign, phones = _three_recipients(world)
    world.sms.failures[phones[0]] = RecipientOptedOut("STOP at the carrier", code=21610)
    world.sms.failures[phones[1]] = InvalidRecipient("not a mobile", code=21614)

    result = world.send()

    assert result == {"batchItemFailures": []}
    _, stats = world.campaign_service().get(ADMIN, campaign.id)
    assert (stats.sent, stats.send_failed) == (1, 2)
    # And the carrier's STOP became the customer's consent at the store, with proof
    [found] = directory_wiring.customer_service().find(ADMIN, phone=phones[0], limit=1, cursor=None).items
    assert isinstance(found, CustomerSummary)  # an admin sees every customer in full
    customer_id = found.id
    customer = world.customers.require(customer_id)
    assert effective(customer.consents, Channel.SMS, Purpose.MARKETING, customer.home_store_id) == Status.OPTED_OUT
    trail = world.customers.consent_events(customer_id, limit=5, cursor=None).items
    assert trail[0].method.value == "carrier"


def test_a_customer_who_opted_out_since_the_start_is_skipped_and_refunded(campaign_world: World) -> None:
    # Given recipients on the queue, one of whom then opts out in store
    world = campaign_world
    store = world.store()
    stays = world.customer(store, phone=random_fr_mobile())
    leaves = world.customer(store, phone=random_fr_mobile())
    world.grant(5)
    campaign = world.campaign(store)
    world.start(campaign)
    balance = world.balance()
    world.consent(leaves, "sms", "opted_out", store_id=store.id)

    # When the sender gets to them
    world.send()

    # Then only the other one got it; the skipped one is counted and their credit came back
    assert [to for _, _, to, _ in world.sms.sent] == [stays.phone_number]
    _, stats = world.campaign_service().get(ADMIN, campaign.id)
    assert (stats.sent, stats.skipped, stats.processed) == (1, 1, 2)
    assert world.balance() == balance + 1


def test_texts_go_out_at_the_numbers_rate_one_segment_per_second(campaign_world: World) -> None:
    # Given five recipients of a one-segment text from a long code (1 segment per second)
    world = campaign_world
    store = world.store()
    for _ in range(5):
        world.customer(store, phone=random_fr_mobile())
    world.grant(10)
    campaign = world.campaign(store)
    world.start(campaign)

    # When one batch is sent
    world.send()

    # Then the texts left one second apart: the sender waited for each slot
    times = [at for at, _, _, _ in world.sms.sent]
    assert len(times) == 5
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(abs(gap - 1.0) < 0.01 for gap in gaps), gaps
    assert sum(world.slept) >= 3.99


def test_messages_beyond_the_pacing_horizon_go_back_to_the_queue_with_a_delay(campaign_world: World) -> None:
    # Given a sender that paces at most 2 seconds ahead, and five one-segment texts at 1 per second
    world = World(paris(10), pace_seconds=2.0)
    world.clock = campaign_world.clock
    store = world.store()
    for _ in range(5):
        world.customer(store, phone=random_fr_mobile())
    world.grant(10)
    world.start(world.campaign(store))
    bodies = [m.body for m in world.queue.take()]

    # When the batch is sent
    world.send(bodies)

    # Then three went (now, +1 s, +2 s) and two are back on the queue, delayed, as new messages
    assert len(world.sms.sent) == 3
    back = world.queue.take()
    assert len(back) == 2
    assert all(m.delay_seconds >= 1 for m in back)


def test_two_concurrent_senders_never_share_a_slot_of_a_number(campaign_world: World) -> None:
    # Given one sender number and two invocations reserving slots for it at the same time, with their own limiters
    sender = "+33100000000" + str(threading.get_ident())[-3:]
    now = int(campaign_world.clock.now().timestamp() * rate.MICROS)
    slots: list[int] = []
    lock = threading.Lock()

    def invocation() -> None:
        limiter = RateLimiter(resources.table())
        for _ in range(10):
            # Contended beyond its attempts, a reservation takes nothing and the sender tries again later (its
            # messages go back on the queue): do the same here.
            planned = rate.RatePlan(slots=(), tat=now, next_free=now)
            while not planned.count:
                planned = limiter.reserve(sender, [1, 2, 1], now=now, rate_per_second=4.0, horizon=3600 * rate.MICROS)
            with lock:
                slots.extend(planned.slots)

    # When both run
    threads = [threading.Thread(target=invocation) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every slot is distinct, and consecutive slots are at least one unit (a quarter second) apart
    assert len(slots) == len(set(slots)) == 60
    ordered = sorted(slots)
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= rate.unit_micros(4.0)


def test_a_text_whose_quiet_hours_began_meanwhile_waits_for_the_morning(campaign_world: World) -> None:
    # Given recipients on the queue at 19:59 Paris, one with a French number and one with a New York number
    world = campaign_world
    store = world.store()
    french = world.customer(store, phone=random_fr_mobile())
    american = world.customer(store, phone=random_us_number())
    world.grant(5)
    world.clock.set(paris(19, 56))
    world.start(world.campaign(store))
    bodies = [m.body for m in world.queue.take()]
    assert len(bodies) == 2

    # When the sender only gets to them at 20:05 Paris (14:05 in New York)
    world.clock.set(paris(20, 5))
    world.send(bodies)

    # Then the New York text went, and the French one is parked for 08:00 Paris tomorrow with a schedule
    assert [to for _, _, to, _ in world.sms.sent] == [american.phone_number]
    resume = [p for name, (at, _, p) in world.schedules.created.items() if "-resume-" in name]
    assert len(resume) == 1
    (at_local, zone, _) = next(v for n, v in world.schedules.created.items() if "-resume-" in n)
    assert zone == "UTC"
    assert at_local == (paris(8, day=13)).replace(tzinfo=None) + timedelta(seconds=1)

    # When the schedule fires at that time, the parked text goes
    world.clock.set(paris(8, day=13) + timedelta(seconds=1))
    world.starter().run(StartRequest(campaign_id=resume[0]["campaignId"], resume=True), remaining_ms=lambda: 600_000)
    world.send()
    assert [to for _, _, to, _ in world.sms.sent] == [american.phone_number, french.phone_number]


def test_email_campaigns_carry_the_one_click_unsubscribe_and_a_retryable_error_is_retried(
    campaign_world: World,
) -> None:
    world = campaign_world
    store = world.store()
    ok = world.customer(store, email="ok@example.com", mail="opted_in")
    flaky = world.customer(store, email="flaky@example.com", mail="opted_in")
    world.grant(5, CreditKind.EMAIL)
    campaign = world.campaign(
        store, channel="email", content={"fr": "Bonjour {customer.first_name}"}, subject={"fr": "Soldes"}
    )
    world.start(campaign)
    world.email.failures["flaky@example.com"] = EmailUnavailable("Throttling")

    result = world.send()

    assert len(result["batchItemFailures"]) == 1
    (email,) = world.email.sent
    assert (email.to, email.subject) == ("ok@example.com", "Soldes")
    assert email.unsubscribe_url is not None
    assert email.unsubscribe_url.startswith("https://shop.example/email/unsubscribe/")
    assert email.unsubscribe_url in email.text
    assert world.links.verify(email.unsubscribe_url.rsplit("/", 1)[1]).customer_id == ok.id
    del flaky
