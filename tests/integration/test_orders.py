"""A customer's orders against DynamoDB Local (AP-O2): store-scoped by a filter on one Query of the customer's
partition, newest first, with pages that may come back short but never lose an order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from clienteling import resources
from clienteling.commerce import wiring as commerce_wiring
from clienteling.commerce.domain.carts import Fulfillment, TaxMode
from clienteling.commerce.domain.orders import Order, OrderLine
from clienteling.commerce.repositories.orders import OrderRepository
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.ids import new_id

from tests.conftest import World, random_fr_mobile


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = resources.table().meta.client.meta.events
    events.register("before-call.dynamodb", count)
    try:
        yield calls
    finally:
        events.unregister("before-call.dynamodb", count)


def _order(customer_id: str, store_id: str, at: datetime) -> Order:
    line = OrderLine("SKU-1", "Robe", 1, 10000, Fulfillment.IN_STORE, 0, 1667, 10000)
    return Order(
        id=new_id(),
        cart_id=f"{store_id}_{customer_id}",
        payment_reference=new_id(),
        psp_reference="PSP" + new_id()[:13],
        store_id=store_id,
        customer_id=customer_id,
        conversation_id=new_id(),
        associate_id=None,
        currency="EUR",
        tax_mode=TaxMode.INCLUSIVE,
        lines=(line,),
        subtotal_minor=10000,
        discount_minor=0,
        shipping_minor=0,
        tax_minor=1667,
        total_minor=10000,
        created_at=at,
    )


def test_a_customers_orders_are_filtered_to_the_callers_stores_in_one_query_a_page(world: World) -> None:
    # Given a customer with orders in Paris and New York, the newest in New York
    customer = world.api.post(
        "/v1/customers",
        {
            "firstName": "Ana",
            "lastName": "Orders",
            "homeStoreId": world.store_id("paris"),
            "phoneNumber": random_fr_mobile(),
        },
        token=world.admin,
    ).json()
    paris, nyc = world.store_id("paris"), world.store_id("nyc")
    start = datetime(2030, 3, 1, 10, tzinfo=UTC)
    placed = [
        _order(customer["id"], store, start + timedelta(days=n)) for n, store in enumerate([paris, nyc, paris, nyc])
    ]
    repository = OrderRepository(resources.table())
    for order in placed:
        with resources.unit_of_work() as work:
            work.add(*repository.create_ops(order))
    service = commerce_wiring.order_service()
    associate = Caller("lea", frozenset({Role.ASSOCIATE}), frozenset({paris}))
    admin = Caller("root", frozenset({Role.ADMIN}), frozenset())

    # When a Paris associate reads them one at a time
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    with dynamodb_requests() as calls:
        while True:
            page = service.for_customer(associate, customer["id"], limit=1, cursor=cursor)
            pages += 1
            seen += [o.id for o in page.items]
            cursor = page.cursor
            if cursor is None:
                break

    # Then only Paris's come, newest first, none lost to short pages; one Query a page (plus the customer's check)
    assert seen == [placed[2].id, placed[0].id]
    assert calls["Query"] == pages
    assert calls["Scan"] == 0
    assert set(calls) <= {"Query", "GetItem"}
    # And an admin gets all four in one page
    assert [o.id for o in service.for_customer(admin, customer["id"], limit=10, cursor=None).items] == [
        o.id for o in reversed(placed)
    ]
