"""Carts expire at their store's midnight: the sweep clears them, expires their payment link at Adyen and says
so with a CartExpired event; a cart started afresh after midnight is left alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from functions.expire_carts import lambda_handler as sweep_handler
from infra.local.clock import Clock
from infra.local.gateway import LambdaContext
from infra.local.runtime import install_clock
from infra.local.stack import RunningStack
from tests.conftest import World
from tests.e2e.cart_helpers import Shop, link_id, make_shop

PARIS = ZoneInfo("Europe/Paris")
# Tuesday 2027-03-09, 15:00 in Paris; the cart lives until 2027-03-10 00:00 Paris time (23:00 UTC).
T0 = datetime(2027, 3, 9, 15, 0, tzinfo=PARIS)
MIDNIGHT = datetime(2027, 3, 10, 0, 0, tzinfo=PARIS)


@pytest.fixture
def clock(local_stack: RunningStack) -> Iterator[Clock]:
    manual = Clock.manual(T0.astimezone(UTC))
    install_clock(manual)
    yield manual
    install_clock(local_stack.events.clock)


@pytest.fixture
def shop(world: World, local_stack: RunningStack, clock: Clock) -> Shop:
    return make_shop(world, local_stack, "paris")


def sweep() -> dict[str, Any]:
    context: Any = LambdaContext(function_name="ExpireCartsFunction")
    return dict(sweep_handler({"source": "aws.scheduler"}, context))


def _shared_cart(shop: Shop) -> str:
    added = shop.change("POST", "/lines", {"sku": shop.skus["dress"], "quantity": 1, "fulfillment": "in_store"})
    assert added.status_code == 200, added.text
    shared = shop.api.post(f"{shop.cart_path}/share", {}, token=shop.associate)
    assert shared.status_code == 200, shared.text
    return link_id(shared.json()["paymentUrl"])


def test_midnight_clears_the_cart_and_expires_its_payment_link(
    shop: Shop, clock: Clock, local_stack: RunningStack
) -> None:
    link = _shared_cart(shop)
    clock.set((MIDNIGHT - timedelta(seconds=1)).astimezone(UTC))
    assert sweep()["done"] == 0
    assert shop.cart().json()["lines"] != []

    clock.set(MIDNIGHT.astimezone(UTC))
    report = sweep()

    assert report["done"] == 1
    assert shop.cart().json()["lines"] == []
    status = requests.get(f"{local_stack.adyen.base_url}/_sim/links", timeout=10).json()["links"]
    assert next(item["status"] for item in status if item["id"] == link) == "expired"
    local_stack.events.drain()
    published = [
        r
        for i in local_stack.events.invocations(function="EventPublisherFunction")
        for r in i.event["Records"]
        if r["dynamodb"]["NewImage"]["detail_type"]["S"] == "CartExpired"
        and shop.customer["id"] in r["dynamodb"]["NewImage"]["detail"]["S"]
    ]
    assert len(published) == 1
    # Nothing left to do: the emptied cart left the due index
    assert sweep()["examined"] == 0


def test_a_cart_started_afresh_after_midnight_is_left_alone(shop: Shop, clock: Clock) -> None:
    _shared_cart(shop)
    clock.set((MIDNIGHT + timedelta(hours=9)).astimezone(UTC))
    # The associate starts the next day's cart before the sweep runs: it belongs to the new day
    fresh = shop.change("POST", "/lines", {"sku": shop.skus["scarf"], "quantity": 1, "fulfillment": "in_store"})
    assert fresh.status_code == 200, fresh.text
    report = sweep()
    assert report["done"] == 0
    assert [line["sku"] for line in shop.cart().json()["lines"]] == [shop.skus["scarf"]]
