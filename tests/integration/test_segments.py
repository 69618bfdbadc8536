"""Segmentation tags on DynamoDB Local: the membership index and the counters are written in the transactions
that change tags (bulk, or the customer API), bulk changes are idempotent and report unknown customers, and two
bulk changes racing on the same customers both land."""

from __future__ import annotations

import threading

from clienteling.campaigns import wiring as campaigns_wiring
from clienteling.campaigns.contracts.outreach import SegmentChange, TagAction
from clienteling.campaigns.domain.outreach import Reach
from clienteling.directory import wiring as directory_wiring
from clienteling.directory.contracts.customers import CustomerUpdate
from clienteling.kernel import keys
from clienteling.kernel.access import Caller, Role

from tests.conftest import random_fr_mobile
from tests.integration.campaign_world import ADMIN, World


def _index(world: World, tag: str, store_id: str) -> list[str]:
    """The tag index as campaigns read it (GSI2)."""
    ids: list[str] = []
    cursor = None
    while True:
        page = world.marketing.tagged_ids(tag, store_id, cursor=cursor)
        ids += [cid for cid, _ in page.items]
        if page.cursor is None:
            return ids
        cursor = page.cursor


def _count(world: World, tag: str, store_id: str) -> int:
    return sum(n for t, s, n in world.marketing.tag_counts() if t == tag and s == store_id)


def test_bulk_tagging_by_id_and_number_is_idempotent_and_reports_the_unknown(campaign_world: World) -> None:
    # Given three customers of a store and a manager of it
    world = campaign_world
    store = world.store()
    people = [world.customer(store, phone=random_fr_mobile()) for _ in range(3)]
    manager = Caller("m", frozenset({Role.MANAGER}), frozenset({store.id}))
    outreach = campaigns_wiring.outreach_service()
    tag = f"vip-{store.id[-6:].lower()}"

    # When they are tagged by id and by customer number, with unknown ones among them, twice
    change = SegmentChange(
        action=TagAction.ADD,
        customer_ids=[people[0].id, people[1].id, "01UNKNOWN"],
        customer_numbers=[people[2].customer_number, "1234567890"],
    )
    first = outreach.change_segment(manager, tag, change)
    second = outreach.change_segment(manager, tag, change)

    # Then the first changed three and reported the unknown; the second changed nothing
    assert (first.changed, first.unchanged) == (3, 0)
    assert (first.unknown_ids, first.unknown_numbers) == (["01UNKNOWN"], ["1234567890"])
    assert (second.changed, second.unchanged) == (0, 3)
    # And the profiles, the index and the counter agree
    assert all(tag in world.customers.require(p.id).tags for p in people)
    assert sorted(_index(world, tag, store.id)) == sorted(p.id for p in people)
    assert _count(world, tag, store.id) == 3

    # When one is removed
    removed = outreach.change_segment(manager, tag, SegmentChange(action=TagAction.REMOVE, customer_ids=[people[0].id]))
    assert removed.changed == 1
    assert sorted(_index(world, tag, store.id)) == sorted(p.id for p in people[1:])
    assert _count(world, tag, store.id) == 2
    # And the tagging bumped the profile's version: a stale associate edit cannot put the tag back
    assert world.customers.require(people[0].id).version == people[0].version + 2


def test_a_manager_tags_only_their_stores_customers(campaign_world: World) -> None:
    world = campaign_world
    mine, theirs = world.store(), world.store()
    own = world.customer(mine, phone=random_fr_mobile())
    other = world.customer(theirs, phone=random_fr_mobile())
    manager = Caller("m", frozenset({Role.MANAGER}), frozenset({mine.id}))

    result = campaigns_wiring.outreach_service().change_segment(
        manager, "shoes", SegmentChange(customer_ids=[own.id, other.id])
    )

    assert (result.changed, result.out_of_scope) == (1, [other.id])
    assert "shoes" not in world.customers.require(other.id).tags


