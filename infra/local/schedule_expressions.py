"""AWS schedule expressions: `rate(...)`, `cron(...)` and `at(...)`, evaluated as EventBridge evaluates them.

Cron has AWS's six fields (minutes hours day-of-month month day-of-week year), day-of-week 1=SUN..7=SAT,
exactly one of day-of-month/day-of-week being `?`, and the wildcards `, - * / ? L W #`. It is evaluated in
the expression's time zone with EventBridge Scheduler's daylight-saving rules: a local time that does not
exist (spring forward) is skipped, and a local time that happens twice (fall back) fires once, the first time.
Rate expressions are fixed durations, blind to time zones.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_LAST_YEAR = 2199
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_NTH = re.compile(r"^([1-7]|[A-Z]{3})#([1-5])$")
_LAST_OF = re.compile(r"^([1-7]|[A-Z]{3})L$")
_NEAREST_WEEKDAY = re.compile(r"^(\d{1,2})W$")


class InvalidExpression(ValueError):
    """The expression is not one AWS would accept."""


@dataclass(frozen=True)
class Rate:
    period: timedelta


@dataclass(frozen=True)
class At:
    instant: datetime  # aware, UTC


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


_MINUTE = _Field("minutes", 0, 59, {})
_HOUR = _Field("hours", 0, 23, {})
_DAY_OF_MONTH = _Field("day-of-month", 1, 31, {})
_MONTH = _Field("month", 1, 12, _MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, _DAYS)
_YEAR = _Field("year", 1970, _LAST_YEAR, {})


def _number(text: str, field: _Field) -> int:
    value = field.names.get(text) if field.names else None
    if value is None:
        if not text.isdigit():
            raise InvalidExpression(f"{field.name}: {text!r} is not a value")
        value = int(text)
    if not field.low <= value <= field.high:
        raise InvalidExpression(f"{field.name}: {value} is outside {field.low}-{field.high}")
    return value


def _values(text: str, field: _Field) -> frozenset[int]:
    """`*`, `a`, `a-b`, `a/step`, `*/step`, `a-b/step`, comma-separated; ranges may wrap (FRI-MON, 22-2)."""
    found: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise InvalidExpression(f"{field.name}: bad increment in {part!r}")
        if base == "*":
            start, end = field.low, field.high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _number(first, field), _number(last, field)
        else:
            start = _number(base, field)
            end = field.high if step else start  # `5/10` runs from 5 to the end of the field
        span = field.high - field.low + 1
        count = (end - start) % span + 1 if base != "*" else span
        found.update(field.low + (start - field.low + offset) % span for offset in range(0, count, step or 1))
    return frozenset(found)


@dataclass(frozen=True)
class _DaysOfMonth:
    days: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest_weekday: int | None = None

    @classmethod
    def parse(cls, text: str) -> _DaysOfMonth:
        if text == "L":
            return cls(last=True)
        if text == "LW":
            return cls(last_weekday=True)
        nearest = _NEAREST_WEEKDAY.match(text)
        if nearest:
            return cls(nearest_weekday=_number(nearest.group(1), _DAY_OF_MONTH))
        return cls(days=_values(text, _DAY_OF_MONTH))

    def matches(self, day: date) -> bool:
        length = calendar.monthrange(day.year, day.month)[1]
        if self.last:
            return day.day == length
        if self.last_weekday:
            return day == _nearest_weekday(date(day.year, day.month, length))
        if self.nearest_weekday is not None:
            if self.nearest_weekday > length:
                return False
            return day == _nearest_weekday(date(day.year, day.month, self.nearest_weekday))
        return day.day in self.days


def _nearest_weekday(target: date) -> date:
    """The weekday closest to `target` without leaving its month (Quartz's and AWS's `W`)."""
    weekday = target.weekday()  # Monday = 0
    if weekday == 5:  # Saturday: Friday before, unless that is last month
        return target - timedelta(days=1) if target.day > 1 else target + timedelta(days=2)
    if weekday == 6:  # Sunday: Monday after, unless that is next month
        length = calendar.monthrange(target.year, target.month)[1]
        return target + timedelta(days=1) if target.day < length else target - timedelta(days=2)
    return target


def _aws_weekday(day: date) -> int:
    """AWS numbering: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


