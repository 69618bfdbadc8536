"""AWS schedule expressions: cron fields and wildcards with AWS's semantics, rate, at, and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infra.local.schedule_expressions import At, Cron, InvalidExpression, Rate, parse

PARIS = ZoneInfo("Europe/Paris")


def _next(expression: str, after: datetime, timezone: str | None = None) -> datetime | None:
    parsed = parse(expression, timezone)
    assert isinstance(parsed, Cron)
    return parsed.next_after(after)


def _occurrences(expression: str, start: datetime, end: datetime, timezone: str | None = None) -> list[datetime]:
    found: list[datetime] = []
    at: datetime | None = start
    while at is not None and (at := _next(expression, at, timezone)) is not None and at <= end:
        found.append(at)
    return found


def utc(year: int, month: int, day: int, *time_of_day: int) -> datetime:
    hour, minute, second = (*time_of_day, 0, 0, 0)[:3]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # Day-of-week counts from 1 = Sunday; 2026-03-04 is a Wednesday
        ("cron(0 12 ? * 1 *)", utc(2026, 3, 4), utc(2026, 3, 8, 12)),
        ("cron(0 12 ? * 7 *)", utc(2026, 3, 4), utc(2026, 3, 7, 12)),
        ("cron(0 12 ? * MON-FRI *)", utc(2026, 3, 6, 13), utc(2026, 3, 9, 12)),
        ("cron(0 12 ? * FRI-MON *)", utc(2026, 3, 4), utc(2026, 3, 6, 12)),  # ranges may wrap around
        # L: the last day of the month, or with a day the last such day of the month
        ("cron(0 10 L * ? *)", utc(2026, 2, 1), utc(2026, 2, 28, 10)),
        ("cron(0 10 L * ? *)", utc(2028, 2, 1), utc(2028, 2, 29, 10)),
        ("cron(0 10 ? * 6L *)", utc(2026, 1, 1), utc(2026, 1, 30, 10)),  # last Friday of January 2026
        ("cron(0 10 ? * L *)", utc(2026, 3, 4), utc(2026, 3, 7, 10)),  # alone: the last day of the week, Saturday
        # #: the n-th such day of the month
        ("cron(0 10 ? * 3#2 *)", utc(2026, 1, 1), utc(2026, 1, 13, 10)),  # second Tuesday
        ("cron(0 10 ? * MON#1 *)", utc(2026, 6, 2), utc(2026, 7, 6, 10)),
        ("cron(0 10 ? * 1#5 *)", utc(2026, 1, 1), utc(2026, 3, 29, 10)),  # the next month with a fifth Sunday
        # W: the weekday nearest a day, without leaving the month
        ("cron(0 10 15W * ? *)", utc(2026, 8, 1), utc(2026, 8, 14, 10)),  # 15 Aug 2026 is a Saturday
        ("cron(0 10 15W * ? *)", utc(2026, 3, 1), utc(2026, 3, 16, 10)),  # 15 Mar 2026 is a Sunday
        ("cron(0 10 1W * ? *)", utc(2026, 8, 1), utc(2026, 8, 3, 10)),  # 1 Aug 2026 is a Saturday: Monday 3rd
        ("cron(0 10 31W * ? *)", utc(2026, 5, 1), utc(2026, 5, 29, 10)),  # 31 May 2026 is a Sunday: Friday 29th
        ("cron(0 10 LW * ? *)", utc(2026, 5, 1), utc(2026, 5, 29, 10)),
        ("cron(0 10 31W * ? *)", utc(2026, 4, 1), utc(2026, 5, 29, 10)),  # April has no 31st
        # Ranges, lists, increments, months by name, years
        ("cron(15,45 8-10 * * ? *)", utc(2026, 3, 4, 10, 45), utc(2026, 3, 5, 8, 15)),
        ("cron(1/10 * * * ? *)", utc(2026, 3, 4, 9, 52), utc(2026, 3, 4, 10, 1)),
        ("cron(0 10-20/5 * * ? *)", utc(2026, 3, 4, 16), utc(2026, 3, 4, 20)),
        ("cron(0 22-2 * * ? *)", utc(2026, 3, 4, 23, 30), utc(2026, 3, 5, 0)),
        ("cron(0 0 1 JAN,JUL ? *)", utc(2026, 3, 4), utc(2026, 7, 1)),
        ("cron(0 0 1 1 ? 2030-2031)", utc(2026, 3, 4), utc(2030, 1, 1)),
        ("cron(0 0 29 2 ? *)", utc(2026, 3, 4), utc(2028, 2, 29)),
        ("cron(0 0 30 2 ? *)", utc(2026, 3, 4), None),  # never
        ("cron(0 0 1 1 ? 2025)", utc(2026, 3, 4), None),  # in the past
        # Strictly after: an occurrence at the instant itself is not the next one
        ("cron(0 9 * * ? *)", utc(2026, 3, 4, 9), utc(2026, 3, 5, 9)),
        ("cron(0 9 * * ? *)", utc(2026, 3, 4, 8, 59, 59), utc(2026, 3, 4, 9)),
    ],
)
def test_next_occurrence(expression: str, after: datetime, expected: datetime | None) -> None:
    # Given a UTC cron expression, when asked for its next occurrence after an instant
    # Then it is the one AWS documents for those wildcards (None when there is none left)
    assert _next(expression, after) == expected


def test_increments_start_where_aws_says() -> None:
    # Given increments, when parsed, then they expand to the values AWS lists
    # "1/10 in the Minutes field: every tenth minute starting from the first minute"
    assert parse("cron(1/10 * * * ? *)") == parse("cron(1,11,21,31,41,51 * * * ? *)")
    assert parse("cron(*/15 * * * ? *)") == parse("cron(0,15,30,45 * * * ? *)")


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 12 * * * *)",  # both day fields given
        "cron(0 12 ? * ? *)",  # neither
        "cron(0 12 * * ?)",  # five fields
        "cron(60 12 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 12 ? * 0 *)",  # days of the week are 1-7
        "cron(0 12 ? * 3#1,6#3 *)",  # `#` stands alone
        "cron(0 12 ? * 3#6 *)",
        "cron(0 12 32 * ? *)",
        "cron(0 12 * 13 ? *)",
        "cron(0 12 * * ? 1969)",
        "cron(0 12 * * ? */0)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "at(2026-12-01 09:00:00)",
        "every day",
    ],
)
def test_expressions_aws_rejects_are_rejected(expression: str) -> None:
    # Given an expression EventBridge would refuse, when parsed, then it is refused here too
    with pytest.raises(InvalidExpression):
        parse(expression)


def test_rate_and_at() -> None:
    # Given rate and at expressions, when parsed, then rates are durations and at() a UTC instant
    assert parse("rate(1 minute)") == Rate(timedelta(minutes=1))
    assert parse("rate(5 minutes)") == Rate(timedelta(minutes=5))
    assert parse("rate(2 hours)") == Rate(timedelta(hours=2))
    assert parse("rate(1 day)") == Rate(timedelta(days=1))
    # at() is wall time in the schedule's time zone (UTC by default)
    assert parse("at(2026-12-01T09:00:00)") == At(utc(2026, 12, 1, 9))
    assert parse("at(2026-12-01T09:00:00)", "Europe/Paris") == At(utc(2026, 12, 1, 8))
    assert parse("at(2026-07-01T09:00:00)", "Europe/Paris") == At(utc(2026, 7, 1, 7))


def test_spring_forward_skips_local_times_that_do_not_exist() -> None:
    # Given Paris's 2026-03-29, the day 02:00 jumps to 03:00
    # When the occurrences of that local day are listed
    day = datetime(2026, 3, 29, tzinfo=PARIS)
    end = datetime(2026, 3, 30, tzinfo=PARIS)

    # Then an hourly cron fires 23 times, and a 02:30 job not at all that day
    hourly = _occurrences("cron(0 * * * ? *)", day, end, "Europe/Paris")
    assert [o.astimezone(PARIS).hour for o in hourly] == [1, *range(3, 24), 0]
    assert _occurrences("cron(30 2 * * ? *)", day, end, "Europe/Paris") == []
    assert _next("cron(30 2 * * ? *)", day, "Europe/Paris") == utc(2026, 3, 30, 0, 30)


def test_fall_back_fires_a_repeated_local_time_once_the_first_time() -> None:
    # Given Paris's 2026-10-25, the day 02:00-02:59 happens twice (UTC+2, then UTC+1)
    # When the occurrences of that local day are listed
    day = datetime(2026, 10, 25, tzinfo=PARIS)
    end = datetime(2026, 10, 26, tzinfo=PARIS)

    # Then an hourly cron fires 24 times in the 25-hour day, a 02:30 job once, in summer time
    hourly = _occurrences("cron(0 * * * ? *)", day, end, "Europe/Paris")
    assert len(hourly) == 24
    assert [o.astimezone(PARIS).strftime("%H%z") for o in hourly[:3]] == ["01+0200", "02+0200", "03+0100"]
    assert _occurrences("cron(30 2 * * ? *)", day, end, "Europe/Paris") == [utc(2026, 10, 25, 0, 30)]
    # And from inside the repeated hour (02:10 winter time), 02:30 is not due again
    assert _next("cron(30 2 * * ? *)", utc(2026, 10, 25, 1, 10), "Europe/Paris") == utc(2026, 10, 26, 1, 30)


def test_new_york_days_follow_new_york_time() -> None:
    # Given a 09:00 New York job, when New York springs forward (2026-03-08 02:00)
    # Then it stays at 09:00 local time: 14:00 UTC before, 13:00 UTC after
    before = _next("cron(0 9 * * ? *)", utc(2026, 3, 7), "America/New_York")
    after = _next("cron(0 9 * * ? *)", utc(2026, 3, 8, 12), "America/New_York")  # 08:00 EDT
    assert before == utc(2026, 3, 7, 14)
    assert after == utc(2026, 3, 8, 13)
