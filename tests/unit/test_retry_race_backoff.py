"""retry_race's backoff: a wait between attempts that lost a race, never after the last one."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from clienteling.kernel.errors import Conflict
from clienteling.kernel.transactions import TransactionClash
from clienteling.kernel.unit_of_work import jitter, retry_race


class _Lost(Conflict):
    pass


def _losing(times: int, calls: list[int]) -> Callable[[], str]:
    def attempt() -> str:
        calls.append(len(calls))
        if len(calls) <= times:
            raise TransactionClash("clash")
        return "done"

    return attempt


def test_waits_backoff_of_each_lost_attempt_before_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    calls: list[int] = []
    result = retry_race(_losing(2, calls), attempts=3, backoff=lambda n: 0.01 * (n + 1))
    assert result == "done"
    assert waits == [0.01, 0.02]


def test_no_wait_after_the_last_attempt_and_no_wait_without_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    with pytest.raises(_Lost):
        retry_race(_losing(5, []), attempts=3, backoff=jitter, exhausted=_Lost)
    assert len(waits) == 2
    assert all(0.005 <= w <= 0.03 for w in waits)
    waits.clear()
    with pytest.raises(Conflict):
        retry_race(_losing(5, []), attempts=3)
    assert waits == []
