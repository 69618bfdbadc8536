"""Audiences on DynamoDB Local: the preview's counts (filters, exclusions by reason, quiet hours, credits), the
index the resolution starts from and what it reads, blocking and the frequency cap across campaigns."""

from __future__ import annotations

from datetime import timedelta

from clienteling.campaigns.contracts.campaigns import CampaignUpdate
from clienteling.campaigns.services.tracking import CampaignEvents
from clienteling.commerce.events import OrderPaid
from clienteling.kernel.events import PurchasedLine
from clienteling.messaging import wiring as messaging_wiring
from clienteling.messaging.domain.conversations import conversation_id

from tests.conftest import random_fr_mobile, random_us_number
from tests.integration.campaign_world import ADMIN, World, paris


def test_the_preview_counts_recipients_exclusions_quiet_hours_segments_and_credits(campaign_world: World) -> None:
    # Given a Paris store's customers in every situation, at 19:30 Paris on a Tuesday
    world = campaign_world
    world.clock.set(paris(19, 30))
    store = world.store()
    world.customer(store, phone=random_fr_mobile(), tags=["vip"], first_name="Lina")  # French number: closes at 20:00
    world.customer(store, phone=random_us_number(), tags=["vip"], first_name="Mia")  # a New York number: 13:30 there
    world.customer(store, phone=random_fr_mobile(), sms=None, tags=["vip"])  # never asked
    world.customer(store, phone=random_fr_mobile(), sms="opted_out", tags=["vip"])
    world.customer(store, email="no-phone@example.com", tags=["vip"])
    world.customer(store, phone=random_fr_mobile(), tags=["other"])  # not in the audience
    campaign = world.campaign(
        store, audience={"tags": ["vip"]}, content={"fr": "Bonjour {customer.first_name} " + "é" * 130}
    )

    # When a manager previews it to go at 20:30 Paris, and to go now
    late = world.campaign_service().update(
        ADMIN, campaign.id, _update(send_at="2030-03-12T20:30:00"), expected_version=campaign.version
    )
    preview = world.campaign_service().preview(ADMIN, late.id)

    # Then two recipients, each exclusion by reason, the French one waiting for the morning
    assert preview.recipients == 2
    assert dict(preview.excluded) == {"no_consent": 1, "opted_out": 1, "no_phone": 1}
    assert preview.deferred == 1
    # And GSM-7 (é is in the GSM alphabet) with the mention: 2 segments each, 4 credits
    assert dict(preview.encodings) == {"GSM-7": 2}
    assert (preview.min_segments, preview.max_segments, preview.credits_needed) == (2, 2, 4)
    assert preview.mention is not None
    assert preview.mention.startswith("STOP au 0")
    assert preview.sample is not None
    assert preview.sample.text.endswith(preview.mention)
    now = world.campaign_service().update(ADMIN, campaign.id, _update(send_at=None), expected_version=late.version)
    assert world.campaign_service().preview(ADMIN, now.id).deferred == 0


def test_the_resolution_starts_from_the_cheaper_index_and_reads_about_one_item_per_recipient(
    campaign_world: World,
) -> None:
    # Given a store of 30 customers of whom 2 carry a rare tag
    world = campaign_world
    store = world.store()
    for index in range(30):
        world.customer(store, phone=random_fr_mobile(), tags=["rare"] if index < 2 else [])
    everyone = world.campaign(store)
    rare = world.campaign(store, audience={"tags": ["rare"]})

    # When both are previewed
    all_preview = world.campaign_service().preview(ADMIN, everyone.id)
    rare_preview = world.campaign_service().preview(ADMIN, rare.id)

    # Then everyone is read from the store's index, one item per customer; the rare tag from the tag index
    assert (all_preview.source, all_preview.recipients, all_preview.items_read) == ("store", 30, 30)
    assert (rare_preview.source, rare_preview.recipients, rare_preview.items_read) == ("tag", 2, 4)


def test_purchased_and_inactive_filters(campaign_world: World) -> None:
    world = campaign_world
    store = world.store()
    buyer = world.customer(store, phone=random_fr_mobile())
    world.customer(store, phone=random_fr_mobile())
    events = CampaignEvents(world.campaigns_repo, world.marketing, world.work)
    order = OrderPaid(
        order_id="O",
        cart_id="K",
        customer_id=buyer.id,
        store_id=store.id,
        total_minor=1,
        currency="EUR",
        lines=[PurchasedLine(sku="BAG-1", category_id="bags", quantity=1, total_minor=1)],
        psp_reference="P",
        occurred_at=world.clock.now() - timedelta(days=200),
    )
    events.handle("OrderPaid", order.model_dump(mode="json", by_alias=True))

    bags = world.campaign(store, audience={"purchasedCategories": ["bags"]})
    recent_bags = world.campaign(store, audience={"purchasedCategories": ["bags"], "purchasedWithinMonths": 3})
    lapsed = world.campaign(store, audience={"purchasedSkus": ["BAG-1"], "inactiveMonths": 6})

    assert world.campaign_service().preview(ADMIN, bags.id).recipients == 1
    assert world.campaign_service().preview(ADMIN, bags.id).source == "purchase"
    assert world.campaign_service().preview(ADMIN, recent_bags.id).recipients == 0
    assert world.campaign_service().preview(ADMIN, lapsed.id).recipients == 1


def test_blocked_and_capped_customers_are_left_out_of_the_next_campaigns(campaign_world: World) -> None:
    # Given two customers who got two campaigns this week (the cap is 2 per 7 days)
    world = campaign_world
    store = world.store()
    blocked = world.customer(store, phone=random_fr_mobile())
    capped = world.customer(store, phone=random_fr_mobile())
    world.grant(10)
    for _ in range(2):
        world.start(world.campaign(store))
        world.send()
        world.clock.elapse(timedelta(days=1))
    # And the store blocks one of them in the conversation the campaign made
    conversation = conversation_id(store.id, blocked.id)
    messaging_wiring.conversation_work().set_blocked(ADMIN, conversation, blocked=True)

    # When a third campaign is previewed: both are out, for their own reasons
    third = world.campaign(store)
    preview = world.campaign_service().preview(ADMIN, third.id)
    assert preview.recipients == 0
    assert dict(preview.excluded) == {"blocked": 1, "frequency_cap": 1}

    # And once the first campaign is a week old, the capped one can be reached again
    world.clock.elapse(timedelta(days=5, minutes=1))
    again = world.campaign_service().preview(ADMIN, third.id)
    assert (again.recipients, dict(again.excluded)) == (1, {"blocked": 1})
    del capped


def _update(**fields: object) -> CampaignUpdate:
    return CampaignUpdate.model_validate(fields)
