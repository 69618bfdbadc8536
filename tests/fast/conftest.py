"""The fast tier: services' business rules over in-memory fakes (tests/fakes), in milliseconds, without Java.

Sockets-free by construction: every test here runs with socket connections refused (any attempt fails the test,
even if the code under test swallowed the error), and the local stack cannot be asked for (its fixture fails here).
Storage, races and the HTTP walk are tested on DynamoDB Local (tests/integration, tests/e2e).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes.clock import ManualClock
from tests.fakes.storage import InMemoryTransactions


class SocketBlocked(RuntimeError):
    """A fast test tried to reach the network."""


@dataclass
class SocketGuard:
    attempts: list[Any] = field(default_factory=list)


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[SocketGuard]:
    """Refuse every connection (TCP, UDP, Unix) for the whole test, and fail the test if anything tried."""
    guard = SocketGuard()

    def refuse(_socket: socket.socket, address: Any, *_: Any) -> Any:
        guard.attempts.append(address)
        raise SocketBlocked(f"the fast tier opens no socket (tried {address!r})")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket.socket, "sendto", lambda s, data, *rest: refuse(s, rest[-1]))
    yield guard
    if guard.attempts:
        pytest.fail(f"the fast tier opens no socket; this test tried {guard.attempts}")


@pytest.fixture
def local_stack() -> None:
    """Shadows the session's local stack (tests/conftest.py) for this tier, and every fixture built on it."""
    pytest.fail("the fast tier runs without the local stack: use the fakes (tests/fakes)")


@pytest.fixture
def clock() -> ManualClock:
    """Tuesday 12 March 2030, 09:00 UTC (10:00 in Paris)."""
    return ManualClock(datetime(2030, 3, 12, 9, 0, tzinfo=UTC))


@pytest.fixture
def transactions() -> InMemoryTransactions:
    return InMemoryTransactions()
