"""The in-memory unit of work keeps the promises of the real one (kernel.unit_of_work over kernel.transactions), so
the fast tier's verdicts mean what they would on DynamoDB: all or nothing, the first failed condition's own error,
one write per item, events only with their change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from clienteling.directory.events import CustomerCreated
from clienteling.kernel.errors import Conflict
from clienteling.kernel.transactions import ConditionFailed, Op

from tests.fakes.storage import InMemoryTransactions, fake_op


class Taken(Conflict):
    code = "taken"


def _claims(state: dict[str, str], name: str, *, error: Conflict | None = None, returning: bool = False) -> Op:
    """An op that claims `name` if nobody has (as a uniqueness marker is put); `returning`: a failed claim returns
    the claim as it stands (ReturnValuesOnConditionCheckFailure ALL_OLD)."""

    def claim() -> None:
        state[name] = "claimed"

    def held() -> dict[str, Any] | None:
        return {"PK": f"CLAIM#{name}", "by": state[name], "tries": 2} if name in state else None

    return fake_op({"PK": f"CLAIM#{name}", "SK": "CLAIM"}, "claim", apply=claim,
                   condition=lambda: name not in state, error=error,
                   returns=held if returning else lambda: None)  # fmt: skip


def test_a_failed_condition_writes_nothing_and_raises_the_error_its_operation_named(
    transactions: InMemoryTransactions,
) -> None:
    # Given "b" is taken
    state = {"b": "earlier"}
    at = datetime(2030, 1, 1, tzinfo=UTC)

    # When a unit claims "a" then "b", and publishes an event
    work = transactions.start().add(_claims(state, "a"), _claims(state, "b", error=Taken()))
    work.emit(CustomerCreated(customer_id="c", home_store_id="s", occurred_at=at))
    with pytest.raises(Taken):
        work.commit()

    # Then nothing was written, nothing published, nothing committed
    assert (state, transactions.events, transactions.commits) == ({"b": "earlier"}, [], 0)


def test_a_condition_without_an_error_of_its_own_is_condition_failed(transactions: InMemoryTransactions) -> None:
    # Given "a" is taken
    state = {"a": "earlier"}

    # When a unit claims it without naming what that means
    # Then the unit raises ConditionFailed, as kernel.transactions does
    with pytest.raises(ConditionFailed), transactions.start() as work:
        work.add(_claims(state, "a"))


def test_one_transaction_cannot_write_one_item_twice(transactions: InMemoryTransactions) -> None:
    # Given two operations on the same item
    state: dict[str, str] = {}

    # When they are committed together
    # Then the unit is refused, as DynamoDB refuses it, and nothing is written
    with pytest.raises(ValueError, match="twice"), transactions.start() as work:
        work.add(_claims(state, "a"), _claims(state, "a"))
    assert state == {}


def test_events_are_published_when_their_change_commits(transactions: InMemoryTransactions) -> None:
    # Given a unit that claims "a" and publishes that a customer was created
    state: dict[str, str] = {}
    event = CustomerCreated(customer_id="c", home_store_id="s", occurred_at=datetime(2030, 1, 1, tzinfo=UTC))

    # When it leaves its block without an error
    with transactions.start() as work:
        work.add(_claims(state, "a"))
        work.emit(event)

    # Then the change is written and the event published, once
    assert (state, transactions.published(CustomerCreated), transactions.commits) == ({"a": "claimed"}, [event], 1)


def test_attempt_answers_one_cancellation_reason_per_operation_as_dynamodb_does(
    transactions: InMemoryTransactions,
) -> None:
    # Given "b" is taken
    state = {"b": "earlier"}

    # When a unit claims "a" then "b" (asking for the item when its condition fails), and is attempted
    work = transactions.start().add(_claims(state, "a"), _claims(state, "b", returning=True))
    reasons = work.attempt()

    # Then nothing is written, and the reasons say, by position, which condition failed, with the item as it stood
    # in DynamoDB's attribute-value form (what kernel.transactions.attempt hands back)
    assert reasons == [
        {"Code": "None"},
        {
            "Code": "ConditionalCheckFailed",
            "Message": "The conditional request failed",
            "Item": {"PK": {"S": "CLAIM#b"}, "by": {"S": "earlier"}, "tries": {"N": "2"}},
        },
    ]
    assert (state, transactions.commits) == ({"b": "earlier"}, 0)


def test_failed_conditions_are_the_positions_of_the_failed_operations(transactions: InMemoryTransactions) -> None:
    # Given "a" and "c" are taken
    state = {"a": "earlier", "c": "earlier"}

    # When units are attempted for their failed conditions
    failed = transactions.start().add(_claims(state, "a"), _claims(state, "b"), _claims(state, "c"))

    # Then every failed condition is named, nothing is written; a unit that holds commits (None), as does one with
    # nothing to write
    assert failed.failed_conditions() == [0, 2]
    assert "b" not in state
    assert transactions.start().add(_claims(state, "b")).failed_conditions() is None
    assert transactions.start().failed_conditions() is None
    assert (state["b"], transactions.commits) == ("claimed", 1)
