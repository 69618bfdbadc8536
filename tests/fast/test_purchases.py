"""Purchases at the till (loyalty.services.purchases.PurchaseService.record), in memory: points by the earning rule,
rewards and gift cards redeemed, the till's Idempotency-Key, what is published, and a new customer enrolled with
their first purchase. The same rules run on DynamoDB Local (tests/integration/test_loyalty_rules.py,
test_loyalty_races.py) and end to end (tests/e2e/test_loyalty.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from clienteling.directory.events import CustomerCreated
from clienteling.directory.ports import Customer, Product, Store
from clienteling.edge.errors import status_for
from clienteling.kernel.access import Caller
from clienteling.kernel.cache import TtlCache
from clienteling.kernel.providers import EmailUnavailable
from clienteling.loyalty.contracts.loyalty import PurchaseCreate
from clienteling.loyalty.domain.gift_cards import CardKind, GiftCard, GiftCardRefused, MovementType
from clienteling.loyalty.domain.loyalty import EntryType, TransactionType
from clienteling.loyalty.domain.points import EarningRule
from clienteling.loyalty.domain.rewards import (
    FrequentBuyerCard,
    InsufficientPoints,
    RewardProgram,
    RewardType,
    StoreScope,
)
from clienteling.loyalty.events import PurchaseRecorded
from clienteling.loyalty.services.purchases import IdempotencyKeyReused, PurchaseService, Recorded

from tests.fakes.clock import ManualClock
from tests.fakes.directory import FakeCatalog, FakeCustomers, FakeEnrolment, FakeStores
from tests.fakes.loyalty import FakeGiftCards, FakeLoyalty
from tests.fakes.providers import FakeEmail
from tests.fakes.storage import InMemoryTransactions
from tests.fast.givens import associate, paris, zoe

SCARF = Product("SCARF-1", "Silk scarf", 4500, "EUR", "standard", category_id="scarves")
BAG = Product("BAG-1", "Canvas bag", 1200, "EUR", "standard", category_id="bags")
GIFT_WRAP = {"description": "Gift wrapping", "unitPriceMinor": 399}


@dataclass
class Till:
    """A Paris till: the catalog, the customers on file, loyalty and gift cards in memory, the welcome email."""

    store: Store
    lea: Caller
    zoe: Customer
    customers: FakeCustomers
    enrolment: FakeEnrolment
    loyalty: FakeLoyalty
    gift_cards: FakeGiftCards
    email: FakeEmail
    transactions: InMemoryTransactions
    clock: ManualClock
    rule: EarningRule = field(default_factory=EarningRule)  # 1 point per euro, lots expiring after 365 days
    cards: list[FrequentBuyerCard] = field(default_factory=list)

    @property
    def service(self) -> PurchaseService:
        return PurchaseService(
            loyalty=self.loyalty,
            customers=self.customers,
            enrolment=self.enrolment,
            gift_cards=self.gift_cards,
            work=self.transactions.start,
            earning_rule=TtlCache(lambda _: self.rule, ttl_seconds=0),
            cards=TtlCache(lambda _: self.cards, ttl_seconds=0),
            stores=FakeStores(self.store),
            email=lambda: self.email,
            clock=self.clock,
            public_base_url="https://clienteling.example",
        )

    def buy(self, lines: list[dict[str, Any]], *, customer: dict[str, Any] | None = None, key: str | None = None,
            **extra: Any) -> Recorded:  # fmt: skip
        """The till records a purchase of `lines` (the total is theirs), for Zoë unless told otherwise."""
        prices = {SCARF.sku: SCARF.price_minor, BAG.sku: BAG.price_minor}
        total = sum(line.get("unitPriceMinor", prices.get(line.get("sku", ""), 0)) * line.get("quantity", 1)
                    for line in lines)  # fmt: skip
        body = PurchaseCreate.model_validate(
            {"customer": customer or {"id": self.zoe.id}, "lines": lines, "totalMinor": total, **extra}
        )
        return self.service.record(self.lea, self.store.id, body, idempotency_key=key)

    def reward(self, reward_type: RewardType, *, cost: int, percent: str | None = None) -> RewardProgram:
        at = self.clock() - timedelta(days=10)
        return self.loyalty.add_program(
            RewardProgram(
                id=f"{reward_type.value}-{cost}",
                type=reward_type,
                title=f"{percent}% {reward_type.value}",
                cost_points=cost,
                scope=StoreScope(store_ids=(self.store.id,)),
                version=1,
                created_at=at,
                updated_at=at,
                percent=Decimal(percent) if percent else None,
            )
        )

    def gift_card(self, number: str, balance_minor: int) -> GiftCard:
        at = self.clock() - timedelta(days=10)
        return self.gift_cards.add(
            GiftCard(number, CardKind.PHYSICAL, "EUR", balance_minor, balance_minor, self.store.id, at)
        )


@pytest.fixture
def till(clock: ManualClock, transactions: InMemoryTransactions) -> Till:
    store = paris(clock())
    customers = FakeCustomers()
    catalog = FakeCatalog(SCARF, BAG)
    gift_cards = FakeGiftCards()
    return Till(
        store=store,
        lea=associate(store),
        zoe=customers.add(zoe(store, clock() - timedelta(days=100))),
        customers=customers,
        enrolment=FakeEnrolment(FakeStores(store), clock),
        loyalty=FakeLoyalty(customers, catalog, gift_cards),
        gift_cards=gift_cards,
        email=FakeEmail(),
        transactions=transactions,
        clock=clock,
    )


@pytest.mark.parametrize(
    ("rule", "points"),
    [
        pytest.param(EarningRule(), 48, id="1-per-euro-rounded-down-once"),
        pytest.param(EarningRule(category_multipliers={"scarves": Decimal(2)}), 93, id="scarves-count-double"),
        pytest.param(EarningRule(points_per_unit=Decimal("1.5")), 73, id="1.5-per-euro"),
    ],
)
def test_points_are_earned_by_the_earning_rule(till: Till, rule: EarningRule, points: int) -> None:
    # Given the business's earning rule
    till.rule = rule

    # When Zoë buys a scarf (45.00) and gift wrapping (3.99): 48.99 EUR
    purchase = till.buy([{"sku": SCARF.sku}, GIFT_WRAP]).purchase

    # Then she earns what the rule gives for it, rounded down once for the whole purchase
    assert (purchase.points_earned, purchase.points_balance, purchase.total_minor) == (points, points, 4899)
    # And her account and ledger hold them, as one lot expiring a year later
    account = till.loyalty.account(till.zoe.id)
    expiry = till.clock().date() + timedelta(days=365)
    assert (account.points, account.lots, account.orders, account.visits) == (points, {expiry: points}, 1, 1)
    (entry,) = till.loyalty.ledger(till.zoe.id, limit=10, cursor=None).items
    assert (entry.type, entry.points, entry.purchase_id, entry.expires_on) == (
        EntryType.EARN,
        points,
        purchase.id,
        expiry,
    )


def test_a_purchase_is_published_and_logged_at_the_till(till: Till) -> None:
    # Given Zoë on file
    # When the till records two bags and a scarf for her
    purchase = till.buy([{"sku": BAG.sku, "quantity": 2}, {"sku": SCARF.sku}], note="Cadeau").purchase

    # Then PurchaseRecorded says who bought what, where, through whom
    (event,) = till.transactions.published(PurchaseRecorded)
    assert (event.purchase_id, event.customer_id, event.store_id, event.associate_id) == (
        purchase.id,
        till.zoe.id,
        till.store.id,
        till.lea.associate_id,
    )
    assert (event.total_minor, event.currency) == (2 * 1200 + 4500, "EUR")
    assert [(line.sku, line.category_id, line.quantity, line.total_minor) for line in event.lines] == [
        (BAG.sku, "bags", 2, 2400),
        (SCARF.sku, "scarves", 1, 4500),
    ]
    # And the store's till log of the day has the purchase, and the customer's purchases the till's answer
    log = till.loyalty.store_transactions(
        till.store.id, till.clock().date(), kind=TransactionType.PURCHASE, limit=10, cursor=None
    ).items
    assert [(tx.purchase_id, tx.total_minor, tx.points_earned, tx.note) for tx in log] == [
        (purchase.id, 6900, 69, "Cadeau")
    ]
    assert [record["id"] for record in till.loyalty.purchases(till.zoe.id)] == [purchase.id]


def test_a_reward_is_redeemed_with_points(till: Till) -> None:
    # Given Zoë earned 100 points, and the store offers 10 % off for 40 points
    till.buy([{"unitPriceMinor": 10000}])
    discount = till.reward(RewardType.DISCOUNT, cost=40, percent="10")

    # When she buys for 20.00 with the reward
    purchase = till.buy([{"unitPriceMinor": 2000}], rewards=[{"rewardId": discount.id}]).purchase

    # Then 2.00 comes off, the 40 points are spent, and she earns on the 18.00 she pays
    assert [(r.type, r.amount_minor, r.points_cost) for r in purchase.rewards] == [("discount", 200, 40)]
    assert (purchase.discount_minor, purchase.due_minor) == (200, 1800)
    assert (purchase.points_redeemed, purchase.points_earned, purchase.points_balance) == (40, 18, 100 - 40 + 18)
    assert till.loyalty.account(till.zoe.id).points == 78
    entries = till.loyalty.ledger(till.zoe.id, limit=10, cursor=None).items
    assert sorted((e.type, e.points) for e in entries if e.purchase_id == purchase.id) == [
        (EntryType.EARN, 18),
        (EntryType.REDEEM, -40),
    ]
    assert till.loyalty.ledger_total(till.zoe.id) == 78


def test_a_reward_costing_more_points_than_the_customer_has_is_refused_and_nothing_is_recorded(till: Till) -> None:
    # Given Zoë has 30 points, and a gift costs 40
    till.buy([{"unitPriceMinor": 3000}])
    gift = till.reward(RewardType.GIFT, cost=40)
    published, before = len(till.transactions.events), till.loyalty.account(till.zoe.id)

    # When the till redeems it
    with pytest.raises(InsufficientPoints) as refused:
        till.buy([{"unitPriceMinor": 1000}], rewards=[{"rewardId": gift.id}])

    # Then the till is told why (422), and nothing of the purchase was written or published
    assert (status_for(refused.value), refused.value.code) == (422, "insufficient_points")
    assert till.loyalty.account(till.zoe.id) == before
    assert len(till.transactions.events) == published


def test_a_gift_card_pays_part_of_a_purchase(till: Till) -> None:
    # Given a gift card holding 50.00
    card = till.gift_card("6000000000001234", 5000)

    # When Zoë pays 30.00 of a 102.00 purchase with it
    purchase = till.buy(
        [{"sku": SCARF.sku, "quantity": 2}, {"sku": BAG.sku}],
        giftCards=[{"number": "6000 0000 0000 1234", "amountMinor": 3000}],
    ).purchase

    # Then 72.00 is left to pay otherwise, and the receipt shows the card's last digits and what is left on it
    assert (purchase.total_minor, purchase.gift_cards_minor, purchase.due_minor) == (10200, 3000, 7200)
    assert [(g.card, g.amount_minor, g.balance_after_minor) for g in purchase.gift_cards] == [("1234", 3000, 2000)]
    # And the card holds 20.00, with the redemption in its movements
    saved = till.gift_cards.get(card.number)
    assert saved is not None
    assert saved.balance_minor == 2000
    assert [(m.type, m.amount_minor, m.purchase_id) for m in till.gift_cards.movements(card.number)] == [
        (MovementType.REDEMPTION, -3000, purchase.id)
    ]
    # And paying with a gift card is still spending: she earns on the whole 102.00
    assert purchase.points_earned == 102


def test_a_gift_card_cannot_pay_more_than_it_holds(till: Till) -> None:
    # Given a gift card holding 20.00
    card = till.gift_card("6000000000005678", 2000)

    # When the till asks 30.00 of it
    with pytest.raises(GiftCardRefused) as refused:
        till.buy([{"unitPriceMinor": 5000}], giftCards=[{"number": card.number, "amountMinor": 3000}])

    # Then it is refused (422) and the card keeps its balance
    assert status_for(refused.value) == 422
    saved = till.gift_cards.get(card.number)
    assert saved is not None
    assert (saved.balance_minor, till.gift_cards.movements(card.number)) == (2000, [])
    assert till.transactions.published(PurchaseRecorded) == []


def test_a_retried_purchase_with_the_same_idempotency_key_is_recorded_once(till: Till) -> None:
    # Given a purchase the till recorded with an Idempotency-Key (and did not get the answer, say)
    lines = [{"sku": BAG.sku, "quantity": 3}]
    first = till.buy(lines, key="till-1-0042")

    # When the till sends the same purchase with the same key again
    again = till.buy(lines, key="till-1-0042")

    # Then it gets the first purchase back, marked as a replay, and nothing was recorded twice
    assert (first.created, again.created) == (True, False)
    assert again.purchase == first.purchase
    assert till.loyalty.account(till.zoe.id).points == first.purchase.points_earned == 36
    assert len(till.transactions.published(PurchaseRecorded)) == 1
    assert len(till.loyalty.purchases(till.zoe.id)) == 1


def test_an_idempotency_key_reused_for_another_purchase_is_refused(till: Till) -> None:
    # Given a purchase recorded with a key
    till.buy([{"sku": BAG.sku, "quantity": 3}], key="till-1-0043")
    account = till.loyalty.account(till.zoe.id)

    # When the till sends a different purchase with the same key
    with pytest.raises(IdempotencyKeyReused) as refused:
        till.buy([{"sku": BAG.sku}], key="till-1-0043")

    # Then it is refused (422) and nothing new is recorded
    assert (status_for(refused.value), refused.value.code) == (422, "idempotency_key_reused")
    assert till.loyalty.account(till.zoe.id) == account
    assert len(till.transactions.published(PurchaseRecorded)) == 1


def test_a_new_customer_is_enrolled_with_their_first_purchase(till: Till) -> None:
    # Given a customer without a card, who gives her name, email and mobile at the till
    new = {"new": {"firstName": "Inès", "lastName": "Moreau", "email": "Ines.Moreau@Example.com",
                   "phoneNumber": "06 11 22 33 44"}}  # fmt: skip

    # When the till records her purchase
    purchase = till.buy([{"sku": SCARF.sku}, GIFT_WRAP], customer=new).purchase

    # Then she is on file with a customer number, her email in lower case and her mobile in E.164
    assert purchase.customer_created is True
    customer = till.customers.require(purchase.customer_id)
    assert till.customers.id_by_number(purchase.customer_number) == customer.id
    assert (customer.first_name, customer.email, customer.phone_number, customer.home_store_id) == (
        "Inès",
        "ines.moreau@example.com",
        "+33611223344",
        till.store.id,
    )
    (created,) = till.transactions.published(CustomerCreated)
    assert (created.customer_id, created.home_store_id, created.unidentified) == (customer.id, till.store.id, False)
    # And she earned her points, and got the welcome email with her number and the link that activates her account
    assert till.loyalty.account(customer.id).points == purchase.points_earned == 48
    (welcome,) = till.email.to("ines.moreau@example.com")
    assert purchase.customer_number in welcome.text
    token = welcome.text.split("/loyalty/activate/")[1].split()[0]
    assert till.loyalty.activation(token) == customer.id


def test_a_customer_number_already_taken_is_drawn_again(till: Till, clock: ManualClock) -> None:
    # Given enrolment draws, as its first number, the number Zoë already has
    till.enrolment = FakeEnrolment(FakeStores(till.store), clock, numbers=[till.zoe.customer_number])

    # When the till enrols a new customer with a purchase
    purchase = till.buy([{"unitPriceMinor": 1500}], customer={"new": {"firstName": "Noé", "lastName": "Dupont"}})

    # Then the purchase is recorded for the new customer under another number; Zoë keeps hers
    assert purchase.purchase.customer_number != till.zoe.customer_number
    assert till.customers.id_by_number(till.zoe.customer_number) == till.zoe.id
    assert till.customers.id_by_number(purchase.purchase.customer_number) == purchase.purchase.customer_id
    assert len(till.transactions.published(CustomerCreated)) == 1


def test_the_purchase_stands_when_the_welcome_email_cannot_be_sent(till: Till) -> None:
    # Given the email provider is unavailable
    till.email.refuse(EmailUnavailable("Throttling"))

    # When the till enrols a new customer with an email
    recorded = till.buy([{"unitPriceMinor": 1500}], customer={"new": {"firstName": "Léo", "lastName": "Martin",
                                                                       "email": "leo@example.com"}})  # fmt: skip

    # Then the purchase and the customer are recorded all the same, without the email
    assert recorded.created is True
    assert till.customers.get(recorded.purchase.customer_id) is not None
    assert till.email.sent == []
    assert len(till.transactions.published(PurchaseRecorded)) == 1
