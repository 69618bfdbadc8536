"""Earning and rounding, and oldest-first expiry of lots."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from clienteling.loyalty.domain import points
from clienteling.loyalty.domain.points import EarningRule, EarnLine
from hypothesis import given
from hypothesis import strategies as st

EUR, JPY, KWD = 2, 0, 3


@pytest.mark.parametrize(
    ("lines", "paid", "exponent", "expected"),
    [
        ([EarnLine(None, 4899)], 4899, EUR, 48),  # 48.99 EUR: rounded down
        ([EarnLine(None, 99)], 99, EUR, 0),
        ([EarnLine(None, 50)] * 3, 150, EUR, 1),  # 3 x 0.50 = 1.50: rounded once per purchase, not per line
        ([EarnLine(None, 1999)], 1999, JPY, 1999),  # yen have no minor unit
        ([EarnLine(None, 12345)], 12345, KWD, 12),  # 12.345 KWD
        ([EarnLine(None, 10000)], 9000, EUR, 90),  # a 10% reward: points on what is paid
        ([EarnLine(None, 10000)], 0, EUR, 0),
    ],
)
def test_one_point_per_unit_rounded_down_once(lines: list[EarnLine], paid: int, exponent: int, expected: int) -> None:
    assert points.points_earned(lines, paid_minor=paid, exponent=exponent, rule=EarningRule()) == expected


def test_category_multipliers_apply_to_their_lines_after_discounts_are_spread() -> None:
    rule = EarningRule(points_per_unit=Decimal("1.5"), category_multipliers={"shoes": Decimal(2)})
    lines = [EarnLine("shoes", 10000), EarnLine("socks", 10000)]
    # 10% off the whole order: 90 + 90 paid; shoes count double: (180 + 90) x 1.5 = 405
    assert points.points_earned(lines, paid_minor=18000, exponent=EUR, rule=rule) == 405


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20), st.integers(0, 10**7))
def test_earning_is_never_negative_nor_more_than_the_amount_paid(amounts: list[int], paid: int) -> None:
    lines = [EarnLine(None, a) for a in amounts]
    earned = points.points_earned(lines, paid_minor=paid, exponent=EUR, rule=EarningRule())
    assert 0 <= earned <= min(paid, sum(amounts)) // 100


D0 = date(2026, 1, 1)


def test_expiry_eats_the_oldest_lots_first() -> None:
    lots = {D0: 100, D0 + timedelta(days=100): 50}
    consumed = 120  # a redemption took all of the first lot and 20 of the second
    assert points.expiring_by(lots, consumed, D0) == 0
    assert points.next_expiry(lots, consumed) == (D0 + timedelta(days=100), 30)
    assert points.expiring_by(lots, consumed, D0 + timedelta(days=100)) == 30
    assert points.spent_lots(lots, consumed) == ([D0], 20)


@given(
    st.lists(st.tuples(st.integers(0, 800), st.integers(1, 500)), min_size=1, max_size=12),
    st.lists(st.integers(1, 400), max_size=12),
    st.integers(0, 900),
)
def test_balance_is_lots_minus_consumed_through_redemptions_and_expiry(
    credit_lots: list[tuple[int, int]], debits: list[int], day: int
) -> None:
    lots: dict[date, int] = {}
    for offset, amount in credit_lots:
        lots[D0 + timedelta(days=offset)] = lots.get(D0 + timedelta(days=offset), 0) + amount
    consumed = 0
    balance = sum(lots.values())
    for debit in debits:
        if debit <= balance:  # what the account's condition lets through
            consumed += debit
            balance -= debit
    today = D0 + timedelta(days=day)
    expired = points.expiring_by(lots, consumed, today)
    consumed += expired
    balance -= expired
    dropped, consumed = points.spent_lots(lots, consumed)
    left = {d: n for d, n in lots.items() if d not in dropped}
    assert balance >= 0
    assert points.balance(left.values(), consumed) == balance
    assert points.expiring_by(left, consumed, today) == 0  # nothing due is left behind
    assert all(d > today for d, _ in [points.next_expiry(left, consumed) or (today + timedelta(days=1), 0)])
