"""The GCRA arithmetic behind the sender's rate, and the window measure the benchmark uses."""

from __future__ import annotations

from clienteling.campaigns.domain import rate
from hypothesis import given
from hypothesis import strategies as st

SECOND = rate.MICROS


def test_slots_are_spaced_by_units_over_rate_and_stop_at_the_horizon() -> None:
    # Given an idle sender at 1 unit/s, a 2-segment text then three 1-segment texts, a 2.5 s horizon
    planned = rate.plan(None, 100 * SECOND, [2, 1, 1, 1], rate=1.0, horizon=int(2.5 * SECOND))
    # Then the first starts now, the next 2 s later, the third at 3 s is beyond the horizon
    assert planned.slots == (100 * SECOND, 102 * SECOND)
    assert planned.tat == 103 * SECOND
    assert planned.next_free == 103 * SECOND


def test_a_busy_sender_starts_at_its_theoretical_arrival_time() -> None:
    planned = rate.plan(105 * SECOND, 100 * SECOND, [1, 1], rate=2.0, horizon=10 * SECOND)
    assert planned.slots == (105 * SECOND, int(105.5 * SECOND))
    assert rate.plan(200 * SECOND, 100 * SECOND, [1], rate=1.0, horizon=10 * SECOND).count == 0


def test_window_measure() -> None:
    sends = [(0, 1), (SECOND, 1), (2 * SECOND, 2), (11 * SECOND, 1)]
    assert rate.max_window_units(sends, 10 * SECOND) == 4
    assert rate.max_window_units(sends, 2 * SECOND) == 3


@given(
    st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=60),
    st.sampled_from([1.0, 2.0, 7.5, 225.0]),
    st.lists(st.integers(min_value=0, max_value=3 * SECOND), min_size=1, max_size=60),
)
def test_any_window_holds_at_most_rate_times_window_plus_the_last_messages_extra_units(
    units: list[int], per_second: float, gaps: list[int]
) -> None:
    # Given messages arriving one at a time at arbitrary moments, each sent at the slot it reserved
    tat: int | None = None
    now = 0
    sends: list[tuple[int, int]] = []
    for index, size in enumerate(units):
        now += gaps[index % len(gaps)]
        planned = rate.plan(tat, now, [size], rate=per_second, horizon=10**12)
        sends.append((planned.slots[0], size))
        tat = planned.tat
    # Then no 10-second window holds more than rate x 10 s, plus the last message's units beyond its first
    window = 10 * SECOND
    assert rate.max_window_units(sends, window) <= per_second * 10 + max(units) - 1 + 1e-9
