"""Messaging credits on DynamoDB Local: a campaign that needs more than the balance is not scheduled (the shortfall
is said), concurrent schedules never take the balance below zero, cancelling gives the credits back, and a start
whose audience grew tops its reservation up or leaves customers out."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from clienteling.campaigns.domain.campaigns import CampaignStatus
from clienteling.campaigns.domain.credits import CreditKind, EntryReason
from clienteling.campaigns.repositories import credits as ledger
from clienteling.campaigns.services.campaigns import InsufficientCredits
from clienteling.campaigns.services.start import StartRequest
from clienteling.kernel import transactions
from clienteling.kernel.errors import Conflict

from tests.conftest import random_fr_mobile
from tests.integration.campaign_world import ADMIN, World


def test_a_shortfall_is_a_409_with_how_many_credits_are_missing(campaign_world: World) -> None:
    # Given three opted-in customers of a two-segment text and one credit left
    world = campaign_world
    store = world.store()
    for _ in range(3):
        world.customer(store, phone=random_fr_mobile())
    world.grant(1)
    spend = ledger.entry(CreditKind.SMS, -(world.balance() - 1), EntryReason.RESERVE, at=world.clock.now())
    transactions.transact(world.table, world.credits_repo.change_ops(spend))
    before = world.balance()
    assert before == 1
    campaign = world.campaign(store, content={"fr": "X" * 150})  # + "\nSTOP au ..." makes it two segments

    # When a manager schedules it
    with pytest.raises(InsufficientCredits) as refused:
        world.campaign_service().schedule(ADMIN, campaign.id)

    # Then it says what is needed, what is left and the shortfall; nothing was taken, nothing stays scheduled
    detail = refused.value.details[0]
    assert detail["needed"] == 6
    assert detail["shortfall"] == 6 - detail["balance"]
    assert world.balance() == before
    assert world.schedules.created == {}
    again, _ = world.campaign_service().get(ADMIN, campaign.id)
    assert again.status == CampaignStatus.DRAFT


def test_concurrent_schedules_never_take_the_balance_below_zero(campaign_world: World) -> None:
    # Given a balance and eight campaigns competing for it, each needing 2 credits (1 per customer)
    world = campaign_world
    store = world.store()
    for _ in range(2):
        world.customer(store, phone=random_fr_mobile())
    spare = world.balance()
    world.grant(7 - spare if spare < 7 else 1)
    balance = world.balance()
    campaigns = [world.campaign(store) for _ in range(8)]
    outcomes: list[str] = []
    lock = threading.Lock()

    def schedule(campaign_id: str) -> None:
        try:
            world.campaign_service().schedule(ADMIN, campaign_id)
            result = "scheduled"
        except InsufficientCredits:
            result = "short"
        except Conflict:
            result = "conflict"  # a transaction lost the race: the caller may retry
        with lock:
            outcomes.append(result)

    # When they are all scheduled at once
    threads = [threading.Thread(target=schedule, args=(c.id,)) for c in campaigns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then as many as the balance pays for went through, and it never went below zero
    scheduled = outcomes.count("scheduled")
    assert scheduled == min(8, balance // 2) or (scheduled < balance // 2 and "conflict" in outcomes)
    assert world.balance() == balance - 2 * scheduled >= 0


def test_cancelling_before_the_start_gives_the_credits_back_and_the_start_does_nothing(campaign_world: World) -> None:
    world = campaign_world
    store = world.store()
    world.customer(store, phone=random_fr_mobile())
    world.grant(3)
    balance = world.balance()
    campaign = world.campaign(store)
    scheduled = world.campaign_service().schedule(ADMIN, campaign.id)
    assert world.balance() == balance - 1

    cancelled = world.campaign_service().cancel(ADMIN, campaign.id)

    assert cancelled.status == CampaignStatus.CANCELLED
    assert world.balance() == balance
    assert world.schedules.deleted == list(scheduled.schedule_names)
    # A schedule that fired anyway (deleted too late) finds a cancelled campaign
    result = world.starter().run(StartRequest(campaign.id, "*"), remaining_ms=lambda: 600_000)
    assert result.outcome == "ignored"
    assert world.queue.sent == []
    # And a campaign that started cannot be cancelled any more
    other = world.campaign(store)
    world.start(other)
    with pytest.raises(Conflict):
        world.campaign_service().cancel(ADMIN, other.id)


def test_a_start_tops_up_from_the_balance_then_leaves_out_whom_nobody_pays_for(campaign_world: World) -> None:
    # Given a campaign scheduled for two customers (2 credits reserved), the balance then emptied but for 1
    world = campaign_world
    store = world.store()
    for _ in range(2):
        world.customer(store, phone=random_fr_mobile())
    world.grant(10)
    campaign = world.campaign(store)
    world.campaign_service().schedule(ADMIN, campaign.id)
    left = world.balance()
    drain = ledger.entry(CreditKind.SMS, -(left - 1), EntryReason.RESERVE, at=world.clock.now(), note="elsewhere")
    transactions.transact(world.table, world.credits_repo.change_ops(drain))
    # And two more customers opted in before it starts
    for _ in range(2):
        world.customer(store, phone=random_fr_mobile())

    # When it starts
    world.clock.elapse(timedelta(minutes=2))
    world.starter().run(StartRequest(campaign.id, "*"), remaining_ms=lambda: 600_000)

    # Then the reservation paid for two, the balance for one more, and the fourth was left out for credits
    refreshed, _ = world.campaign_service().get(ADMIN, campaign.id)
    assert refreshed.recipients == 3
    assert refreshed.excluded == {"no_credits": 1}
    assert refreshed.credits_reserved == 3
    assert world.balance() == 0
    assert len(world.queue.sent) == 3
