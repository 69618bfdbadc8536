"""The in-memory unit of work keeps the promises of the real one (kernel.unit_of_work over kernel.transactions), so
the fast tier's verdicts mean what they would on DynamoDB: all or nothing, the first failed condition's own error,
one write per item, events only with their change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from clienteling.directory.events import CustomerCreated
from clienteling.kernel.errors import Conflict
from clienteling.kernel.transactions import ConditionFailed, Op

from tests.fakes.storage import InMemoryTransactions, fake_op


class Taken(Conflict):
    code = "taken"


def _claims(state: dict[str, str], name: str, *, error: Conflict | None = None) -> Op:
    """An op that claims `name` if nobody has (as a uniqueness marker is put)."""

    def claim() -> None:
        state[name] = "claimed"

    return fake_op({"PK": f"CLAIM#{name}", "SK": "CLAIM"}, "claim", apply=claim,
                   condition=lambda: name not in state, error=error)  # fmt: skip


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
