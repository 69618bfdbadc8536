"""The local stack's time: the system's, a manual time that tests move forward without sleeping, or the
system's time shifted forward on request (`make dev`'s `/_local/clock`, and the test session's stack).

A manual clock moves only through `set`/`advance`, and on its way it stops at every instant a driver (the
local runtime) says something is due, so each schedule fires once per occurrence, in order, and the code it
runs reads the occurrence's time from the clock. A shifted clock follows the system clock plus an offset that
`set`/`advance` increase the same way. The clock is callable, so it is a `clienteling.clock.Clock`.

`elapse` is time a handler spends waiting (a sender pacing its texts): it moves a manual or shifted clock
forward without stopping at due instants, as real time would pass while a Lambda sleeps; whatever fell due
meanwhile runs on the runtime's next poll.
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
    """Aware UTC time. `Clock()` follows the system; `Clock.manual(start)` moves only when told to;
    `Clock.shifted()` follows the system and can be moved forward."""

    def __init__(self, start: datetime | None = None, *, movable: bool = False) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("a manual clock starts at an aware datetime")
        self._now = start.astimezone(UTC) if start is not None else None
        self._offset: timedelta | None = timedelta(0) if movable and start is None else None
        self._drivers: list[Driver] = []
        self._moving = threading.RLock()

    @classmethod
    def manual(cls, start: datetime) -> Clock:
        return cls(start)

    @classmethod
    def shifted(cls) -> Clock:
        """System time plus an offset that only grows: time flows, and can jump ahead."""
        return cls(movable=True)

    @property
    def is_manual(self) -> bool:
        return self._now is not None

    @property
    def is_movable(self) -> bool:
        return self._now is not None or self._offset is not None

    def now(self) -> datetime:
        if self._now is not None:
            return self._now
        return datetime.now(UTC) + (self._offset or timedelta(0))

    def _move_to(self, instant: datetime) -> None:
        if self._now is not None:
            self._now = instant
        else:
            self._offset = (self._offset or timedelta(0)) + (instant - self.now())

    def elapse(self, delta: timedelta) -> None:
        """Time spent waiting inside a handler: the clock moves on without running what falls due meanwhile."""
        if not self.is_movable:
            raise RuntimeError("the system clock cannot be moved")
        if delta < timedelta(0):
            raise ValueError("time does not go back")
        with self._moving:
            self._move_to(self.now() + delta)

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
        """Move a manual or shifted clock to `instant`, stopping at each due instant on the way to run what is due."""
        if not self.is_movable:
            raise RuntimeError("the system clock cannot be moved")
        if instant.tzinfo is None:
            raise ValueError("set the clock to an aware datetime")
        target = instant.astimezone(UTC)
        if target < self.now():
            raise ValueError(f"time does not go back: {target.isoformat()} < {self.now().isoformat()}")
        with self._moving:
            now = self.now()
            while (due := self._next_due(now)) is not None and due <= target:
                now = max(self.now(), due)
                self._move_to(now)
                for driver in list(self._drivers):
                    driver.run_due(now)
                left = self._next_due(now)
                if left is not None and left <= now and self._now is not None:
                    raise RuntimeError(f"a driver left work due at {left.isoformat()} after running it")
            self._move_to(max(target, self.now()))
            for driver in list(self._drivers):
                driver.run_due(target)

    def _next_due(self, now: datetime) -> datetime | None:
        instants = [due for driver in list(self._drivers) if (due := driver.next_due(now)) is not None]
        return min(instants, default=None)
