"""Quiet hours: exact window edges, French Sundays and holidays, daylight-saving changes, the recipient's zones and
state from the number, exempt kinds, and properties of `next_allowed` (never early, never late, idempotent)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from clienteling.kernel import quiet_hours
from clienteling.kernel.quiet_hours import (
    MessageKind,
    NoAllowedTime,
    QuietHoursPolicy,
    Recipient,
    applies_to,
    defer,
    is_allowed,
    next_allowed,
    policy_for,
    recipient_zone,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
US = policy_for("US")
FR = policy_for("FR")


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:  # noqa: PLR0917
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:  # noqa: PLR0917
    return datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


def every_day(start: time, end: time) -> QuietHoursPolicy:
    return QuietHoursPolicy(windows=(((start, end),),) * 7, block_holidays=False, source="test")


# --- window edges ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (new_york(2026, 6, 10, 7, 59, 59), new_york(2026, 6, 10, 8)),
        (new_york(2026, 6, 10, 8), new_york(2026, 6, 10, 8)),
        (new_york(2026, 6, 10, 20, 59, 59), new_york(2026, 6, 10, 20, 59, 59)),  # a campaign may start at 20:59
        (new_york(2026, 6, 10, 21), new_york(2026, 6, 11, 8)),
        (new_york(2026, 6, 10, 23, 30), new_york(2026, 6, 11, 8)),
        (new_york(2026, 6, 14, 10), new_york(2026, 6, 14, 10)),  # Sundays are fine federally
        (new_york(2026, 7, 4, 10), new_york(2026, 7, 4, 10)),  # federal holidays do not block
    ],
)
def test_us_federal_window_edges(at: datetime, expected: datetime) -> None:
    assert is_allowed(at, US, "America/New_York") == (at == expected)
    assert next_allowed(at, US, "America/New_York") == expected


def test_allowed_returns_at_itself_and_refused_returns_utc() -> None:
    allowed = new_york(2026, 6, 10, 12)
    assert next_allowed(allowed, US, "America/New_York") is allowed
    held = next_allowed(new_york(2026, 6, 10, 22), US, "America/New_York")
    assert held.tzinfo is UTC
    assert held == datetime(2026, 6, 11, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 5, 2, 19, 59), paris(2026, 5, 2, 19, 59)),  # Saturday evening, still allowed
        (paris(2026, 5, 2, 20), paris(2026, 5, 4, 8)),  # Saturday 20:00 -> Sunday closed -> Monday 08:00
        (paris(2026, 5, 3, 11), paris(2026, 5, 4, 8)),  # Sunday
        (paris(2026, 5, 4, 7, 59, 59), paris(2026, 5, 4, 8)),
        (paris(2026, 5, 7, 20), paris(2026, 5, 9, 8)),  # Thursday evening, Friday 8 May is Victory Day
    ],
)
def test_france_edges_sundays(at: datetime, expected: datetime) -> None:
    assert next_allowed(at, FR, "Europe/Paris") == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (paris(2026, 7, 14, 10), paris(2026, 7, 15, 8)),  # Bastille Day, a Tuesday
        (paris(2026, 12, 25, 10), paris(2026, 12, 26, 8)),  # Christmas, a Friday -> Saturday 08:00
        (paris(2026, 4, 4, 20), paris(2026, 4, 7, 8)),  # Saturday -> Easter Sunday -> Easter Monday -> Tuesday
        (paris(2026, 4, 6, 9), paris(2026, 4, 7, 8)),  # Easter Monday
        (paris(2026, 5, 1, 10), paris(2026, 5, 2, 8)),  # 1 May, a Friday -> Saturday 08:00
        (paris(2026, 8, 14, 20), paris(2026, 8, 17, 8)),  # Saturday 15 August holiday, then Sunday -> Monday
        (paris(2026, 12, 31, 20), paris(2027, 1, 2, 8)),  # across the year end: 1 January is a holiday
        (paris(2026, 5, 25, 12), paris(2026, 5, 26, 8)),  # Whit Monday is still a public holiday
    ],
)
def test_france_public_holidays(at: datetime, expected: datetime) -> None:
    assert not is_allowed(at, FR, "Europe/Paris")
    assert next_allowed(at, FR, "Europe/Paris") == expected


@pytest.mark.parametrize("subdivision", ["57", "67", "68", "6AE"])
def test_alsace_moselle_has_good_friday_and_st_stephen(subdivision: str) -> None:
    policy = policy_for("FR", subdivision)
    assert policy.block_holidays
    assert next_allowed(paris(2026, 12, 25, 10), policy, "Europe/Paris") == paris(2026, 12, 28, 8)
    assert next_allowed(paris(2026, 4, 3, 10), policy, "Europe/Paris") == paris(2026, 4, 4, 8)


def test_subdivision_spellings_holidays_knows() -> None:
    assert policy_for("FR", "Alsace").holiday_subdivision == "Alsace"
    blocking = replace(US, block_holidays=True, jurisdiction="business-US")
    assert policy_for("US", "ca", {"US": blocking}).holiday_subdivision == "CA"


def test_unknown_french_subdivision_uses_national_holidays() -> None:
    policy = policy_for("FR", "75")
    assert policy.holiday_subdivision is None
    assert next_allowed(paris(2026, 4, 3, 10), policy, "Europe/Paris") == paris(2026, 4, 3, 10)


def test_year_end_in_the_us() -> None:
    at = new_york(2026, 12, 31, 21)
    assert next_allowed(at, US, "America/New_York") == new_york(2027, 1, 1, 8)


# --- daylight-saving changes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Spring forward, 2026-03-08 02:00 EST -> 03:00 EDT: 08:00 is then 12:00 UTC, not 13:00.
        (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 8, 12, tzinfo=UTC)),
        (new_york(2026, 3, 7, 21), datetime(2026, 3, 8, 12, tzinfo=UTC)),
        # Fall back, 2026-11-01 02:00 EDT -> 01:00 EST: 08:00 is then 13:00 UTC.
        (new_york(2026, 10, 31, 23), datetime(2026, 11, 1, 13, tzinfo=UTC)),
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), datetime(2026, 11, 1, 13, tzinfo=UTC)),  # 01:30 EST, 2nd time
    ],
)
def test_new_york_daylight_saving(at: datetime, expected: datetime) -> None:
    assert next_allowed(at, US, "America/New_York") == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Saturday 20:00 CET, Sunday closed (and the clocks go forward), Monday 08:00 CEST = 06:00 UTC.
        (paris(2026, 3, 28, 20), datetime(2026, 3, 30, 6, tzinfo=UTC)),
        # Saturday 20:00 CEST, Sunday closed (and the clocks go back), Monday 08:00 CET = 07:00 UTC.
        (paris(2026, 10, 24, 20), datetime(2026, 10, 26, 7, tzinfo=UTC)),
    ],
)
def test_paris_daylight_saving_with_french_rules(at: datetime, expected: datetime) -> None:
    assert next_allowed(at, FR, "Europe/Paris") == expected


def test_paris_daylight_saving_on_an_open_sunday() -> None:
    # Given the default policy (open on Sundays) in Paris on the night the clocks go forward
    policy = policy_for("DE")
    # When a send is requested at 01:30 CET
    held = next_allowed(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), policy, "Europe/Paris")
    # Then it goes at 08:00 CEST, 06:00 UTC
    assert held == datetime(2026, 3, 29, 6, tzinfo=UTC)
    assert next_allowed(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), policy, "Europe/Paris") == datetime(
        2026, 10, 25, 7, tzinfo=UTC
    )


def test_window_opening_inside_the_spring_forward_gap_opens_at_the_jump() -> None:
    # 02:30 does not exist in New York on 2026-03-08: the wall clock reaches it when it jumps to 03:00 EDT.
    policy = every_day(time(2, 30), time(5))
    held = next_allowed(datetime(2026, 3, 8, 5, tzinfo=UTC), policy, "America/New_York")
    assert held == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert held.astimezone(NEW_YORK).time() == time(3)


def test_window_repeated_by_the_fall_back_counts_twice() -> None:
    # 01:00-02:00 happens twice in New York on 2026-11-01; a 01:30-03:00 window opens on both occurrences.
    policy = every_day(time(1, 30), time(3))
    first_occurrence = datetime(2026, 11, 1, 5, 45, tzinfo=UTC)  # 01:45 EDT
    between = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)  # 01:10 EST: the clock went back before the window
    assert is_allowed(first_occurrence, policy, "America/New_York")
    assert not is_allowed(between, policy, "America/New_York")
    assert next_allowed(between, policy, "America/New_York") == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


# --- the recipient: zones and state from the number --------------------------------------------------------------


def test_florida_area_code_uses_florida_hours() -> None:
    recipient = recipient_zone("+13055550123", fallback_tz="America/Chicago", fallback_country="US")
    assert recipient == Recipient(tz="America/New_York", country="US", subdivision="FL")
    assert policy_for(recipient.country, recipient.subdivision).jurisdiction == "US-FL"
    assert defer(new_york(2026, 6, 10, 19, 59), MessageKind.MARKETING, recipient) == new_york(2026, 6, 10, 19, 59)
    assert defer(new_york(2026, 6, 10, 20), MessageKind.MARKETING, recipient) == new_york(2026, 6, 11, 8)


def test_new_york_number_uses_the_federal_window() -> None:
    recipient = recipient_zone("+12125550123", fallback_tz="America/Chicago", fallback_country="US")
    assert (recipient.tz, recipient.subdivision) == ("America/New_York", "NY")
    assert defer(new_york(2026, 6, 10, 20, 30), MessageKind.MARKETING, recipient) == new_york(2026, 6, 10, 20, 30)
    assert defer(new_york(2026, 6, 10, 21), MessageKind.MARKETING, recipient) == new_york(2026, 6, 11, 8)


@pytest.mark.parametrize(
    ("phone", "state", "last_allowed_hour"),
    [("+14055550123", "OK", 20), ("+12065550123", "WA", 20), ("+14105550123", "MD", 20), ("+16175550123", "MA", 21)],
)
def test_other_states(phone: str, state: str, last_allowed_hour: int) -> None:
    recipient = recipient_zone(phone, fallback_tz="America/New_York", fallback_country="US")
    policy = policy_for(recipient.country, recipient.subdivision)
    assert recipient.subdivision == state
    zone = ZoneInfo(recipient.tz)
    assert is_allowed(datetime(2026, 6, 10, last_allowed_hour - 1, 59, tzinfo=zone), policy, recipient.tz)
    assert not is_allowed(datetime(2026, 6, 10, last_allowed_hour, tzinfo=zone), policy, recipient.tz)


def test_texas_sunday_noon_and_weekday_nine() -> None:
    recipient = recipient_zone("+12145550123", fallback_tz="America/New_York", fallback_country="US")
    assert (recipient.tz, recipient.subdivision) == ("America/Chicago", "TX")
    sunday, saturday = datetime(2026, 3, 1, 11, tzinfo=CHICAGO), datetime(2026, 2, 28, 8, 30, tzinfo=CHICAGO)
    assert defer(sunday, MessageKind.MARKETING, recipient) == datetime(2026, 3, 1, 12, tzinfo=CHICAGO)
    assert defer(saturday, MessageKind.MARKETING, recipient) == datetime(2026, 2, 28, 9, tzinfo=CHICAGO)
    assert defer(datetime(2026, 3, 1, 20, 59, tzinfo=CHICAGO), MessageKind.SCHEDULED, recipient) == datetime(
        2026, 3, 1, 20, 59, tzinfo=CHICAGO
    )


def test_french_number_from_a_us_store_uses_french_rules_in_paris_time() -> None:
    recipient = recipient_zone("+33612345678", fallback_tz="America/New_York", fallback_country="US")
    assert recipient == Recipient(tz="Europe/Paris", country="FR")
    # Saturday 2 May 2026, 14:00 in New York is 20:00 in Paris: held until Monday 08:00 Paris.
    assert defer(new_york(2026, 5, 2, 14), MessageKind.MARKETING, recipient) == paris(2026, 5, 4, 8)


def test_french_overseas_department_is_france_with_its_own_holidays() -> None:
    recipient = recipient_zone("+262692123456", fallback_tz="Europe/Paris", fallback_country="FR")
    assert (recipient.country, recipient.subdivision) == ("FR", "974")
    policy = policy_for(recipient.country, recipient.subdivision)
    reunion = ZoneInfo("Indian/Reunion")
    # 20 December, abolition of slavery, is a public holiday in Réunion only (a Monday in 2027). The number may
    # also be in Mayotte, an hour behind: Tuesday 08:00 there is 09:00 in Réunion.
    assert next_allowed(datetime(2027, 12, 20, 10, tzinfo=reunion), policy, recipient.zones) == datetime(
        2027, 12, 21, 9, tzinfo=reunion
    )


def test_number_in_two_zones_must_be_inside_the_window_in_both() -> None:
    # Given an Idaho number phonenumbers places in both Mountain (Boise) and Pacific (Los Angeles) time
    recipient = recipient_zone("+12085550123", fallback_tz="America/Denver", fallback_country="US")
    assert set(recipient.zones) == {"America/Boise", "America/Los_Angeles"}
    los_angeles, boise = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/Boise")
    # When it is 08:30 in Boise but 07:30 in Los Angeles, Then the send waits for 08:00 in Los Angeles
    early = datetime(2026, 6, 10, 8, 30, tzinfo=boise)
    assert defer(early, MessageKind.MARKETING, recipient) == datetime(2026, 6, 10, 8, tzinfo=los_angeles)
    # And at 21:00 in Boise (20:00 in Los Angeles) it waits for the next morning in Los Angeles
    late = datetime(2026, 6, 10, 21, tzinfo=boise)
    assert defer(late, MessageKind.MARKETING, recipient) == datetime(2026, 6, 11, 8, tzinfo=los_angeles)


def test_toll_free_number_is_held_until_every_nanp_zone_is_open() -> None:
    recipient = recipient_zone("+18005550123", fallback_tz="America/New_York", fallback_country="US")
    assert recipient.tz == "America/New_York"  # the store's zone is shown when it is a candidate
    assert {"Pacific/Guam", "Pacific/Pago_Pago", "America/St_Johns"} <= set(recipient.zones)
    assert recipient.subdivision is None
    sent = defer(datetime(2026, 1, 15, 5, tzinfo=UTC), MessageKind.MARKETING, recipient)
    # 22:00 UTC is 08:00 in Guam (UTC+10), 11:00 in Pago Pago (UTC-11) and 18:30 in St John's (UTC-3:30)
    assert sent == datetime(2026, 1, 15, 22, tzinfo=UTC)
    for zone in recipient.zones:
        assert is_allowed(sent, US, zone)
    assert not is_allowed(sent - timedelta(microseconds=1), US, recipient.zones)


@pytest.mark.parametrize("phone", [None, "", "not a number", "+15555551234"])
def test_no_usable_number_falls_back_to_the_store(phone: str | None) -> None:
    recipient = recipient_zone(phone, fallback_tz="Europe/Paris", fallback_country="fr")
    assert recipient == Recipient(tz="Europe/Paris", country="FR")


def test_zones_that_never_overlap_have_no_allowed_time() -> None:
    policy = every_day(time(8), time(9))
    with pytest.raises(NoAllowedTime):
        next_allowed(datetime(2026, 6, 10, tzinfo=UTC), policy, ("Europe/Paris", "Asia/Tokyo"))


# --- kinds, overrides, validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "held"),
    [
        (MessageKind.MARKETING, True),
        (MessageKind.SCHEDULED, True),
        (MessageKind.CONVERSATIONAL_REPLY, False),
        (MessageKind.KEYWORD_REPLY, False),
        (MessageKind.TRANSACTIONAL, False),
    ],
)
def test_kinds_quiet_hours_hold(kind: MessageKind, held: bool) -> None:
    night = paris(2026, 5, 3, 3)  # a Sunday, 03:00
    recipient = Recipient(tz="Europe/Paris", country="FR")
    assert applies_to(kind) is held
    assert (defer(night, kind, recipient) != night) is held


def test_overrides_most_specific_first() -> None:
    stricter = replace(US, windows=(((time(10), time(18)),),) * 7, source="business", jurisdiction="business-US")
    overrides = {"US": stricter}
    assert policy_for("US", "NY", overrides) is stricter
    assert policy_for("US", None, overrides) is stricter
    assert policy_for("US", "TX", overrides).jurisdiction == "US-TX"  # a state's statute is more specific
    texas = replace(stricter, jurisdiction="business-US-TX")
    assert policy_for("US", "tx", {"US": stricter, "US-TX": texas}) is texas
    everywhere = replace(FR, holiday_country=None, source="business", jurisdiction="business-*")
    assert policy_for("DE", None, {"*": everywhere}).holiday_country == "DE"  # the recipient's holidays
    assert policy_for("FR", None, {"*": everywhere}).jurisdiction == "FR"


def test_default_for_unlisted_countries() -> None:
    policy = policy_for("gb")
    assert policy.jurisdiction == quiet_hours.DEFAULT_KEY
    assert policy.windows == (((time(8), time(21)),),) * 7
    assert not policy.block_holidays


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 6, 10, 12)  # noqa: DTZ001 (on purpose)
    recipient = Recipient(tz="Europe/Paris", country="FR")
    with pytest.raises(ValueError, match="aware"):
        next_allowed(naive, FR, "Europe/Paris")
    with pytest.raises(ValueError, match="aware"):
        is_allowed(naive, FR, "Europe/Paris")
    with pytest.raises(ValueError, match="aware"):
        defer(naive, MessageKind.TRANSACTIONAL, recipient)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ((((time(8), time(21)),),) * 6, "seven days"),
        ((((time(21), time(8)),),) * 7, "ordered"),
        ((((time(8), time(12)), (time(11), time(14))),) * 7, "overlap"),
        ((((time(8, tzinfo=UTC), time(21)),),) * 7, "without tzinfo"),
    ],
)
def test_invalid_windows_are_refused(windows: quiet_hours.Week, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QuietHoursPolicy(windows=windows, block_holidays=False, source="test")


def test_blocking_holidays_needs_a_calendar() -> None:
    policy = QuietHoursPolicy(windows=FR.windows, block_holidays=True, source="test")
    with pytest.raises(ValueError, match="holiday country"):
        is_allowed(paris(2026, 5, 4, 10), policy, "Europe/Paris")


# --- the US area-code table stays in step with phonenumbers ------------------------------------------------------

_STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ",
    "New Mexico": "NM", "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH",
    "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington State": "WA", "Washington D.C.": "DC", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}  # fmt: skip
# phonenumbers describes one exchange of New Jersey's 201 as "New York, NY"; the area code is New Jersey's.
_KNOWN_EXCEPTIONS = {"1201631"}


def test_area_code_table_matches_phonenumbers_geocoder() -> None:
    # The geocoder is slow and large to import (that is why the domain keeps a copy): only this test loads it.
    from phonenumbers.geodata import GEOCODE_DATA

    seen: dict[str, str] = {}
    for prefix, names in GEOCODE_DATA.items():
        if not prefix.startswith("1") or len(prefix) < 4 or "en" not in names or prefix in _KNOWN_EXCEPTIONS:
            continue
        number = phonenumbers.parse("+" + (prefix + "2342342342")[:11])
        if phonenumbers.region_code_for_number(number) != "US":
            continue
        description = names["en"]
        tail = description.rsplit(", ", 1)[-1]
        state = tail if tail in _STATE_NAMES.values() else _STATE_NAMES[description]
        area_code = prefix[1:4]
        assert seen.setdefault(area_code, state) == state, prefix
    assert seen == dict(quiet_hours._US_STATE_BY_AREA_CODE)


# --- properties ----------------------------------------------------------------------------------------------------

_POLICIES = [
    US,
    FR,
    policy_for("FR", "57"),
    policy_for("US", "TX"),
    policy_for("US", "FL"),
    policy_for("DE"),
    every_day(time(2, 30), time(5)),  # opens inside New York's and Paris's spring-forward gaps
    every_day(time(1, 15), time(1, 45)),  # repeated by the fall-back
]
_ZONES: list[str | tuple[str, ...]] = [
    "America/New_York",
    "Europe/Paris",
    "America/Chicago",
    "Pacific/Auckland",
    ("America/Boise", "America/Los_Angeles"),
    ("Pacific/Guam", "Pacific/Pago_Pago", "America/St_Johns"),
]
_ANY_INSTANT = st.datetimes(
    min_value=datetime(2025, 12, 20),  # noqa: DTZ001 (hypothesis bounds are naive; timezones= makes them aware)
    max_value=datetime(2028, 1, 10),  # noqa: DTZ001
    timezones=st.just(UTC),
)
# Daylight-saving changes in the sampled zones (New York, Chicago, Paris, Auckland, St John's), and Christmas in
# Paris: random instants rarely land in the few hours where they matter, so half the examples are drawn near them.
_EVENTS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 3, 8, 8, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 14, tzinfo=UTC),
    datetime(2026, 9, 26, 14, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 11, 1, 7, tzinfo=UTC),
    datetime(2026, 12, 24, 19, tzinfo=UTC),
]
_NEAR_EVENT = st.builds(
    lambda event, seconds: event + timedelta(seconds=seconds),
    st.sampled_from(_EVENTS),
    st.integers(min_value=-2 * 86_400, max_value=86_400),
)
_INSTANTS = st.one_of(_ANY_INSTANT, _NEAR_EVENT)


@settings(deadline=None, max_examples=300)
@given(at=_INSTANTS, policy=st.sampled_from(_POLICIES), zones=st.sampled_from(_ZONES))
def test_next_allowed_is_the_earliest_allowed_instant(
    at: datetime, policy: QuietHoursPolicy, zones: str | tuple[str, ...]
) -> None:
    assume(isinstance(zones, str) or policy.source != "test")  # the narrow test windows never meet across zones
    sent = next_allowed(at, policy, zones)
    assert sent >= at
    assert is_allowed(sent, policy, zones)
    assert next_allowed(sent, policy, zones) == sent
    assert (sent == at) == is_allowed(at, policy, zones)
    if sent > at:
        assert not is_allowed(sent - timedelta(microseconds=1), policy, zones)
    probe = at
    while probe < sent:
        assert not is_allowed(probe, policy, zones), probe
        probe += timedelta(minutes=15)


@settings(deadline=None, max_examples=50)
@given(at=_INSTANTS, kind=st.sampled_from(list(MessageKind)))
def test_defer_never_moves_exempt_kinds_and_never_goes_back(at: datetime, kind: MessageKind) -> None:
    recipient = Recipient(tz="Europe/Paris", country="FR")
    sent = defer(at, kind, recipient)
    assert sent >= at
    if not applies_to(kind):
        assert sent is at
