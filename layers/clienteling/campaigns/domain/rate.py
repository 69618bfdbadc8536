"""Sending rate: a generic cell rate algorithm (GCRA) with reservations, as pure arithmetic.

A sender number (or the email account) may emit `rate` units per second: SMS segments for texts (a long code:
1 per second), emails for email. The shared state is one instant, `tat` (the theoretical arrival time of the
next unit): a message of k units may start at max(tat, now) and moves tat k/rate later. Starting every message
at its slot, never earlier, means that over any window of W seconds the units emitted are at most
rate x W + (k - 1), k being the last message's units: exactly rate x W for one-segment texts.

`plan` reserves consecutive slots for the messages of a batch as long as they start within `horizon` of now;
the sender waits for each slot before handing the message to the provider. Times are integer microseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MICROS = 1_000_000


@dataclass(frozen=True, slots=True)
class RatePlan:
    slots: tuple[int, ...]  # when each reserved message may start, in order; shorter than the batch when full
    tat: int  # the new theoretical arrival time after these reservations
    next_free: int  # when the first message that did not fit could start

    @property
    def count(self) -> int:
        return len(self.slots)


def unit_micros(rate: float) -> int:
    """Microseconds one unit occupies at `rate` units per second (rounded up: never faster than the rate)."""
    if rate <= 0:
        raise ValueError("the rate must be positive")
    return math.ceil(MICROS / rate)


def plan(tat: int | None, now: int, units: Sequence[int], *, rate: float, horizon: int) -> RatePlan:
    """Reserve slots for `units` (one entry per message, in order) starting no later than now + horizon."""
    step = unit_micros(rate)
    moment = max(tat or 0, now)
    slots: list[int] = []
    for size in units:
        if moment - now > horizon:
            break
        slots.append(moment)
        moment += max(1, size) * step
    return RatePlan(slots=tuple(slots), tat=moment, next_free=moment)


def max_window_units(sends: Sequence[tuple[int, int]], window: int) -> int:
    """The most units emitted within any half-open window [t, t + window) of `sends` (start, units): what the
    benchmark checks against rate x window."""
    ordered = sorted(sends)
    best = total = 0
    first = 0
    for start, size in ordered:
        total += size
        while ordered[first][0] <= start - window:
            total -= ordered[first][1]
            first += 1
        best = max(best, total)
    return best
