"""Money and cart totals: integers in minor units, the currency's exponent, half-up rounding per line, exact
shares of cart discounts, inclusive and exclusive tax. Hypothesis checks the invariants."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from clienteling.commerce.domain import carts
from clienteling.commerce.domain.carts import (
    Cart,
    CartLine,
    Discount,
    DiscountKind,
    Fulfillment,
    ShippingChoice,
    TaxMode,
)
from clienteling.kernel import money
from hypothesis import given, settings
from hypothesis import strategies as st

NOW = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)


def line(  # noqa: PLR0917 - a compact line builder for tables of cases
    price: int, quantity: int = 1, rate: int = 200_000, discount: Discount | None = None, n: int = 0,
    fulfillment: Fulfillment = Fulfillment.IN_STORE,
) -> CartLine:  # fmt: skip
    return CartLine(
        id=f"L{n}",
        sku=f"SKU{n}",
        name=f"Product {n}",
        quantity=quantity,
        unit_price_minor=price,
        tax_category="standard",
        tax_rate_ppm=rate,
        fulfillment=fulfillment,
        discount=discount,
    )


def cart(*lines: CartLine, currency: str = "EUR", mode: TaxMode = TaxMode.INCLUSIVE, discount: Discount | None = None,
         shipping: ShippingChoice | None = None) -> Cart:  # fmt: skip
    return Cart(
        id="S_C",
        store_id="S",
        customer_id="C",
        currency=currency,
        tax_mode=mode,
        version=1,
        lifetime="L",
        expires_at=NOW,
        updated_at=NOW,
        lines=tuple(lines),
        discount=discount,
        shipping=shipping,
    )


def pct(percent: str, reason: str = "r") -> Discount:
    return Discount(DiscountKind.PERCENT, money.percent_to_ppm(Decimal(percent)), reason, "a")


def amount(minor: int) -> Discount:
    return Discount(DiscountKind.AMOUNT, minor, "r", "a")


# ---------------------------------------------------------------------------------------------------- money
def test_round_half_up() -> None:
    assert [money.round_half_up(Fraction(n, 2)) for n in range(6)] == [0, 1, 1, 2, 2, 3]
    assert money.round_half_up(Fraction(149, 100)) == 1


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("129.90", "EUR", 12990), ("1500", "JPY", 1500), ("12.345", "KWD", 12345), ("0.5", "USD", 50)],
)
def test_major_units_use_the_currency_exponent(text: str, currency: str, minor: int) -> None:
    assert money.to_minor(Decimal(text), currency) == minor
    assert money.from_minor(minor, currency) == Decimal(text)


@pytest.mark.parametrize(("text", "currency"), [("12.5", "JPY"), ("1.2345", "KWD"), ("0.001", "EUR")])
def test_more_decimals_than_the_currency_has_are_refused(text: str, currency: str) -> None:
    with pytest.raises(ValueError, match="decimal places"):
        money.to_minor(Decimal(text), currency)


def test_percent_to_ppm_and_back() -> None:
    assert money.percent_to_ppm(Decimal("8.875")) == 88_750
    assert str(money.ppm_to_percent(200_000)) == "20"
    assert str(money.ppm_to_percent(88_750)) == "8.875"


def test_allocate_by_largest_remainder() -> None:
    assert money.allocate(2000, [35100, 65000]) == [701, 1299]
    assert money.allocate(10, [1, 1, 1]) == [4, 3, 3]  # ties go to the earlier line
    assert money.allocate(0, [5, 5]) == [0, 0]


@given(
    st.integers(min_value=0, max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=20).filter(lambda w: sum(w) > 0),
)
def test_allocate_is_exact_and_proportional(total: int, weights: list[int]) -> None:
    shares = money.allocate(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share - Fraction(total * weight, sum(weights))) < 1  # never more than a unit off the exact share
        if total <= sum(weights):
            assert share <= weight


# ---------------------------------------------------------------------------------------------------- totals
def test_inclusive_vat_is_contained_in_each_line_and_rounded_per_line() -> None:
    # 3 x 9.99 EUR at 20 % VAT: 29.97 contains 4.995 -> 5.00 (half up)
    totals = carts.price(cart(line(999, 3)))
    assert (totals.total_minor, totals.tax_minor) == (2997, 500)


def test_exclusive_tax_is_added_per_line() -> None:
    # New York, 8.875 %: 19.99 + 1.774... -> 1.77; 5.00 + 0.44375 -> 0.44
    totals = carts.price(cart(line(1999, rate=88_750), line(500, rate=88_750, n=1), currency="USD",
                              mode=TaxMode.EXCLUSIVE))  # fmt: skip
    assert [p.tax_minor for p in totals.lines] == [177, 44]
    assert totals.total_minor == 1999 + 177 + 500 + 44


def test_yen_has_no_minor_digits_and_rounds_to_whole_yen() -> None:
    # 10 % consumption tax, inclusive: 1,500 JPY contains 136.36... -> 136
    totals = carts.price(cart(line(1500, rate=100_000), currency="JPY"))
    assert (totals.total_minor, totals.tax_minor) == (1500, 136)


def test_dinar_has_three_minor_digits() -> None:
    # 12.345 KWD x 2, 15 % off -> 24.690 - 3.7035 -> 3.704 off (half up), no tax
    totals = carts.price(cart(line(12345, 2, rate=0, discount=pct("15")), currency="KWD", mode=TaxMode.EXCLUSIVE))
    assert totals.line_discounts_minor == 3704
    assert totals.total_minor == 24690 - 3704


def test_cart_discount_is_shared_exactly_and_shipping_is_not_discounted() -> None:
    shipping = ShippingChoice("colissimo", "Colissimo", 990, "standard", 200_000)
    totals = carts.price(
        cart(
            line(39000, discount=pct("10")),
            line(65000, n=1, fulfillment=Fulfillment.SHIP),
            discount=amount(2000),
            shipping=shipping,
        )
    )
    assert [(p.line_discount_minor, p.cart_discount_minor, p.total_minor) for p in totals.lines] == [
        (3900, 0 + 701, 34399),
        (0, 1299, 63701),
    ]
    assert totals.shipping_total_minor == 990
    assert totals.total_minor == 99090
    assert totals.tax_minor == 5733 + 10617 + 165


def test_shipping_is_only_charged_when_a_line_ships() -> None:
    shipping = ShippingChoice("colissimo", "Colissimo", 990, "standard", 200_000)
    assert carts.price(cart(line(1000), shipping=shipping)).shipping_minor == 0


def test_discounts_never_exceed_the_goods() -> None:
    totals = carts.price(cart(line(500, discount=amount(800)), discount=pct("100")))
    assert totals.total_minor == 0
    assert totals.discount_minor == 500


def test_deepest_discount_combines_line_and_cart_discounts() -> None:
    assert carts.deepest_discount(cart(line(1000, discount=pct("15")), discount=pct("10"))) == Fraction(235, 1000)
    assert carts.deepest_discount(cart(line(1000), line(4000, n=1), discount=amount(500))) == Fraction(1, 10)


discounts = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=1_000_000).map(lambda ppm: Discount(DiscountKind.PERCENT, ppm, "r", "a")),
    st.integers(min_value=1, max_value=10**6).map(amount),
)
lines_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=1, max_value=99),
        st.sampled_from([0, 55_000, 88_750, 100_000, 200_000, 210_000]),
        discounts,
        st.sampled_from(list(Fulfillment)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    lines_strategy,
    discounts,
    st.sampled_from(list(TaxMode)),
    st.sampled_from(["EUR", "JPY", "KWD", "USD"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
)
def test_totals_invariants(raw_lines, cart_discount, mode, currency, shipping_price) -> None:
    shipping = ShippingChoice("o", "O", shipping_price, "standard", 200_000) if shipping_price is not None else None
    subject = cart(
        *(line(p, q, r, d, n, f) for n, (p, q, r, d, f) in enumerate(raw_lines)),
        currency=currency,
        mode=mode,
        discount=cart_discount,
        shipping=shipping,
    )
    totals = carts.price(subject)
    # Every amount is a non-negative integer of minor units
    for p in totals.lines:
        assert all(isinstance(v, int) and v >= 0 for v in (p.gross_minor, p.line_discount_minor, p.cart_discount_minor,
                                                              p.net_minor, p.tax_minor, p.total_minor))  # fmt: skip
        assert p.line_discount_minor + p.cart_discount_minor <= p.gross_minor
    # Lines add up to the total, to the unit
    assert sum(p.total_minor for p in totals.lines) + totals.shipping_total_minor == totals.total_minor
    assert sum(p.cart_discount_minor for p in totals.lines) == totals.cart_discount_minor
    added_tax = 0 if mode == TaxMode.INCLUSIVE else totals.tax_minor
    assert totals.total_minor == (totals.subtotal_minor - totals.discount_minor + totals.shipping_minor + added_tax)
    assert sum(t.tax_minor for t in totals.taxes) == totals.tax_minor
    # Each line's tax is its exact tax rounded half up: never more than half a unit off
    for p, item in zip(totals.lines, subject.lines, strict=True):
        rate = Fraction(item.tax_rate_ppm, money.PPM)
        exact = p.net_minor * rate / (1 + rate) if mode == TaxMode.INCLUSIVE else p.net_minor * rate
        assert abs(p.tax_minor - exact) <= Fraction(1, 2)
