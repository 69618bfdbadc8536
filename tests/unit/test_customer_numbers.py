"""Customer numbers: ten digits with a Luhn check digit that catches any single mistyped digit."""

from __future__ import annotations

from clienteling.directory.domain import customer_numbers
from hypothesis import given
from hypothesis import strategies as st


def test_known_luhn_value() -> None:
    # The classic example: 7992739871 has check digit 3.
    assert customer_numbers.luhn_check_digit("7992739871") == "3"


def test_generated_numbers_are_valid_and_never_start_with_zero() -> None:
    for _ in range(500):
        number = customer_numbers.generate()
        assert customer_numbers.is_valid(number)
        assert number[0] != "0"


@given(st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_a_single_wrong_digit_is_caught(position: int, delta: int) -> None:
    number = customer_numbers.generate()
    wrong = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not customer_numbers.is_valid(wrong)


def test_scanner_input_is_normalised() -> None:
    assert customer_numbers.normalize(" 1234-5678 90\n") == "1234567890"
