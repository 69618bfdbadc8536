"""The unit of work in memory: fake repositories' operations committed all together or not at all, with the
events they publish.

A fake repository's `*_op` method returns a kernel `Op` whose request is `{"Fake": FakeWrite(...)}`: the item it
writes (its real key, from kernel.keys), what the write is in domain words, the condition it needs and what it
changes, and as `on_condition_failed` the same domain error the real repository names. `InMemoryTransactions.run`
does what `kernel.transactions.transact` does with DynamoDB: it refuses a transaction that writes one item twice
or holds more than 100 items, checks every condition against the state before the transaction, raises the error of
the first operation (in order) whose condition fails, and only then applies every write.

An emitted event is an operation too (the outbox item, as `UnitOfWork.emit` makes it): it counts in the 100 and is
published, in `InMemoryTransactions.events`, if and only if its transaction commits.

`InMemoryTransactions.attempt` is `kernel.transactions.attempt`, for use cases that decide per operation what a
failure means (the campaign sender): the same refusals, then None when the transaction committed, else DynamoDB's
cancellation reasons, one per operation and in their order, `{"Code": "None"}` for an operation whose condition held
and `{"Code": "ConditionalCheckFailed", "Message": ...}` for each whose condition failed, with the item as it stood
("Item", in DynamoDB's low-level attribute-value form) when the real operation asks for it
(ReturnValuesOnConditionCheckFailure ALL_OLD: `fake_op(..., returns=...)`). Nothing is written then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from boto3.dynamodb.types import TypeSerializer
from clienteling.kernel import keys
from clienteling.kernel.errors import DomainError
from clienteling.kernel.events import detail_type
from clienteling.kernel.ids import new_id
from clienteling.kernel.transactions import ConditionFailed, Op
from clienteling.kernel.unit_of_work import Event, UnitOfWork

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit
CONDITION_FAILED = "The conditional request failed"  # DynamoDB's message in a cancellation reason

E = TypeVar("E")


def _always() -> bool:
    return True


def _nothing() -> Mapping[str, Any] | None:
    return None


@dataclass(frozen=True, slots=True)
class FakeWrite:
    """One write of a fake repository: which item, what it is, the condition it needs, what it changes."""

    item: tuple[str, str]  # the real (PK, SK): a transaction writing one item twice is refused, as DynamoDB does
    kind: str  # e.g. "message_put", "account_update": what the write is, for a reader of a failing test
    apply: Callable[[], None]
    condition: Callable[[], bool] = _always  # read at commit, against the state before the transaction
    subject: Any = None  # the domain value written, when there is one
    returns: Callable[[], Mapping[str, Any] | None] = _nothing  # the item a failed condition returns (ALL_OLD)


def fake_op(
    key: Mapping[str, str],
    kind: str,
    *,
    apply: Callable[[], None],
    condition: Callable[[], bool] = _always,
    error: DomainError | None = None,
    subject: Any = None,
    returns: Callable[[], Mapping[str, Any] | None] = _nothing,
) -> Op:
    """An operation of a fake repository, naming the error its condition failing means (as the real one does).
    `returns`: the item as stored, plain values, when the real operation asks ReturnValuesOnConditionCheckFailure."""
    return Op({"Fake": FakeWrite((key["PK"], key["SK"]), kind, apply, condition, subject, returns)}, error)


def write_of(op: Op) -> FakeWrite:
    write = op.request.get("Fake")
    if not isinstance(write, FakeWrite):
        raise TypeError(f"not a fake repository's operation (a real repository reached the fast tier?): {op.request}")
    return write


def run(ops: Sequence[Op]) -> None:
    """Commit `ops` all together or not at all (see the module docstring). Fake repositories whose real method is a
    single conditional write outside any unit of work (CartRepository.save) use it directly."""
    writes = _writes(ops)
    for op, write in zip(ops, writes, strict=True):
        if not write.condition():
            raise op.on_condition_failed or ConditionFailed()
    for write in writes:
        write.apply()


def attempt(ops: Sequence[Op]) -> list[dict[str, Any]] | None:
    """Commit `ops` all together, or return DynamoDB's cancellation reasons (see the module docstring)."""
    writes = _writes(ops)
    held = [write.condition() for write in writes]  # every condition, against the state before the transaction
    if all(held):
        for write in writes:
            write.apply()
        return None
    return [{"Code": "None"} if ok else _condition_failed(write) for write, ok in zip(writes, held, strict=True)]


