"""Template schedules fire once per occurrence as the manual clock moves, across daylight-saving changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infra.local.clock import Clock
from infra.local.invoker import Invocation
from infra.local.runtime import LocalRuntime

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def _schedule(invocation: Invocation) -> str:
    """Which of the template's schedules fired: its rule or schedule name, or the Input's job."""
    event = invocation.event
    return str(event["job"]) if "job" in event else str(event["resources"][0].rsplit("/", 1)[1])


def _local_hours(runtime: LocalRuntime, name: str, zone: ZoneInfo) -> list[str]:
    return [
        datetime.fromisoformat(i.event["time"].replace("Z", "+00:00")).astimezone(zone).strftime("%H:%M%z")
        for i in runtime.invocations("ScheduledFunction")
        if _schedule(i) == name
    ]


def _run_one_local_day(make_runtime: Callable[[str], LocalRuntime], clock: Clock, day: datetime) -> LocalRuntime:
    clock.set(day)
    runtime = make_runtime("schedules.yaml")
    clock.set(day + timedelta(days=1))  # aware arithmetic on wall time: the next local midnight
    return runtime


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(
            datetime(2026, 3, 29, tzinfo=PARIS),  # 23 hours: 02:00 -> 03:00
            {"ScheduledFunctionParisHourly": 23, "ScheduledFunctionNewYorkHourly": 23, "nightly": 0},
            id="paris-spring-forward",
        ),
        pytest.param(
            datetime(2026, 10, 25, tzinfo=PARIS),  # 25 hours: 03:00 -> 02:00
            {"ScheduledFunctionParisHourly": 24, "ScheduledFunctionNewYorkHourly": 25, "nightly": 1},
            id="paris-fall-back",
        ),
        pytest.param(
            datetime(2026, 3, 8, tzinfo=NEW_YORK),  # 23 hours in New York
            {"ScheduledFunctionParisHourly": 23, "ScheduledFunctionNewYorkHourly": 23, "nightly": 1},
            id="new-york-spring-forward",
        ),
        pytest.param(
            datetime(2026, 11, 1, tzinfo=NEW_YORK),  # 25 hours in New York
            {"ScheduledFunctionParisHourly": 25, "ScheduledFunctionNewYorkHourly": 24, "nightly": 1},
            id="new-york-fall-back",
        ),
    ],
)
def test_schedules_fire_once_per_occurrence_across_a_dst_change(
    make_runtime: Callable[[str], LocalRuntime], clock: Clock, day: datetime, expected: dict[str, int]
) -> None:
    # Given the template's schedules, provisioned at local midnight
    # When the clock moves to the next local midnight
    runtime = _run_one_local_day(make_runtime, clock, day)

    # Then each cron fired once per existing local time, and the rates once per elapsed hour
    hours = round((clock.now() - day.astimezone(UTC)) / timedelta(hours=1))
    fired = Counter(_schedule(i) for i in runtime.invocations("ScheduledFunction"))
    assert fired == Counter(
        {
            **expected,
            "ScheduledFunctionEveryHour": hours + 1,  # Scheduler rates without StartDate start at once
            "ScheduledFunctionRuleEveryHour": hours,  # EventBridge rule rates start one period later
        }
    )
    assert all(i.outcome == "success" for i in runtime.invocations())


def test_spring_forward_skips_the_missing_hour(make_runtime: Callable[[str], LocalRuntime], clock: Clock) -> None:
    # Given the Paris schedules, when the clock crosses the spring-forward day
    runtime = _run_one_local_day(make_runtime, clock, datetime(2026, 3, 29, tzinfo=PARIS))

    # Then the hourly cron skipped 02:00, which did not exist, and switched offset after it
    hours = _local_hours(runtime, "ScheduledFunctionParisHourly", PARIS)
    assert hours[:3] == ["01:00+0100", "03:00+0200", "04:00+0200"]
    assert len(hours) == len(set(hours)) == 23


def test_fall_back_fires_the_repeated_hour_once(make_runtime: Callable[[str], LocalRuntime], clock: Clock) -> None:
    # Given the Paris schedules, when the clock crosses the fall-back day (02:00-02:59 happens twice)
    runtime = _run_one_local_day(make_runtime, clock, datetime(2026, 10, 25, tzinfo=PARIS))

    # Then 02:00 fired once, the first time (summer time), and the nightly 02:30 job once too
    hours = _local_hours(runtime, "ScheduledFunctionParisHourly", PARIS)
    assert hours[:3] == ["01:00+0200", "02:00+0200", "03:00+0100"]
    (nightly,) = [i.event for i in runtime.invocations("ScheduledFunction") if _schedule(i) == "nightly"]
    assert nightly == {"job": "nightly", "scheduledTime": "2026-10-25T00:30:00Z"}  # 02:30 CEST


def test_each_occurrence_runs_at_its_own_time_and_handlers_read_it_from_the_clock(
    make_runtime: Callable[[str], LocalRuntime], clock: Clock
) -> None:
    # Given the schedules, provisioned at a quarter past the hour
    clock.set(datetime(2026, 6, 1, 7, 15, tzinfo=UTC))
    runtime = make_runtime("schedules.yaml")

    # When three hours pass in one call
    clock.advance(timedelta(hours=3))

    # Then every occurrence was delivered in time order, while the clock read its scheduled time
    invocations = runtime.invocations("ScheduledFunction")
    assert [i.at for i in invocations] == sorted(i.at for i in invocations)
    for invocation in invocations:
        scheduled = datetime.fromisoformat(invocation.event["time"].replace("Z", "+00:00"))
        assert invocation.at == scheduled
        assert datetime.fromisoformat(invocation.result["now"]) == scheduled
    # And a Scheduler default event is Scheduler's envelope, a rule's is EventBridge's
    by_name = {_schedule(i): i.event for i in invocations}
    assert by_name["ScheduledFunctionParisHourly"]["source"] == "aws.scheduler"
    assert by_name["ScheduledFunctionParisHourly"]["detail"] == "{}"
    assert by_name["ScheduledFunctionParisHourly"]["detail-type"] == "Scheduled Event"
    assert by_name["ScheduledFunctionRuleEveryHour"]["source"] == "aws.events"
    assert by_name["ScheduledFunctionRuleEveryHour"]["detail"] == {}
    assert by_name["ScheduledFunctionRuleEveryHour"]["resources"] == [
        "arn:aws:events:us-east-1:000000000000:rule/ScheduledFunctionRuleEveryHour"
    ]
    assert clock.now() == datetime(2026, 6, 1, 10, 15, tzinfo=UTC)
