"""Carts against DynamoDB Local: request counts, expiry before TTL, racing writers, and a reference reused by an
earlier life of a cart after TTL deleted it."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import requests
from clienteling import resources
from clienteling.commerce import wiring as commerce_wiring
from clienteling.commerce.contracts.carts import LineAdd, LineChange
from clienteling.commerce.domain.carts import Fulfillment
from clienteling.commerce.repositories.carts import CartRepository
from clienteling.commerce.services.cart_pages import CartExpired, CartPageService
from clienteling.kernel import keys
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.errors import StaleVersion

from infra.local.stack import RunningStack
from tests.conftest import World
from tests.e2e.cart_helpers import Shop, make_shop


@pytest.fixture
def shop(world: World, local_stack: RunningStack) -> Shop:
    return make_shop(world, local_stack, "paris")


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """DynamoDB requests the handlers make (they share this process's table client)."""
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = resources.table().meta.client.meta.events
    events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", count)


def _caller(shop: Shop) -> Caller:
    return Caller(shop.associate_id, frozenset({Role.ASSOCIATE}), frozenset({shop.store_id}))


def _shared(shop: Shop) -> dict[str, Any]:
    etag = shop.cart().headers["ETag"]
    added = shop.change("POST", "/lines", {"sku": shop.skus["dress"], "fulfillment": "in_store"}, etag=etag)
    assert added.status_code == 200, added.text
    shared = shop.api.post(f"{shop.cart_path}/share", token=shop.associate)
    assert shared.status_code == 200, shared.text
    return dict(shared.json())


def test_a_page_view_is_one_request_and_a_change_two(shop: Shop) -> None:
    shared = _shared(shop)
    requests.get(shared["pageUrl"], timeout=30)  # warm
    with dynamodb_requests() as calls:
        assert requests.get(shared["pageUrl"], timeout=30).status_code == 200
    assert calls == Counter({"GetItem": 1})
    etag = shop.cart().headers["ETag"]
    line = shared["cart"]["lines"][0]["id"]
    with dynamodb_requests() as calls:
        changed = shop.change("PATCH", f"/lines/{line}", {"quantity": 2}, etag=etag)
    assert changed.status_code == 200, changed.text
    assert calls == Counter({"GetItem": 1, "TransactWriteItems": 1})  # the cart, and the cart with its page


def test_an_expired_cart_reads_empty_and_its_page_is_gone_before_ttl(shop: Shop) -> None:
    shared = _shared(shop)
    token = shared["pageUrl"].rsplit("/", 1)[1]
    expires = CartRepository(resources.table()).page(token).cart.expires_at  # type: ignore[union-attr]
    after_midnight = expires + timedelta(seconds=1)
    # The items are still in the table (TTL deletes days later), yet the page is gone...
    assert resources.table().get_item(Key=keys.cart_page(token)).get("Item") is not None
    pages = CartPageService(CartRepository(resources.table()), lambda: after_midnight)
    with pytest.raises(CartExpired):
        pages.view(token)
    assert CartPageService(CartRepository(resources.table()), lambda: expires - timedelta(seconds=1)).view(token)
    # ...and the cart reads empty, keeping its version so the next change starts it afresh
    service = commerce_wiring.cart_service()
    service._clock = lambda: after_midnight
    cart = service.get(_caller(shop), shared["cart"]["id"])
    assert (cart.lines, cart.share, cart.version) == ((), None, shared["cart"]["version"])
    fresh = service.add_line(_caller(shop), cart.id, LineAdd(sku=shop.skus["scarf"], fulfillment=Fulfillment.IN_STORE),
                             expected_version=cart.version)  # fmt: skip
    assert [line.sku for line in fresh.lines] == [shop.skus["scarf"]]
    assert fresh.expires_at > after_midnight
    assert fresh.lifetime != cart.lifetime


def test_two_associates_changing_the_same_version_never_overwrite_each_other(shop: Shop) -> None:
    service = commerce_wiring.cart_service()
    caller = _caller(shop)
    cart_id = f"{shop.store_id}_{shop.customer['id']}"
    base = service.add_line(caller, cart_id, LineAdd(sku=shop.skus["dress"], fulfillment=Fulfillment.IN_STORE),
                            expected_version=0)  # fmt: skip
    line = base.lines[0].id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def change(quantity: int) -> None:
        barrier.wait()
        try:
            service.change_line(caller, cart_id, line, LineChange(quantity=quantity), expected_version=base.version)
            outcomes.append("ok")
        except StaleVersion:
            outcomes.append("stale")

    threads = [threading.Thread(target=change, args=(q,)) for q in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "stale"]
    assert service.get(caller, cart_id).version == base.version + 1


def test_a_reference_used_by_an_earlier_life_of_the_cart_is_stepped_over(shop: Shop) -> None:
    first = _shared(shop)
    reference = f"{first['cart']['id']}-{first['cart']['version']}"
    assert first["cart"]["version"] == 1
    # TTL deletes the cart item (days after its midnight): versions start again at 1
    resources.table().delete_item(Key=keys.cart(first["cart"]["id"]))
    second = _shared(shop)
    # The new life's version 1 would reuse the first life's payment reference: the share steps to version 2
    assert second["cart"]["version"] == 2
    assert second["paymentUrl"] != first["paymentUrl"]
    repository = CartRepository(resources.table())
    old, new = repository.payment_request(reference), repository.payment_request(f"{first['cart']['id']}-2")
    current = repository.get(first["cart"]["id"])
    assert old is not None
    assert new is not None
    assert current is not None
    assert old.cart.lifetime != current.lifetime == new.cart.lifetime
