"""Unsubscribe links are signed: they name a customer and a campaign and cannot be edited to name another."""

from __future__ import annotations

import pytest
from clienteling.campaigns.domain import unsubscribe

KEY = b"k" * 32


def test_a_signed_token_verifies_to_its_customer_and_campaign() -> None:
    token = unsubscribe.sign(KEY, "01CUSTOMER", "01CAMPAIGN")
    assert unsubscribe.verify(KEY, token) == unsubscribe.Unsubscribe("01CUSTOMER", "01CAMPAIGN")
    assert "=" not in token
    assert "/" not in token
    assert "+" not in token


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: unsubscribe.sign(KEY, "01OTHER", "01CAMPAIGN").split(".")[0] + "." + t.split(".")[1],
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(".", ""),
        lambda t: "not-a-token",
        lambda t: t + ".x",
    ],
)
def test_an_edited_or_foreign_token_is_refused(mangle) -> None:
    token = unsubscribe.sign(KEY, "01CUSTOMER", "01CAMPAIGN")
    with pytest.raises(unsubscribe.InvalidToken):
        unsubscribe.verify(KEY, mangle(token))
    with pytest.raises(unsubscribe.InvalidToken):
        unsubscribe.verify(b"another key", token)


def test_test_sends_carry_a_link_that_changes_nothing() -> None:
    assert unsubscribe.verify(KEY, unsubscribe.sign(KEY, unsubscribe.TEST_CUSTOMER, "01CAMPAIGN")).is_test
