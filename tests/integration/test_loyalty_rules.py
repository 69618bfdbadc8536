"""Loyalty rules on DynamoDB Local through the real services: welcome reward, per-visit threshold, pro-only,
required fields, frequent-buyer progress, PIN lockout, paid orders earning once, the daily job's birthday rewards
and oldest-first expiry. Clocks are set far in the past, a different year per test, so the daily job of one test
never expires another's points."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from clienteling import resources
from clienteling.directory import wiring as directory_wiring
from clienteling.directory.contracts.customers import CustomerCreate, CustomerUpdate
from clienteling.directory.contracts.stores import StoreCreate
from clienteling.kernel.access import Caller, Role
from clienteling.loyalty import wiring as loyalty_wiring
from clienteling.loyalty.contracts.gift_cards import GiftCardCheck, GiftCardSale
from clienteling.loyalty.contracts.loyalty import PointsAdjustment, PurchaseCreate
from clienteling.loyalty.contracts.rewards import FrequentBuyerCardCreate, RewardCreate
from clienteling.loyalty.domain.gift_cards import GiftCardLocked, WrongPin
from clienteling.loyalty.domain.rewards import MissingCustomerField, RewardRefused
from clienteling.loyalty.repositories.loyalty import LoyaltyRepository

from functions import loyalty_daily
from infra.local.gateway import LambdaContext
from infra.local.stack import RunningStack
from tests.conftest import store_body

ADMIN = Caller("admin", frozenset({Role.ADMIN}))


class ManualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    manual = ManualClock(datetime.now(UTC))
    resources.set_clock(manual)
    yield manual
    resources.set_clock(None)


class Shop:
    def __init__(self) -> None:
        self.store_id = (
            directory_wiring.store_service().create(ADMIN, StoreCreate.model_validate(store_body("Rules till"))).id
        )
        stores = frozenset({self.store_id})
        self.associate = Caller("till-" + os.urandom(3).hex(), frozenset({Role.ASSOCIATE}), stores)
        self.manager = Caller("mgr-" + os.urandom(3).hex(), frozenset({Role.MANAGER}), stores)

    def customer(self, **fields: Any) -> str:
        body = CustomerCreate.model_validate(
            {"first_name": "Ada", "last_name": "Rules", "home_store_id": self.store_id, **fields}
        )
        return directory_wiring.customer_service().create(self.associate, body).id

    def reward(self, **fields: Any) -> str:
        body = RewardCreate.model_validate({"title": "R", "storeIds": [self.store_id], **fields})
        return loyalty_wiring.rewards_service().create_program(self.manager, body).id

    def buy(self, customer_id: str, amount: int = 1000, **extra: Any) -> Any:
        body = PurchaseCreate.model_validate(
            {"customer": {"id": customer_id}, "lines": [{"unitPriceMinor": amount}], "totalMinor": amount, **extra}
        )
        return (
            loyalty_wiring.purchase_service().record(self.associate, self.store_id, body, idempotency_key=None).purchase
        )

    def account(self, customer_id: str) -> Any:
        return LoyaltyRepository(resources.table()).account(customer_id)


@pytest.fixture
def shop(clock: ManualClock) -> Shop:
    return Shop()


def test_welcome_reward_only_on_the_very_first_order(shop: Shop) -> None:
    welcome = shop.reward(type="gift", giftName="Welcome pouch", welcome=True)
    first = shop.customer()
    assert shop.buy(first, rewards=[{"rewardId": welcome}]).rewards[0].gift_name == "Welcome pouch"
    with pytest.raises(RewardRefused, match="first order"):
        shop.buy(first, rewards=[{"rewardId": welcome}])
    later = shop.customer()
    shop.buy(later)
    with pytest.raises(RewardRefused):
        shop.buy(later, rewards=[{"rewardId": welcome}])


def test_per_visit_reward_after_n_visits_counts_one_visit_a_day(shop: Shop, clock: ManualClock) -> None:
    clock.now = datetime(2018, 3, 5, 10, tzinfo=UTC)
    every_two = shop.reward(type="discount", percent="20", perVisit=2, costPoints=999)
    customer = shop.customer()
    shop.buy(customer)
    shop.buy(customer)  # the same day: still one visit
    with pytest.raises(RewardRefused, match="every 2 visits"):
        shop.buy(customer, rewards=[{"rewardId": every_two}])
    clock.now += timedelta(days=1)
    shop.buy(customer)
    assert shop.account(customer).visits == 2
    clock.now += timedelta(days=1)
    used = shop.buy(customer, 1000, rewards=[{"rewardId": every_two}])
    assert (used.discount_minor, used.points_redeemed) == (200, 0)  # granted by visits: costs no points
    with pytest.raises(RewardRefused):  # 3 visits now: one reward per 2 visits, already used
        shop.buy(customer, rewards=[{"rewardId": every_two}])


def test_pro_only_and_required_fields(shop: Shop) -> None:
    pro_only = shop.reward(type="cashback", percent="3", proOnly=True)
    needs_email = shop.reward(type="gift", giftName="Catalogue", requiredFields=["email", "address"])
    customer = shop.customer()
    with pytest.raises(RewardRefused, match="professional"):
        shop.buy(customer, rewards=[{"rewardId": pro_only}])
    with pytest.raises(MissingCustomerField) as missing:
        shop.buy(customer, rewards=[{"rewardId": needs_email}])
    assert [d["field"] for d in missing.value.details] == ["email", "address"]
    pro = shop.customer(pro=True, email="pro@example.com")
    assert shop.buy(pro, 10000, rewards=[{"rewardId": pro_only}]).discount_minor == 300
    with pytest.raises(MissingCustomerField) as still:
        shop.buy(pro, rewards=[{"rewardId": needs_email}])
    assert [d["field"] for d in still.value.details] == ["address"]


def test_frequent_buyer_card_by_category(shop: Shop) -> None:
    category = "cat-" + os.urandom(4).hex()
    card = loyalty_wiring.rewards_service().create_card(
        shop.manager,
        FrequentBuyerCardCreate.model_validate(
            {"title": "5th coffee free", "buyCount": 4, "categoryId": category, "storeIds": [shop.store_id]}
        ),
    )
    customer = shop.customer()
    coffee = {"categoryId": category, "unitPriceMinor": 350}

    def buy_coffees(quantity: int, **extra: Any) -> Any:
        body = PurchaseCreate.model_validate(
            {
                "customer": {"id": customer},
                "lines": [{**coffee, "quantity": quantity}, {"unitPriceMinor": 100}],
                "totalMinor": 350 * quantity + 100,
                **extra,
            }
        )
        return (
            loyalty_wiring.purchase_service().record(shop.associate, shop.store_id, body, idempotency_key=None).purchase
        )

    buy_coffees(3)
    with pytest.raises(RewardRefused, match="3 of 4"):
        buy_coffees(1, rewards=[{"frequentBuyerCardId": card.id}])
    buy_coffees(1)
    free = buy_coffees(2, rewards=[{"frequentBuyerCardId": card.id}])
    assert free.discount_minor == 350
    assert free.lines[0].free_units == 1
    view = loyalty_wiring.loyalty_service().view(
        shop.associate, customer, store_id=shop.store_id, limit=10, cursor=None
    )
    (progress,) = [p for p in view.cards if p.card.id == card.id]
    assert (progress.bought % 4, progress.free_available) == (1, 0)  # 4 paid + 1 paid after the free one


def test_five_wrong_pins_lock_the_card(shop: Shop) -> None:
    number = "8" + str(int.from_bytes(os.urandom(6), "big")).zfill(13)[:13]
    cards = loyalty_wiring.gift_card_service()
    cards.sell(
        shop.associate,
        shop.store_id,
        GiftCardSale.model_validate({"kind": "physical", "number": number, "pin": "4321", "amountMinor": 2000}),
    )
    customer = shop.customer()
    for attempt in range(1, 5):
        with pytest.raises(WrongPin, match=f"{5 - attempt} tries left"):
            shop.buy(customer, giftCards=[{"number": number, "pin": "0000", "amountMinor": 500}])
    with pytest.raises(GiftCardLocked):
        shop.buy(customer, giftCards=[{"number": number, "pin": "1111", "amountMinor": 500}])
    with pytest.raises(GiftCardLocked):  # even the right PIN now
        cards.check(shop.associate, GiftCardCheck(number=number, pin="4321"))


def test_wrong_pins_count_in_a_row(shop: Shop) -> None:
    number = "9" + str(int.from_bytes(os.urandom(6), "big")).zfill(13)[:13]
    cards = loyalty_wiring.gift_card_service()
    sale = {"kind": "physical", "number": number, "pin": "2468", "amountMinor": 2000}
    cards.sell(shop.associate, shop.store_id, GiftCardSale.model_validate(sale))
    for _ in range(4):
        with pytest.raises(WrongPin):
            cards.check(shop.associate, GiftCardCheck(number=number, pin="1357"))
    card, _ = cards.check(shop.associate, GiftCardCheck(number=number, pin="2468"))
    assert card.balance_minor == 2000
    with pytest.raises(WrongPin, match="4 tries left"):
        cards.check(shop.associate, GiftCardCheck(number=number, pin="1357"))


def test_paid_orders_earn_points_once(shop: Shop, local_stack: RunningStack) -> None:
    customer = shop.customer()
    order_id = "ord-" + os.urandom(5).hex()
    detail = {
        "orderId": order_id,
        "cartId": "cart-1",
        "customerId": customer,
        "storeId": shop.store_id,
        "totalMinor": 12990,
        "currency": "EUR",
        "lines": [{"sku": "SKU-1", "categoryId": "shoes", "quantity": 1, "totalMinor": 12990}],
        "pspReference": "PSP1",
        "occurredAt": "2026-03-02T10:00:00Z",
    }
    events = boto3.client("events")
    entry: Any = {
        "Source": "clienteling",
        "DetailType": "OrderPaid",
        "Detail": json.dumps(detail),
        "EventBusName": os.environ["EVENT_BUS_NAME"],
    }
    events.put_events(Entries=[entry])
    events.put_events(Entries=[entry])  # EventBridge delivers at least once
    local_stack.events.drain()
    account = shop.account(customer)
    assert (account.points, account.orders) == (129, 1)
    assert LoyaltyRepository(resources.table()).ledger_total(customer) == 129


def _run_daily(at: datetime) -> dict[str, int]:
    event = {
        "version": "0",
        "id": os.urandom(4).hex(),
        "detail-type": "Scheduled Event",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return dict(loyalty_daily.lambda_handler(event, LambdaContext(function_name="LoyaltyDailyFunction")))  # type: ignore[arg-type]


def test_birthday_rewards_for_the_customer_or_a_pet_once_a_month(shop: Shop, clock: ManualClock) -> None:
    clock.now = datetime(2014, 5, 10, 9, tzinfo=UTC)
    birthday = shop.reward(type="discount", percent="15", birthday=True)
    own = shop.customer(birth_date=date(1990, 5, 21))
    pet = shop.customer(pets=[{"name": "Rex", "species": "dog", "birth_month": 5}])
    other = shop.customer(birth_date=date(1990, 6, 1))
    _run_daily(clock.now)
    _run_daily(clock.now + timedelta(days=1))  # the next day grants nothing new
    grants = {c: LoyaltyRepository(resources.table()).grants(c) for c in (own, pet, other)}
    assert [g.id for g in grants[own]] == [f"{birthday}-201405"]
    assert [g.id for g in grants[pet]] == [f"{birthday}-201405"]
    assert grants[other] == []
    used = shop.buy(own, 2000, rewards=[{"grantId": f"{birthday}-201405"}])
    assert used.discount_minor == 300
    with pytest.raises(RewardRefused, match="used already"):
        shop.buy(own, rewards=[{"grantId": f"{birthday}-201405"}])
    clock.now = datetime(2014, 6, 2, tzinfo=UTC)
    with pytest.raises(RewardRefused, match="outside its dates"):
        shop.buy(pet, rewards=[{"grantId": f"{birthday}-201405"}])
    # A birth month added later counts from the next run
    directory_wiring.customer_service().update(
        shop.associate,
        other,
        CustomerUpdate(pets=[{"name": "Tom", "species": "cat", "birth_month": 6}]),
        expected_version=1,
    )
    _run_daily(clock.now)
    assert [g.id for g in LoyaltyRepository(resources.table()).grants(other)] == [f"{birthday}-201406"]


def test_points_expire_oldest_first(shop: Shop, clock: ManualClock) -> None:
    start = datetime(2015, 1, 10, 12, tzinfo=UTC)
    clock.now = start
    customer = shop.customer()
    shop.buy(customer, 10000)  # 100 points, expiring 365 days later
    clock.now = start + timedelta(days=100)
    shop.buy(customer, 5000)  # 50 more, expiring 100 days after the first lot
    clock.now = start + timedelta(days=200)
    adjust = PointsAdjustment(store_id=shop.store_id, points=-120, reason="Redeemed at the counter")
    loyalty_wiring.loyalty_service().adjust(shop.manager, customer, adjust)  # consumes the oldest lot first
    account = shop.account(customer)
    first_expiry, second_expiry = (start + timedelta(days=365)).date(), (start + timedelta(days=465)).date()
    assert account.next_expiry() == (second_expiry, 30)  # the first lot is fully spent

    _run_daily(start + timedelta(days=366))
    assert shop.account(customer).points == 30  # nothing of the spent first lot expires
    assert first_expiry not in shop.account(customer).lots  # and it is dropped

    report = _run_daily(start + timedelta(days=466))
    assert report["pointsExpired"] >= 30
    account = shop.account(customer)
    assert (account.points, account.lots, account.consumed) == (0, {}, 0)
    assert account.next_expiry() is None
    entries = LoyaltyRepository(resources.table()).ledger(customer, limit=10, cursor=None).items
    assert next((e.type.value, e.points) for e in entries) == ("expire", -30)
    assert LoyaltyRepository(resources.table()).ledger_total(customer) == 0
