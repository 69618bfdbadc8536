"""The unit of work: the writes of one use case, committed all together or not at all.

A service states what it changes: repositories prepare conditional operations (`Op`, each naming the domain error
its condition failing means) and the service adds them, with the events the change publishes (written to the
outbox in the same transaction, so an event exists if and only if its change was committed). `commit` runs the one
TransactWriteItems and turns a failed condition into that domain error (kernel.transactions does the mapping).
Services never touch the table and never build keys.

    with self._work() as work:             # committed on leaving the block, unless it raised
        work.add(carts.share_op(cart, link), carts.page_op(cart, token=token))
        work.emit(CartShared(...))          # detail-type: the event's class name

`retry_race` is the loop a use case runs when it lost a race (a concurrent write changed what it read): read
again and try again, a few times (waiting a little in between when given a `backoff`, such as `jitter`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from clienteling.kernel import outbox, transactions
from clienteling.kernel.errors import Conflict
from clienteling.kernel.events import detail_type
from clienteling.kernel.transactions import Op

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

T = TypeVar("T")


class Event(Protocol):
    """What the outbox needs of an event: a pydantic detail that says when it happened."""

    occurred_at: datetime

    def model_dump_json(self, *, by_alias: bool | None = None) -> str: ...


class UnitOfWork:
    def __init__(self, table: Table) -> None:
        self._table = table
        self._ops: list[Op] = []
        self._done = False

    @property
    def ops(self) -> list[Op]:
        return list(self._ops)

    def add(self, *ops: Op | None) -> Self:
        """Operations to run together; None stands for "nothing to write here" and is skipped."""
        self._ops += [op for op in ops if op is not None]
        return self

    def extend(self, ops: Iterable[Op | None]) -> Self:
        return self.add(*ops)

    def emit(self, event: Event) -> Self:
        """Publish `event` if and only if this unit commits (an outbox item; its detail-type is the class name)."""
        self._ops.append(outbox.event_op(self._table, detail_type(event), event, now=event.occurred_at))  # type: ignore[arg-type]
        return self

    def commit(self) -> None:
        """Run everything as one transaction. A failed condition raises the error its operation named (the first
        one that failed); a clash with a concurrent transaction raises TransactionClash (nothing was written)."""
        self._done = True
        if self._ops:
            transactions.transact(self._table, self._ops)

    def attempt(self) -> list[dict[str, Any]] | None:
        """Run everything as one transaction; None when it committed, else DynamoDB's cancellation reasons (one per
        operation, with the item of a failed condition when the operation asked for it), for use cases that decide
        per operation what a failure means."""
        self._done = True
        return transactions.attempt(self._table, self._ops) if self._ops else None

    def failed_conditions(self) -> list[int] | None:
        """Run everything as one transaction; None when it committed, else the indexes of the operations whose
        condition failed (empty when it lost to a concurrent transaction: retry it)."""
        self._done = True
        return transactions.failed_conditions(self._table, self._ops) if self._ops else None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None and not self._done:
            self.commit()


StartWork = Callable[[], UnitOfWork]


def jitter(_attempt: int = 0) -> float:
    """5 to 30 ms at random: racing writers that all wait the same time would race again."""
    return random.uniform(0.005, 0.03)  # noqa: S311 - jitter, not security


def retry_race(
    attempt: Callable[[], T],
    *,
    attempts: int = 3,
    on: tuple[type[Exception], ...] = (transactions.TransactionClash,),
    exhausted: Callable[[], Exception] | None = None,
    backoff: Callable[[int], float] | None = None,
) -> T:
    """Run `attempt` (which reads, decides and commits) again while it loses a race, `attempts` times at most;
    then raise `exhausted()` (by default a 409 asking the caller to retry). With a `backoff`, wait `backoff(n)`
    seconds after the n-th lost race (from 0) before trying again; never after the last one."""
    last: Exception | None = None
    for number in range(attempts):
        try:
            return attempt()
        except on as error:
            last = error
            if backoff is not None and number < attempts - 1:
                time.sleep(backoff(number))
    raise (exhausted() if exhausted else Conflict("This keeps changing at the same time; retry.")) from last