def test_the_customer_api_keeps_the_index_and_counters_in_step(campaign_world: World) -> None:
    # Given a customer created with two tags
    world = campaign_world
    paris, lyon = world.store(), world.store()
    customer = world.customer(paris, phone=random_fr_mobile(), tags=["vip", "shoes"])
    assert _index(world, "vip", paris.id).count(customer.id) == 1
    assert _count(world, "shoes", paris.id) == 1

    # When an associate drops one tag, adds another, and moves them to another store
    service = directory_wiring.customer_service()
    updated = service.update(
        ADMIN,
        customer.id,
        CustomerUpdate(tags=["vip", "menswear"], home_store_id=lyon.id),
        expected_version=customer.version,
    )

    # Then the memberships and the per-store counters moved with them, in the same transaction
    assert updated.tags == ("vip", "menswear")
    assert _index(world, "vip", paris.id) == []
    assert _index(world, "vip", lyon.id) == [customer.id]
    assert _index(world, "menswear", lyon.id) == [customer.id]
    assert world.table.get_item(Key=keys.customer_tag(customer.id, "shoes")).get("Item") is None
    assert (_count(world, "vip", paris.id), _count(world, "vip", lyon.id), _count(world, "shoes", paris.id)) == (
        0,
        1,
        0,
    )
    assert world.marketing.store_customer_count([lyon.id]) == 1
    assert world.marketing.store_customer_count([paris.id]) == 0


def test_two_bulk_changes_racing_on_the_same_customers_both_land(campaign_world: World) -> None:
    # Given twenty customers and two managers tagging all of them with different tags at the same time
    world = campaign_world
    store = world.store()
    people = [world.customer(store, phone=random_fr_mobile()) for _ in range(20)]
    manager = Caller("m", frozenset({Role.MANAGER}), frozenset({store.id}))
    ids = [p.id for p in people]
    errors: list[BaseException] = []

    def tag(name: str) -> None:
        try:
            campaigns_wiring.outreach_service().change_segment(manager, name, SegmentChange(customer_ids=ids))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=tag, args=(name,)) for name in ("summer", "winter")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every customer has both tags, and both indexes and counters are complete
    assert errors == []
    assert all({"summer", "winter"} <= set(world.customers.require(i).tags) for i in ids)
    assert sorted(_index(world, "summer", store.id)) == sorted(ids)
    assert sorted(_index(world, "winter", store.id)) == sorted(ids)
    assert (_count(world, "summer", store.id), _count(world, "winter", store.id)) == (20, 20)


def test_outreach_list_says_how_each_customer_can_be_reached(campaign_world: World) -> None:
    # Given tagged customers: one with a conversation, one to ask, one without phone, one who said STOP
    world = campaign_world
    store = world.store()
    talking = world.customer(store, phone=random_fr_mobile(), sms=None, tags=["list"])
    to_ask = world.customer(store, phone=random_fr_mobile(), sms=None, tags=["list"])
    no_phone = world.customer(store, tags=["list"])
    stopped = world.customer(store, phone=random_fr_mobile(), sms=None, tags=["list"])
    world.consent(stopped, "sms", "opted_out", store_id=store.id, purpose="conversational")
    # A campaign text to `talking` made its conversation (conversational consent: asked through the chat later)
    world.consent(talking, "sms", "opted_in", store_id=store.id)
    world.grant(2)
    world.start(world.campaign(store, audience={"tags": ["list"]}))
    world.send()

    associate = Caller("a", frozenset({Role.ASSOCIATE}), frozenset({store.id}))
    page = campaigns_wiring.outreach_service().tagged(associate, "list", None, limit=50, cursor=None)

    reach = {e.customer.id: (e.reach, e.conversation_id is not None) for e in page.items}
    assert reach == {
        talking.id: (Reach.CONVERSATION, True),
        to_ask.id: (Reach.OPT_IN_REQUEST, False),
        no_phone.id: (Reach.NO_PHONE, False),
        stopped.id: (Reach.OPTED_OUT, False),
    }
