"""Phone numbers: any format in, E.164 out; invalid numbers and fixed lines are refused for texting."""

from __future__ import annotations

import pytest
from clienteling.kernel.phone import InvalidPhoneNumber, region_of, to_e164, to_e164_mobile


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "US", "+33612345678"),
        ("0033612345678", "US", "+33612345678"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
        ("+1 415 555 2671", "FR", "+14155552671"),
    ],
)
def test_to_e164(raw: str, region: str, e164: str) -> None:
    assert to_e164(raw, region) == e164


@pytest.mark.parametrize("raw", ["12", "hello", "+33 6 12", "06 12 34 56 78 90 12"])
def test_invalid_numbers(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        to_e164(raw, "FR")


def test_fixed_lines_cannot_receive_texts() -> None:
    with pytest.raises(InvalidPhoneNumber):
        to_e164_mobile("01 42 68 53 00", "FR")


def test_region_of() -> None:
    assert region_of("+33612345678") == "FR"
    assert region_of("+14155552671") == "US"
