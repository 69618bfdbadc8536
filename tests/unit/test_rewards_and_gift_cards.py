"""Reward eligibility and the documented application order; gift card numbers and PINs."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from clienteling.directory.domain.customers import Customer
from clienteling.loyalty.domain import gift_cards, rewards
from clienteling.loyalty.domain.gift_cards import CardKind, GiftCard
from clienteling.loyalty.domain.rewards import (
    BasketLine,
    FrequentBuyerCard,
    RewardProgram,
    RewardType,
    Standing,
    StoreScope,
)

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def program(**fields: object) -> RewardProgram:
    base: dict[str, object] = {
        "id": "p",
        "type": RewardType.GIFT,
        "title": "T",
        "cost_points": 0,
        "scope": StoreScope(),
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return RewardProgram(**{**base, **fields})  # type: ignore[arg-type]


def customer(**fields: object) -> Customer:
    base: dict[str, object] = {
        "id": "c",
        "customer_number": "1234567897",
        "first_name": "A",
        "last_name": "B",
        "home_store_id": "s1",
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Customer(**{**base, **fields})  # type: ignore[arg-type]


FRESH = Standing(points=0, orders=0, visits=0)


@pytest.mark.parametrize(
    ("reward", "who", "standing", "store", "refused"),
    [
        (program(), customer(), FRESH, "s1", None),
        (program(scope=StoreScope(excluded_store_ids=("s1",))), customer(), FRESH, "s1", "not offered in this store"),
        (program(scope=StoreScope(store_ids=("s2",))), customer(), FRESH, "s1", "not offered in this store"),
        (program(pro_only=True), customer(), FRESH, "s1", "professional"),
        (program(pro_only=True), customer(pro=True), FRESH, "s1", None),
        (program(welcome=True), customer(), Standing(points=0, orders=1, visits=1), "s1", "first order"),
        (program(per_visit=3), customer(), Standing(points=0, orders=5, visits=2), "s1", "every 3 visits"),
        (program(per_visit=3), customer(), Standing(points=0, orders=5, visits=6, visit_rewards_used=1), "s1", None),
        (program(per_visit=3), customer(), Standing(points=0, orders=5, visits=6, visit_rewards_used=2), "s1", "every"),
        (program(active=False), customer(), FRESH, "s1", "no longer"),
    ],
)
def test_eligibility(reward: RewardProgram, who: Customer, standing: Standing, store: str, refused: str | None) -> None:
    reason = rewards.refusal(reward, store_id=store, customer=who, standing=standing)
    assert (reason is None) if refused is None else (refused in (reason or ""))


def test_granted_rewards_cost_no_points() -> None:
    assert program(cost_points=500, per_visit=2).costs_points == 0
    assert program(cost_points=500, birthday=True).costs_points == 0
    assert program(cost_points=500).costs_points == 500


def test_rewards_apply_in_the_documented_order() -> None:
    lines = [BasketLine("SHIRT", "tops", 2, 4500), BasketLine("BAG", "bags", 1, 1200)]
    card = FrequentBuyerCard("card", "Bag", 3, StoreScope(), 1, NOW, NOW, sku="BAG")
    priced = rewards.price(
        lines,
        free_item_cards=[card],
        programs=[
            ("cash", program(type=RewardType.CASHBACK, percent=Decimal(5))),
            ("gift", program()),
            ("disc", program(type=RewardType.DISCOUNT, percent=Decimal("10"))),
        ],
    )
    # free bag first, then 10% of what is left, then 5% of the gross total, then the gift
    assert [(a.key, a.amount_minor) for a in priced.applied] == [
        ("card", 1200),
        ("disc", 900),
        ("cash", 510),
        ("gift", 0),
    ]
    assert priced.due_minor == 10200 - 2610


def test_percent_amounts_round_half_up_and_cashback_never_exceeds_what_is_left() -> None:
    assert rewards.percent_of(1005, Decimal(10)) == 101  # 100.5 -> 101
    assert rewards.percent_of(1004, Decimal(10)) == 100
    lines = [BasketLine(None, None, 1, 1000)]
    priced = rewards.price(
        lines,
        free_item_cards=[],
        programs=[
            ("d", program(type=RewardType.DISCOUNT, percent=Decimal(100))),
            ("c", program(type=RewardType.CASHBACK, percent=Decimal(50))),
        ],
    )
    assert priced.due_minor == 0
    assert [a.amount_minor for a in priced.applied] == [1000, 0]


def test_a_free_item_needs_a_qualifying_line() -> None:
    card = FrequentBuyerCard("card", "Bag", 3, StoreScope(), 1, NOW, NOW, category_id="bags")
    with pytest.raises(rewards.RewardRefused):
        rewards.price([BasketLine("X", "tops", 1, 100)], free_item_cards=[card], programs=[])
    assert rewards.paid_units([BasketLine("B", "bags", 3, 100)], card, [0]) == 2


def test_virtual_card_numbers_have_16_to_19_digits_and_a_luhn_check_digit() -> None:
    for length in (16, 19):
        number = gift_cards.generate_number(length)
        assert len(number) == length
        assert gift_cards.is_valid_virtual_number(number)
        mistyped = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
        assert not gift_cards.is_valid_virtual_number(mistyped)
    with pytest.raises(ValueError, match="16 to 19"):
        gift_cards.generate_number(12)
    assert gift_cards.normalize_number("6011 0000-0000 0004") == "6011000000000004"


def test_pins_are_hashed_with_a_salt_of_their_own() -> None:
    pin = gift_cards.generate_pin()
    assert len(pin) == 6
    assert pin.isdigit()
    digest, salt = gift_cards.hash_pin(pin)
    other_digest, other_salt = gift_cards.hash_pin(pin)
    assert (digest, salt) != (other_digest, other_salt)
    assert pin not in digest
    card = GiftCard("1", CardKind.VIRTUAL, "EUR", 100, 100, "s", NOW, pin_hash=digest, pin_salt=salt)
    assert gift_cards.pin_matches(card, pin)
    assert not gift_cards.pin_matches(card, "000000" if pin != "000000" else "111111")
    assert not gift_cards.pin_matches(card, None)
    assert gift_cards.pin_matches(GiftCard("2", CardKind.PHYSICAL, "EUR", 1, 1, "s", NOW), None)
    assert GiftCard("3", CardKind.PHYSICAL, "EUR", 1, 1, "s", NOW, pin_failures=5).locked
