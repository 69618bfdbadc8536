"""A cart lives until the store's next local midnight: computed on the calendar with zoneinfo, so a day with a
DST change (23 or 25 hours) ends at its real midnight. 2026 DST days of Europe/Paris and America/New_York."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from clienteling.commerce.domain.carts import next_midnight, parse_cart_id, parse_reference, payment_reference
from hypothesis import given
from hypothesis import strategies as st

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "now", "midnight", "hours_left"),
    [
        # Paris springs forward on 29 March 2026 (02:00 CET -> 03:00 CEST): that day has 23 hours
        ("Europe/Paris", "2026-03-28T23:30:00", "2026-03-29T22:00:00", 22.5),  # 00:30 CET
        ("Europe/Paris", "2026-03-29T08:00:00", "2026-03-29T22:00:00", 14),  # 10:00 CEST
        ("Europe/Paris", "2026-03-28T11:00:00", "2026-03-28T23:00:00", 12),  # the day before, CET all along
        # Paris falls back on 25 October 2026 (03:00 CEST -> 02:00 CET): that day has 25 hours
        ("Europe/Paris", "2026-10-24T23:00:00", "2026-10-25T23:00:00", 24),  # 01:00 CEST
        ("Europe/Paris", "2026-10-25T01:30:00", "2026-10-25T23:00:00", 21.5),  # 02:30 CET, the repeated hour
        # New York springs forward on 8 March 2026 (02:00 EST -> 03:00 EDT)
        ("America/New_York", "2026-03-08T06:30:00", "2026-03-09T04:00:00", 21.5),  # 01:30 EST
        ("America/New_York", "2026-03-08T04:59:00", "2026-03-08T05:00:00", 1 / 60),  # 23:59 EST on 7 March
        # New York falls back on 1 November 2026 (02:00 EDT -> 01:00 EST)
        ("America/New_York", "2026-11-01T05:30:00", "2026-11-02T05:00:00", 23.5),  # 01:30 EDT (first one)
        ("America/New_York", "2026-11-01T06:30:00", "2026-11-02T05:00:00", 22.5),  # 01:30 EST (second one)
        ("America/New_York", "2026-11-02T04:59:00", "2026-11-02T05:00:00", 1 / 60),  # 23:59 EST
    ],
)
def test_midnight_on_dst_change_days(zone: str, now: str, midnight: str, hours_left: float) -> None:
    expires = next_midnight(utc(now), zone)
    assert expires == utc(midnight)
    assert expires - utc(now) == timedelta(hours=hours_left)
    local = expires.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (0, 0)


def test_naive_hour_arithmetic_would_be_wrong_on_a_short_day() -> None:
    now = utc("2026-03-28T23:30:00")  # 00:30 in Paris on the 23-hour day
    local = now.astimezone(PARIS)
    naive = now + (timedelta(days=1) - timedelta(hours=local.hour, minutes=local.minute))
    assert naive != next_midnight(now, "Europe/Paris")  # 23:30 UTC + 23.5 h lands at 01:00 CEST, not midnight


def test_a_zone_that_skips_midnight_expires_at_the_jump() -> None:
    # Santiago springs forward at 24:00 on 5 September 2026: 6 September has no 00:00, it starts at 01:00 (-03)
    expires = next_midnight(utc("2026-09-05T15:00:00"), "America/Santiago")
    assert expires == utc("2026-09-06T04:00:00")
    assert expires.astimezone(ZoneInfo("America/Santiago")).hour == 1


def test_an_aware_instant_is_required() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_midnight(datetime(2026, 1, 1), "Europe/Paris")  # noqa: DTZ001


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)),  # noqa: DTZ001
    st.sampled_from(["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "America/Santiago"]),
)
def test_next_midnight_is_the_start_of_the_next_local_day(now: datetime, zone: str) -> None:
    expires = next_midnight(now, zone)
    tz = ZoneInfo(zone)
    assert now < expires <= now + timedelta(hours=25)
    assert expires.astimezone(tz).date() == now.astimezone(tz).date() + timedelta(days=1)
    # Nothing between now and the expiry belongs to the next day
    assert (expires - timedelta(seconds=1)).astimezone(tz).date() == now.astimezone(tz).date()


def test_cart_ids_and_references_round_trip() -> None:
    assert parse_cart_id("01STORE_01CUSTOMER") == ("01STORE", "01CUSTOMER")
    assert parse_cart_id("no-separator") is None
    assert parse_reference(payment_reference("01STORE_01CUSTOMER", 7)) == ("01STORE_01CUSTOMER", 7)
    assert parse_reference("01STORE_01CUSTOMER") is None
