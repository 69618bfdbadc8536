"""Money and points are never spent twice: 20 purchases at once against a balance that covers 5, on DynamoDB Local,
for points and for gift cards alike. The balance item and the ledger stay equal."""

from __future__ import annotations

import os
from typing import Any

from clienteling import resources
from clienteling.directory import wiring as directory_wiring
from clienteling.directory.contracts.customers import CustomerCreate
from clienteling.directory.contracts.stores import StoreCreate
from clienteling.kernel.access import Caller, Role
from clienteling.loyalty import wiring as loyalty_wiring
from clienteling.loyalty.contracts.gift_cards import GiftCardSale
from clienteling.loyalty.contracts.loyalty import PointsAdjustment, PurchaseCreate
from clienteling.loyalty.contracts.rewards import RewardCreate
from clienteling.loyalty.domain.gift_cards import GiftCardRefused
from clienteling.loyalty.domain.rewards import InsufficientPoints
from clienteling.loyalty.repositories.gift_cards import GiftCardRepository
from clienteling.loyalty.repositories.loyalty import LoyaltyRepository

from tests.conftest import store_body
from tests.integration.test_races import race

ADMIN = Caller("admin", frozenset({Role.ADMIN}))
PARALLEL = 20


def _shop() -> tuple[str, Caller, Caller, str]:
    store_id = directory_wiring.store_service().create(ADMIN, StoreCreate.model_validate(store_body("Race till"))).id
    associate = Caller("till-" + os.urandom(3).hex(), frozenset({Role.ASSOCIATE}), frozenset({store_id}))
    manager = Caller("mgr-" + os.urandom(3).hex(), frozenset({Role.MANAGER}), frozenset({store_id}))
    customer = directory_wiring.customer_service().create(
        associate, CustomerCreate(first_name="Rae", last_name="Race", home_store_id=store_id)
    )
    return store_id, associate, manager, customer.id


def _outcomes(results: list[Any], refusal: type[Exception]) -> tuple[int, int]:
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, refusal)]
    assert not unexpected, unexpected
    return sum(not isinstance(r, Exception) for r in results), sum(isinstance(r, refusal) for r in results)


def test_twenty_redemptions_against_points_for_five_succeed_exactly_five_times() -> None:
    # Given a customer with 500 points and a reward costing 100
    store_id, associate, manager, customer_id = _shop()
    loyalty_wiring.loyalty_service().adjust(
        manager, customer_id, PointsAdjustment(store_id=store_id, points=500, reason="Race test credit")
    )
    reward = loyalty_wiring.rewards_service().create_program(
        manager,
        RewardCreate.model_validate(
            {"type": "gift", "title": "Race gift", "giftName": "Pin", "costPoints": 100, "storeIds": [store_id]}
        ),
    )
    purchases = loyalty_wiring.purchase_service()
    body = PurchaseCreate.model_validate(
        {
            "customer": {"id": customer_id},
            "lines": [{"unitPriceMinor": 50}],  # 0.50 earns no point: only redemptions move the balance
            "totalMinor": 50,
            "rewards": [{"rewardId": reward.id}],
        }
    )

    # When 20 tills redeem it at the same moment
    results = race(*[lambda: purchases.record(associate, store_id, body, idempotency_key=None)] * PARALLEL)

    # Then exactly 5 succeed, the others are told the points do not cover it, and nothing went below zero
    assert _outcomes(results, InsufficientPoints) == (5, PARALLEL - 5)
    loyalty = LoyaltyRepository(resources.table())
    account = loyalty.account(customer_id)
    assert account.points == 0
    assert loyalty.ledger_total(customer_id) == account.points
    assert account.orders == 5


def test_twenty_payments_against_a_gift_card_for_five_succeed_exactly_five_times() -> None:
    # Given a physical gift card holding 50.00
    store_id, associate, _manager, customer_id = _shop()
    number = "7" + str(int.from_bytes(os.urandom(6), "big")).zfill(15)[:15]
    loyalty_wiring.gift_card_service().sell(
        associate, store_id, GiftCardSale.model_validate({"kind": "physical", "number": number, "amountMinor": 5000})
    )
    purchases = loyalty_wiring.purchase_service()
    body = PurchaseCreate.model_validate(
        {
            "customer": {"id": customer_id},
            "lines": [{"unitPriceMinor": 1000}],
            "totalMinor": 1000,
            "giftCards": [{"number": number, "amountMinor": 1000}],
        }
    )

    # When 20 purchases take 10.00 from it at once
    results = race(*[lambda: purchases.record(associate, store_id, body, idempotency_key=None)] * PARALLEL)

    # Then exactly 5 are paid, the card is at zero, never below, and its ledger says so
    assert _outcomes(results, GiftCardRefused) == (5, PARALLEL - 5)
    cards = GiftCardRepository(resources.table())
    card = cards.get(number)
    assert card is not None
    assert card.balance_minor == 0
    movements = cards.movements(number)
    assert sum(m.amount_minor for m in movements) == card.balance_minor
    assert len(movements) == 6  # the sale and five redemptions


def test_the_same_idempotency_key_from_parallel_retries_records_once() -> None:
    store_id, associate, _manager, customer_id = _shop()
    purchases = loyalty_wiring.purchase_service()
    body = PurchaseCreate.model_validate(
        {"customer": {"id": customer_id}, "lines": [{"unitPriceMinor": 2500}], "totalMinor": 2500}
    )
    key = "retry-" + os.urandom(6).hex()
    results = race(*[lambda: purchases.record(associate, store_id, body, idempotency_key=key)] * 5)
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({r.purchase.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    account = LoyaltyRepository(resources.table()).account(customer_id)
    assert (account.points, account.orders) == (25, 1)