@dataclass(frozen=True)
class _DaysOfWeek:
    days: frozenset[int] = frozenset()
    last_of: int | None = None  # `5L`: the last Thursday of the month
    nth: tuple[int, int] | None = None  # `3#2`: the second Tuesday of the month

    @classmethod
    def parse(cls, text: str) -> _DaysOfWeek:
        if text == "L":  # alone, L is the last day of the week: Saturday
            return cls(days=frozenset({7}))
        last = _LAST_OF.match(text)
        if last:
            return cls(last_of=_number(last.group(1), _DAY_OF_WEEK))
        if "#" in text:
            nth = _NTH.match(text)
            if nth is None:
                raise InvalidExpression(f"day-of-week: {text!r}: `#` takes one day and an instance 1-5, alone")
            return cls(nth=(_number(nth.group(1), _DAY_OF_WEEK), int(nth.group(2))))
        return cls(days=_values(text, _DAY_OF_WEEK))

    def matches(self, day: date) -> bool:
        weekday = _aws_weekday(day)
        if self.last_of is not None:
            length = calendar.monthrange(day.year, day.month)[1]
            return weekday == self.last_of and day.day + 7 > length
        if self.nth is not None:
            wanted, instance = self.nth
            return weekday == wanted and (day.day - 1) // 7 + 1 == instance
        return weekday in self.days


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: _DaysOfMonth | None  # None: `?`
    months: frozenset[int]
    days_of_week: _DaysOfWeek | None  # None: `?`
    years: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def parse(cls, fields: str, zone: ZoneInfo) -> Cron:
        parts = fields.upper().split()
        if len(parts) != 6:
            raise InvalidExpression(f"cron needs 6 fields, got {len(parts)}: {fields!r}")
        minutes, hours, day_of_month, month, day_of_week, year = parts
        if (day_of_month == "?") == (day_of_week == "?"):
            raise InvalidExpression("exactly one of day-of-month and day-of-week must be `?`")
        return cls(
            minutes=_values(minutes, _MINUTE),
            hours=_values(hours, _HOUR),
            days_of_month=None if day_of_month == "?" else _DaysOfMonth.parse(day_of_month),
            months=_values(month, _MONTH),
            days_of_week=None if day_of_week == "?" else _DaysOfWeek.parse(day_of_week),
            years=_values(year, _YEAR),
            zone=zone,
        )

    def _day_matches(self, day: date) -> bool:
        if self.days_of_month is not None:
            return self.days_of_month.matches(day)
        return self.days_of_week is not None and self.days_of_week.matches(day)

    def _instant(self, local: datetime) -> datetime | None:
        """The UTC instant of a local wall time; None if the wall time does not exist (spring forward).

        fold=0 picks the first of two instants when the wall time happens twice, so it fires once.
        """
        instant = local.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        if instant.astimezone(self.zone).replace(tzinfo=None) != local:
            return None
        return instant

    def next_after(self, after: datetime) -> datetime | None:
        """The first occurrence strictly after `after` (aware), as an aware UTC datetime; None if none is left."""
        # First-pass instants grow with wall time, so no occurrence before this wall minute can be later.
        start = after.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        day = start.date()
        minutes, hours = sorted(self.minutes), sorted(self.hours)
        while day.year <= _LAST_YEAR:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
                continue
            if self._day_matches(day):
                for hour in hours:
                    for minute in minutes:
                        local = datetime.combine(day, time(hour, minute))
                        if local < start:
                            continue
                        instant = self._instant(local)
                        if instant is not None and instant > after:
                            return instant
            day += timedelta(days=1)
        return None


Expression = Rate | Cron | At


def parse(expression: str, timezone: str | None = None) -> Expression:
    """Parse a ScheduleExpression; `timezone` (IANA name, default UTC) applies to cron and at."""
    text = expression.strip()
    zone = ZoneInfo(timezone or "UTC")
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise InvalidExpression(f"{text!r}: a value of 1 takes a singular unit, larger values a plural one")
        return Rate(timedelta(**{unit.rstrip("s") + "s": value}))
    at = _AT.match(text)
    if at:
        local = datetime.fromisoformat(at.group(1))
        return At(local.replace(tzinfo=zone, fold=0).astimezone(UTC))
    cron = _CRON.match(text)
    if cron:
        return Cron.parse(cron.group(1), zone)
    raise InvalidExpression(f"not a schedule expression: {expression!r}")
