"""Points: how many a purchase earns, and how earned lots expire oldest first. Pure rules, no I/O.

Earning: `floor(Σ line amount in currency units x points per unit x the line category's multiplier)`, computed
exactly (fractions, no floats) over the whole purchase and rounded down **once**, so a purchase of many small
lines earns as much as one line of the same amount. The amount is what the customer pays after rewards: a
discount is spread over the lines in proportion to their amounts before multipliers apply. Paying with a gift
card is still spending (the card's sale earned nothing).

Expiry (FIFO): every credit is a lot expiring `expiry_days` after the day it was earned. Debits (redemptions,
negative adjustments, expiries) consume the oldest lots first. The account keeps the lots still present and
`consumed`, the part of them already spent, so: balance = Σ lots - consumed, and the points expiring by day D
are `max(0, Σ lots expiring on or before D - consumed)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class EarningRule:
    points_per_unit: Decimal = Decimal(1)  # per whole unit of the store's currency (1 EUR, 1 USD, 1 JPY)
    category_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    expiry_days: int | None = 365  # None: points never expire

    def expiry_of(self, earned_on: date) -> date | None:
        return earned_on + timedelta(days=self.expiry_days) if self.expiry_days else None


@dataclass(frozen=True, slots=True)
class EarnLine:
    category_id: str | None
    amount_minor: int


def points_earned(lines: Sequence[EarnLine], *, paid_minor: int, exponent: int, rule: EarningRule) -> int:
    """Points for lines whose amounts add up to the gross total, of which `paid_minor` is paid after rewards."""
    gross = sum(line.amount_minor for line in lines)
    if gross <= 0 or paid_minor <= 0:
        return 0
    share = Fraction(min(paid_minor, gross), gross)
    rate = Fraction(rule.points_per_unit)
    scale: int = 10**exponent
    exact: Fraction = (
        sum(
            (
                Fraction(line.amount_minor)
                * share
                * rate
                * Fraction(rule.category_multipliers.get(line.category_id or "", 1))
                for line in lines
            ),
            Fraction(0),
        )
        / scale
    )
    return max(0, exact.numerator // exact.denominator)  # floor, exactly


def expiring_by(lots: Mapping[date, int], consumed: int, day: date) -> int:
    """Points of the account that have expired on or before `day` (FIFO: consumption ate the oldest first)."""
    due = sum(amount for expiry, amount in lots.items() if expiry <= day)
    return max(0, due - consumed)


def next_expiry(lots: Mapping[date, int], consumed: int) -> tuple[date, int] | None:
    """The next date on which points expire and how many, or None when nothing is due to expire."""
    cumulative = 0
    for expiry in sorted(lots):
        cumulative += lots[expiry]
        left = cumulative - consumed
        if left > 0:
            return expiry, min(lots[expiry], left)
    return None


def spent_lots(lots: Mapping[date, int], consumed: int) -> tuple[list[date], int]:
    """Lots entirely consumed (oldest first) that can be dropped, and what `consumed` becomes without them."""
    dropped: list[date] = []
    for expiry in sorted(lots):
        if lots[expiry] > consumed:
            break
        consumed -= lots[expiry]
        dropped.append(expiry)
    return dropped, consumed


def balance(lots: Iterable[int], consumed: int) -> int:
    return sum(lots) - consumed
