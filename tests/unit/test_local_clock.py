"""The local stack's manual clock stops at every due instant on its way, and never goes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.local.clock import Clock

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


class EveryQuarterHour:
    """A driver with work due every 15 minutes, recording the clock as it runs."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.due = START + timedelta(minutes=15)
        self.ran: list[datetime] = []
        self.seen: list[datetime] = []

    def next_due(self, after: datetime) -> datetime | None:
        return self.due

    def run_due(self, now: datetime) -> None:
        while self.due <= now:
            self.ran.append(self.due)
            self.seen.append(self.clock.now())
            self.due += timedelta(minutes=15)


def test_advance_stops_at_each_due_instant_in_order() -> None:
    # Given a driver with work every quarter hour
    clock = Clock.manual(START)
    driver = EveryQuarterHour(clock)
    clock.attach(driver)

    # When an hour and ten minutes pass at once
    clock.advance(timedelta(minutes=70))

    # Then each occurrence ran once, in order, while the clock read its instant
    expected = [START + timedelta(minutes=m) for m in (15, 30, 45, 60)]
    assert driver.ran == expected
    assert driver.seen == expected
    assert clock.now() == START + timedelta(minutes=70)
    assert clock() == clock.now()


def test_a_manual_clock_never_goes_back_and_the_system_clock_cannot_be_moved() -> None:
    # Given a manual clock, when set back or to a naive time, then it refuses
    clock = Clock.manual(START)
    with pytest.raises(ValueError, match="does not go back"):
        clock.set(START - timedelta(seconds=1))
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 3, 3))  # noqa: DTZ001 - the naive datetime is the point
    # And the system clock cannot be moved at all, and reads aware UTC time
    with pytest.raises(RuntimeError):
        Clock().advance(timedelta(seconds=1))
    assert Clock().now().tzinfo is UTC
    assert not Clock().is_manual
    assert Clock.manual(START).is_manual


def test_a_detached_driver_is_not_run() -> None:
    # Given a driver attached then detached (a stopped runtime)
    clock = Clock.manual(START)
    driver = EveryQuarterHour(clock)
    clock.attach(driver)
    clock.detach(driver)

    # When time passes
    clock.advance(timedelta(hours=1))

    # Then it ran nothing
    assert driver.ran == []


def test_a_shifted_clock_follows_the_system_and_moves_forward_through_due_instants() -> None:
    # Given a shifted clock (make dev's, the test session's) with a driver due every quarter hour from START
    clock = Clock.shifted()
    assert clock.is_movable
    assert not clock.is_manual
    before = datetime.now(UTC)
    assert before - timedelta(seconds=1) <= clock.now() <= datetime.now(UTC) + timedelta(seconds=1)
    target = max(clock.now(), START) + timedelta(minutes=31)
    driver = EveryQuarterHour(clock)
    driver.due = target - timedelta(minutes=16)
    clock.attach(driver)

    # When it is moved past two due instants
    clock.set(target)

    # Then both ran while the clock read (at least) their instants, and it reads the target afterwards
    assert driver.ran == [target - timedelta(minutes=16), target - timedelta(minutes=1)]
    assert all(seen >= ran for seen, ran in zip(driver.seen, driver.ran, strict=True))
    assert target <= clock.now() < target + timedelta(seconds=5)
    with pytest.raises(ValueError, match="does not go back"):
        clock.set(target - timedelta(hours=1))


def test_elapse_is_time_spent_waiting_it_runs_nothing() -> None:
    # Given a manual clock with a driver due in a quarter hour
    clock = Clock.manual(START)
    driver = EveryQuarterHour(clock)
    clock.attach(driver)

    # When a handler waits half an hour
    clock.elapse(timedelta(minutes=30))

    # Then time moved on, and what fell due waits for the runtime's next poll
    assert clock.now() == START + timedelta(minutes=30)
    assert driver.ran == []
    with pytest.raises(RuntimeError):
        Clock().elapse(timedelta(seconds=1))


def test_local_control_durations() -> None:
    from infra.local.controls import parse_duration

    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("14h") == timedelta(hours=14)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration("PT14H") == timedelta(hours=14)
    assert parse_duration("P1DT2H30M") == timedelta(days=1, hours=2, minutes=30)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
