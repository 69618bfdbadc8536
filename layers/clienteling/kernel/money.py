"""Money in integer minor units of an ISO 4217 currency, with the currency's own exponent (JPY 0, EUR 2, KWD 3).

Rounding rule (documented in docs/data-model.md and tested): every rounding is **half up** (a half minor unit
rounds away from zero; all amounts rounded here are non-negative), done once per line on exact rational values,
and totals are sums of rounded lines, so line totals always add up to the cart total to the unit.
A cart-level amount shared across lines is split with the **largest-remainder method**: each line gets the
floor of its exact share, and the units left over go to the lines with the largest remainders (ties: the
earlier line), so the shares add up exactly to the amount.

Rates (tax, discount percentages) are integers in parts per million: 20 % = 200_000, 8.875 % = 88_750.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from clienteling.kernel.reference import currency_exponent

PPM = 1_000_000
HUNDRED_PERCENT = PPM


def round_half_up(value: Fraction) -> int:
    """The nearest integer to a non-negative exact value; halves go up."""
    if value < 0:
        raise ValueError("only non-negative amounts are rounded")
    return int((value * 2 + 1) // 2)


def percent_of(amount_minor: int, rate_ppm: int) -> int:
    """`rate_ppm` of an amount, rounded half up (10 % of 1005 cents = 101 cents)."""
    return round_half_up(Fraction(amount_minor * rate_ppm, PPM))


def tax_included(gross_minor: int, rate_ppm: int) -> int:
    """The tax contained in a tax-inclusive amount: gross x rate / (1 + rate), rounded half up."""
    return round_half_up(Fraction(gross_minor * rate_ppm, PPM + rate_ppm))


def allocate(amount_minor: int, weights: Sequence[int]) -> list[int]:
    """Split `amount_minor` across `weights` in proportion, exactly (largest remainder, ties to the first).

    No share exceeds its weight when the amount does not exceed the sum of the weights.
    """
    if amount_minor < 0 or any(w < 0 for w in weights):
        raise ValueError("amounts and weights are non-negative")
    total = sum(weights)
    if not weights or amount_minor == 0:
        return [0] * len(weights)
    if total == 0:
        raise ValueError("cannot allocate an amount over zero weights")
    exact = [Fraction(amount_minor * w, total) for w in weights]
    shares = [int(e) for e in exact]  # floors: everything is non-negative
    left = amount_minor - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def to_minor(amount: Decimal, currency: str) -> int:
    """A decimal amount in major units ("129.90" EUR) as minor units (12990); refuses more decimals than the
    currency has ("12.5" JPY, "1.2345" KWD)."""
    exponent = currency_exponent(currency)
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} amounts have at most {exponent} decimal places")
    return int(scaled)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """Minor units as a decimal amount in major units, with the currency's exponent (12990 EUR -> 129.90)."""
    exponent = currency_exponent(currency)
    return Decimal(amount_minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def percent_to_ppm(percent: Decimal) -> int:
    """A percentage (20, 8.875) as parts per million; at most four decimal places."""
    scaled = percent * 10_000
    if scaled != scaled.to_integral_value():
        raise ValueError("percentages have at most four decimal places")
    return int(scaled)


def ppm_to_percent(ppm: int) -> Decimal:
    """Parts per million as a plain percentage: 200000 -> 20, 88750 -> 8.875 (never in exponent notation)."""
    value = Decimal(ppm) / 10_000
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
