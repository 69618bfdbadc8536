"""The local stack's time: the system's, or a manual time that tests move forward without sleeping.

A manual clock moves only through `set`/`advance`, and on its way it stops at every instant a driver (the
local runtime) says something is due, so each schedule fires once per occurrence, in order, and the code it
runs reads the occurrence's time from the clock. The clock is callable, so it is a `clienteling.clock.Clock`.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Driver(Protocol):
    """Something that runs work at instants of the clock's time (the local runtime)."""

    def next_due(self, after: datetime) -> datetime | None:
        """When the earliest pending work is due (possibly at or before `after`); None if nothing is pending."""

    def run_due(self, now: datetime) -> None:
        """Run everything due at or before `now`; afterwards nothing may be due at `now` any more."""


class Clock:
    """Aware UTC time. `Clock()` follows the system; `Clock.manual(start)` moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("a manual clock starts at an aware datetime")
        self._now = start.astimezone(UTC) if start is not None else None
        self._drivers: list[Driver] = []
        self._moving = threading.RLock()

    @classmethod
    def manual(cls, start: datetime) -> Clock:
        return cls(start)

    @property
    def is_manual(self) -> bool:
        return self._now is not None

    def now(self) -> datetime:
        return self._now if self._now is not None else datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now()

    def attach(self, driver: Driver) -> None:
        self._drivers.append(driver)

    def detach(self, driver: Driver) -> None:
        if driver in self._drivers:
            self._drivers.remove(driver)

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)

    def set(self, instant: datetime) -> None:
        """Move a manual clock to `instant`, stopping at each due instant on the way to run what is due."""
        if self._now is None:
            raise RuntimeError("the system clock cannot be moved")
        if instant.tzinfo is None:
            raise ValueError("set the clock to an aware datetime")
        target = instant.astimezone(UTC)
        if target < self._now:
            raise ValueError(f"time does not go back: {target.isoformat()} < {self._now.isoformat()}")
        with self._moving:
            now = self._now
            while (due := self._next_due(now)) is not None and due <= target:
                now = self._now = max(now, due)
                for driver in list(self._drivers):
                    driver.run_due(now)
                left = self._next_due(now)
                if left is not None and left <= now:
                    raise RuntimeError(f"a driver left work due at {left.isoformat()} after running it")
            self._now = target
            for driver in list(self._drivers):
                driver.run_due(target)

    def _next_due(self, now: datetime) -> datetime | None:
        instants = [due for driver in list(self._drivers) if (due := driver.next_due(now)) is not None]
        return min(instants, default=None)