def _writes(ops: Sequence[Op]) -> list[FakeWrite]:
    """What DynamoDB refuses before looking at any condition (a ValidationException, not a cancellation)."""
    if len(ops) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"one transaction of {len(ops)} items: DynamoDB takes at most {MAX_TRANSACTION_ITEMS}")
    writes = [write_of(op) for op in ops]
    items = [write.item for write in writes]
    if len(set(items)) != len(items):
        duplicated = next(item for item in items if items.count(item) > 1)
        raise ValueError(f"one transaction writes {duplicated} twice: merge those operations")
    return writes


def _condition_failed(write: FakeWrite) -> dict[str, Any]:
    reason: dict[str, Any] = {"Code": "ConditionalCheckFailed", "Message": CONDITION_FAILED}
    item = write.returns()
    if item is not None:
        serializer = TypeSerializer()
        reason["Item"] = {name: serializer.serialize(value) for name, value in item.items()}
    return reason


class InMemoryTransactions:
    """What commits units of work in the fast tier, and what they published. `start` is a `StartWork`."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.commits = 0

    def start(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def commit(self, ops: Sequence[Op]) -> None:
        run(ops)
        self.commits += 1

    def attempt(self, ops: Sequence[Op]) -> list[dict[str, Any]] | None:
        reasons = attempt(ops)
        if reasons is None:
            self.commits += 1
        return reasons

    def published(self, kind: type[E]) -> list[E]:
        """The committed events of one type, in the order they were emitted."""
        return [event for event in self.events if isinstance(event, kind)]

    def publish(self, event: Event) -> None:
        self.events.append(event)


class FakeUnitOfWork(UnitOfWork):
    """kernel.unit_of_work.UnitOfWork over `InMemoryTransactions`: `add`, `extend`, `ops`, the context manager and
    the commit-on-exit are the real class's own; `commit`, `attempt` and `failed_conditions` run in memory."""

    def __init__(self, transactions: InMemoryTransactions) -> None:  # no table: not calling the real __init__
        self._transactions = transactions
        self._ops: list[Op] = []
        self._done = False

    def emit(self, event: Event) -> Self:
        """As UnitOfWork.emit: an outbox item in this unit, serialised now, published if and only if it commits."""
        event.model_dump_json(by_alias=True)  # what the outbox stores: a detail that cannot serialise fails here
        self._ops.append(
            fake_op(
                keys.outbox(new_id()),
                f"event:{detail_type(event)}",  # type: ignore[arg-type]
                apply=lambda: self._transactions.publish(event),
                subject=event,
            )
        )
        return self

    def commit(self) -> None:
        self._done = True
        if self._ops:
            self._transactions.commit(self._ops)

    def attempt(self) -> list[dict[str, Any]] | None:
        """As UnitOfWork.attempt: None when it committed, else the cancellation reasons, one per operation."""
        self._done = True
        return self._transactions.attempt(self._ops) if self._ops else None

    def failed_conditions(self) -> list[int] | None:
        """As UnitOfWork.failed_conditions: None when it committed, else the indexes of the failed conditions (never
        empty here: no concurrent transaction runs in memory)."""
        reasons = self.attempt()
        if reasons is None:
            return None
        return [index for index, reason in enumerate(reasons) if reason["Code"] == "ConditionalCheckFailed"]
