"""Campaign statistics from the bus's events, on DynamoDB Local: counted once however often an event comes, only
within 7 days of the campaign, and purchases feed the purchase index and the profile for later audiences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from clienteling.campaigns.domain.campaigns import Campaign
from clienteling.campaigns.services.tracking import CampaignEvents
from clienteling.commerce.events import OrderPaid
from clienteling.directory.domain.customers import Customer
from clienteling.directory.events import ConsentChanged
from clienteling.kernel.events import PurchasedLine
from clienteling.loyalty.events import PurchaseRecorded
from clienteling.messaging.events import MessageReceived, MessageStatusChanged

from tests.conftest import random_fr_mobile
from tests.integration.campaign_world import ADMIN, World


def _sent_campaign(world: World) -> tuple[Campaign, Customer, str]:
    store = world.store()
    customer = world.customer(store, phone=random_fr_mobile())
    world.grant(2)
    campaign = world.campaign(store)
    world.start(campaign)
    world.send()
    return campaign, customer, store.id


def _detail(event: Any) -> dict[str, Any]:
    return dict(event.model_dump(mode="json", by_alias=True))


def test_delivery_replies_opt_outs_and_orders_are_counted_once(campaign_world: World) -> None:
    world = campaign_world
    campaign, customer, store_id = _sent_campaign(world)
    events = CampaignEvents(world.campaigns_repo, world.marketing, world.work)
    now = world.clock.now()
    delivered = MessageStatusChanged(
        conversation_id="c",
        message_id="m",
        status="delivered",
        campaign_id=campaign.id,
        customer_id=customer.id,
        occurred_at=now,
    )
    reply = MessageReceived(
        conversation_id="c",
        store_id=store_id,
        customer_id=customer.id,
        message_id="r1",
        provider_sid="SM1",
        occurred_at=now + timedelta(hours=1),
    )
    stop = MessageReceived(
        conversation_id="c",
        store_id=store_id,
        customer_id=customer.id,
        message_id="r2",
        provider_sid="SM2",
        keyword="opt_out",
        occurred_at=now + timedelta(hours=2),
    )
    opt_outs = [
        ConsentChanged(
            customer_id=customer.id,
            consent_event_id=f"e{purpose}",
            channel="sms",
            purpose=purpose,
            store_id=store_id,
            previous="opted_in",
            status="opted_out",
            method="sms_keyword",
            occurred_at=now + timedelta(hours=2),
        )
        for purpose in ("conversational", "marketing")
    ]
    order = OrderPaid(
        order_id="O1",
        cart_id="K1",
        customer_id=customer.id,
        store_id=store_id,
        total_minor=12900,
        currency="EUR",
        lines=[PurchasedLine(sku="SKU-1", category_id="dresses", quantity=1, total_minor=12900)],
        psp_reference="P1",
        occurred_at=now + timedelta(days=3),
    )

    # When each event arrives twice (EventBridge delivers at least once)
    for detail_type, event in [
        ("MessageStatusChanged", delivered),
        ("MessageReceived", reply),
        ("MessageReceived", stop),
        *[("ConsentChanged", e) for e in opt_outs],
        ("OrderPaid", order),
    ]:
        events.handle(detail_type, _detail(event))
        events.handle(detail_type, _detail(event))

    # Then each counted once: STOP is an opt-out, not a reply; the conversational opt-out is not a marketing one
    _, stats = world.campaign_service().get(ADMIN, campaign.id)
    assert (stats.sent, stats.delivered, stats.replies, stats.opted_out, stats.orders) == (1, 1, 1, 1, 1)
    assert dict(stats.revenue) == {"EUR": 12900}


def test_what_happens_after_seven_days_is_not_the_campaigns(campaign_world: World) -> None:
    world = campaign_world
    campaign, customer, store_id = _sent_campaign(world)
    events = CampaignEvents(world.campaigns_repo, world.marketing, world.work)
    late = world.clock.now() + timedelta(days=7, minutes=1)
    outcome = events.handle(
        "OrderPaid",
        _detail(
            OrderPaid(
                order_id="O2",
                cart_id="K2",
                customer_id=customer.id,
                store_id=store_id,
                total_minor=100,
                currency="EUR",
                lines=[],
                psp_reference="P2",
                occurred_at=late,
            )
        ),
    )
    assert outcome == "no recent campaign"
    _, stats = world.campaign_service().get(ADMIN, campaign.id)
    assert stats.orders == 0


def test_purchases_feed_the_purchase_index_and_the_last_visit(campaign_world: World) -> None:
    # Given a till purchase of a SKU in a category
    world = campaign_world
    store = world.store()
    customer = world.customer(store, phone=random_fr_mobile())
    events = CampaignEvents(world.campaigns_repo, world.marketing, world.work)
    at = world.clock.now()
    purchase = PurchaseRecorded(
        purchase_id="T1",
        customer_id=customer.id,
        store_id=store.id,
        associate_id="a",
        total_minor=5000,
        currency="EUR",
        lines=[PurchasedLine(sku="SKU-9", category_id="scarves", quantity=1, total_minor=5000)],
        occurred_at=at,
    )

    # When it arrives, and an older one after it
    events.handle("PurchaseRecorded", _detail(purchase))
    older = purchase.model_copy(update={"purchase_id": "T0", "occurred_at": at - timedelta(days=30)})
    events.handle("PurchaseRecorded", _detail(older))

    # Then the index knows who bought the SKU and in the category, and the profile keeps the latest dates
    assert [c for c, _ in world.marketing.purchasers("SKU", "SKU-9", since=None)] == [customer.id]
    assert [c for c, _ in world.marketing.purchasers("CAT", "scarves", since=at)] == [customer.id]
    member = world.marketing.member(customer.id)
    assert member is not None
    assert (member.last_purchase_at, member.last_visit_at) == (at, at)
