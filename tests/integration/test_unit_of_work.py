"""The unit of work against DynamoDB Local: one transaction for a use case's operations and events, failed
conditions as the domain errors the operations named, nothing written when anything fails, and the race loop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from clienteling import resources
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import AlreadyExists, Conflict
from clienteling.kernel.ids import new_id
from clienteling.kernel.unit_of_work import UnitOfWork, retry_race
from clienteling.messaging.events import ConversationStatusChanged

NOW = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)


def _item(pk: str) -> dict[str, Any]:
    return {"PK": pk, "SK": "UOW", "entity": "uow_test"}


def _put_new(table, pk: str, error: Exception | None = None) -> transactions.Op:
    return transactions.put(table, _item(pk), condition="attribute_not_exists(PK)", error=error)  # type: ignore[arg-type]


def _exists(table, pk: str) -> bool:
    return "Item" in table.get_item(Key={"PK": pk, "SK": "UOW"}, ConsistentRead=True)


def _event(conversation_id: str) -> ConversationStatusChanged:
    return ConversationStatusChanged(
        conversation_id=conversation_id, store_id="s", status="closed", previous="open", occurred_at=NOW
    )


def test_operations_and_events_commit_together_with_the_event_class_as_detail_type() -> None:
    # Given a unit with two items and an event
    table = resources.table()
    first, second, conversation = f"UOW#{new_id()}", f"UOW#{new_id()}", new_id()
    with UnitOfWork(table) as work:
        work.add(_put_new(table, first), None, _put_new(table, second))
        work.emit(_event(conversation))

    # Then both items and one outbox item exist, named after the event's class, at the event's time
    assert _exists(table, first)
    assert _exists(table, second)
    outbox = [op for op in work.ops if op.request["Put"]["Item"].get("entity") == "outbox"]
    assert len(outbox) == 1
    (stored,) = [table.get_item(Key=keys.outbox(op.request["Put"]["Item"]["event_id"]))["Item"] for op in outbox]
    assert stored["detail_type"] == "ConversationStatusChanged"
    assert stored["occurred_at"] == "2030-03-12T09:00:00.000000Z"
    assert conversation in str(stored["detail"])


def test_a_failed_condition_raises_its_own_error_and_writes_nothing() -> None:
    # Given an item that exists already
    table = resources.table()
    taken, fresh = f"UOW#{new_id()}", f"UOW#{new_id()}"
    table.put_item(Item=_item(taken))

    # When a unit puts a fresh item and claims the taken one, naming the error that means
    work = UnitOfWork(table).add(_put_new(table, fresh), _put_new(table, taken, AlreadyExists("taken")))
    work.emit(_event(new_id()))
    with pytest.raises(AlreadyExists):
        work.commit()

    # Then nothing of it was written
    assert not _exists(table, fresh)


def test_a_block_that_raises_commits_nothing() -> None:
    table = resources.table()
    pk = f"UOW#{new_id()}"

    def use_case() -> None:
        with UnitOfWork(table) as work:
            work.add(_put_new(table, pk))
            raise RuntimeError("the use case changed its mind")

    with pytest.raises(RuntimeError):
        use_case()
    assert not _exists(table, pk)


def test_attempt_reports_which_operation_failed() -> None:
    table = resources.table()
    taken = f"UOW#{new_id()}"
    table.put_item(Item=_item(taken))
    work = UnitOfWork(table).add(_put_new(table, f"UOW#{new_id()}"), _put_new(table, taken))
    reasons = work.attempt()
    assert reasons is not None
    assert [r.get("Code") for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert UnitOfWork(table).failed_conditions() is None  # nothing to write is a success


def test_retry_race_reads_again_until_it_wins_and_says_so_when_it_cannot() -> None:
    # Given a counter that two writers bump from what they read (a version condition)
    table = resources.table()
    pk = f"UOW#{new_id()}"
    table.put_item(Item={**_item(pk), "n": 0})

    def bump() -> None:
        def attempt() -> None:
            n = int(table.get_item(Key={"PK": pk, "SK": "UOW"}, ConsistentRead=True)["Item"]["n"])  # type: ignore[arg-type]
            with UnitOfWork(table) as work:
                work.add(
                    transactions.update(
                        table,
                        {"PK": pk, "SK": "UOW"},
                        "SET n = :next",
                        condition="n = :read",
                        values={":read": n, ":next": n + 1},
                        error=Conflict("changed"),
                    )
                )

        retry_race(attempt, attempts=20, on=(Conflict,))

    # When eight of them run at once
    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every bump counted once
    assert table.get_item(Key={"PK": pk, "SK": "UOW"}, ConsistentRead=True)["Item"]["n"] == 8

    # And a race that never ends is a 409 after the attempts
    def always_lost() -> None:
        raise transactions.TransactionClash("lost")

    with pytest.raises(Conflict, match="keeps changing"):
        retry_race(always_lost, attempts=2)
