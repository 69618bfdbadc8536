"""Quiet hours: when a marketing or scheduled text may reach a recipient, and when a held one may go out.

Windows are the recipient's local wall-clock time, start included, end excluded: in the US 20:59:59 is allowed and
21:00 is not. A send is an instant; how long a campaign takes to go out is not modelled, so one that starts at 20:59
is allowed (the sender must stop queueing at the window's end itself). Quiet hours never hold a reply in a
conversation the customer is in, a keyword reply, or a transactional message (`applies_to`).

The policy table (`policy_for`), strictest reading where sources differ, as the shared messaging-compliance guide
("Quiet hours") asks:
- Every country not listed: 08:00-21:00 every day (Klaviyo's quiet-hours table for UK, IE, DE, NL, AU and NZ).
- US: 08:00-21:00 at the called party's location, TCPA telephone-solicitation window, 47 CFR 64.1200(c)(1). Federal
  holidays do not block: no federal rule says so. States with a stricter window, each with its source:
  - FL 08:00-20:00, Fla. Stat. 501.616(6)(a), Florida Telephone Solicitation Act as amended by SB 1120 (2021);
  - OK 08:00-20:00, 15 Okla. Stat. 775C.4, Oklahoma Telephone Solicitation Act of 2022 (HB 3168);
  - TX Mon-Sat 09:00-21:00, Sun 12:00-21:00, Tex. Bus. & Com. Code 301.051; SB 140 (2025) brought text messages
    into Texas telephone-solicitation law;
  - WA 08:00-20:00, RCW 19.158.040(2);
  - MD 08:00-20:00, Md. Code, Com. Law 14-4502, Stop the Spam Calls Act of 2023 (SB 90).
  Left out on purpose, because vendors' tables disagree with each other and we could not check the text: AL, LA, MS
  (Sunday and holiday bans from public-service-commission rules), CT, NJ, MA, RI, KY, MI, MN, NV, NM, PA, UT. A
  business adds them with `overrides` once counsel confirms.
- FR: Monday-Saturday 08:00-20:00, never on Sundays or French public holidays (the `holidays` package). French
  vendors cite Mon-Sat 08:00-20:00; Klaviyo and Callr report carriers holding promotional traffic on Sundays and
  public holidays. The five overseas departments (GP, MQ, GF, RE, YT: French law applies there in full, art. 73 of
  the Constitution) are read as France with their own holidays; Alsace-Moselle adds Good Friday and 26 December
  when the caller knows the subdivision (57, 67, 68 or 6AE): a phone number cannot tell.

The recipient (`recipient_zone`): the time zones come from phonenumbers' prefix data. A number phonenumbers places in
several zones (Idaho 208: Boise and Los Angeles; US toll-free: every NANP zone) gets all of them, and a send must be
inside the window in every one (`next_allowed` takes them all). The US state comes from the area code
(`_US_STATE_AREA_CODES`, copied from phonenumbers' geocoder, which costs 190 MB and two seconds to import; a unit test
keeps the copy in step). Florida's act presumes that a Florida area code reaches a Florida resident (Fla. Stat.
501.059); a state we cannot read falls back to the federal rule.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias
from zoneinfo import ZoneInfo

import phonenumbers
import phonenumbers.timezone
from phonenumbers import NumberParseException

if TYPE_CHECKING:
    from holidays import HolidayBase

Window: TypeAlias = tuple[time, time]
"""[start, end) in local wall-clock time, within one day."""

Week: TypeAlias = tuple[tuple[Window, ...], ...]
"""Seven entries, Monday first (`date.weekday()`)."""

DEFAULT_KEY = "*"

# Long enough to cross every daylight-saving change of a year: a pattern with no allowed instant in that span has none.
_HORIZON = timedelta(days=370)
# No zone changes offset twice within six hours under current tzdata rules, so probing at this step finds every change.
_OFFSET_PROBE = timedelta(hours=6)
_MICROSECOND = timedelta(microseconds=1)


class NoAllowedTime(ValueError):
    """The policy allows no instant, in every candidate zone at once, within a year."""


class MessageKind(StrEnum):
    """Why a text goes out; the caller knows, and only MARKETING and SCHEDULED wait for the window."""

    MARKETING = "marketing"
    SCHEDULED = "scheduled"
    CONVERSATIONAL_REPLY = "conversational_reply"
    KEYWORD_REPLY = "keyword_reply"
    TRANSACTIONAL = "transactional"


_HELD_KINDS = frozenset({MessageKind.MARKETING, MessageKind.SCHEDULED})


def applies_to(kind: MessageKind) -> bool:
    """Whether quiet hours hold this kind: marketing and scheduled sends, never replies or transactional texts."""
    return kind in _HELD_KINDS


@dataclass(frozen=True, slots=True)
class QuietHoursPolicy:
    """When sends are allowed, in the recipient's local time. `jurisdiction` names the table entry that matched."""

    windows: Week
    block_holidays: bool
    source: str
    holiday_country: str | None = None  # when blocking holidays, `policy_for` fills in the recipient's country
    holiday_subdivision: str | None = None
    jurisdiction: str = DEFAULT_KEY

    def __post_init__(self) -> None:
        if len(self.windows) != 7:
            raise ValueError("windows needs seven days, Monday first")
        for day in self.windows:
            previous_end: time | None = None
            for start, end in day:
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError("window times are local wall-clock times, without tzinfo")
                if start >= end or (previous_end is not None and start < previous_end):
                    raise ValueError("a day's windows must be ordered, non-empty and not overlap")
                previous_end = end

    def day_blocked(self, day: date) -> bool:
        """Whether `day` (a local date) is a blocking holiday."""
        if not self.block_holidays:
            return False
        if self.holiday_country is None:
            raise ValueError("a policy that blocks holidays needs a holiday country")
        return day in _holiday_calendar(self.holiday_country, self.holiday_subdivision)

    def allows_wall_time(self, local: datetime) -> bool:
        """Whether a local wall-clock time (its date, weekday and time of day) is inside the policy."""
        day = local.date()
        if self.day_blocked(day):
            return False
        moment = local.time()
        return any(start <= moment < end for start, end in self.windows[day.weekday()])


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a text lands: `tz` is the zone to show people; `zones` are all those the number may be in."""

    tz: str  # an IANA key for ZoneInfo
    country: str  # ISO 3166-1 alpha-2
    subdivision: str | None = None  # a US state (USPS code) or a French department code, when known
    candidate_tzs: tuple[str, ...] = ()  # every zone, when the number maps to several (tz is one of them)

    @property
    def zones(self) -> tuple[str, ...]:
        return self.candidate_tzs or (self.tz,)


def _week(monday_to_saturday: Window, sunday: Window | None) -> Week:
    """One window Monday to Saturday; Sunday's own, or None when Sunday is closed."""
    return ((monday_to_saturday,),) * 6 + (((sunday,),) if sunday else ((),))


def _hours(start: int, end: int) -> Window:
    return (time(start), time(end))


_TCPA = "TCPA: 47 CFR 64.1200(c)(1), 08:00-21:00 at the called party's location"
_DEFAULT = QuietHoursPolicy(
    windows=_week(_hours(8, 21), _hours(8, 21)),
    block_holidays=False,
    source="Default 08:00-21:00 every day, as Klaviyo's quiet-hours table uses for UK, IE, DE, NL, AU and NZ",
)
_COUNTRIES: Mapping[str, QuietHoursPolicy] = {
    "US": QuietHoursPolicy(
        windows=_week(_hours(8, 21), _hours(8, 21)), block_holidays=False, source=_TCPA, jurisdiction="US"
    ),
    "FR": QuietHoursPolicy(
        windows=_week(_hours(8, 20), None),
        block_holidays=True,
        source=(
            "Strictest French reading: Mon-Sat 08:00-20:00 (French SMS vendors), no promotional SMS on Sundays or "
            "public holidays (carriers, per Klaviyo and Callr)"
        ),
        jurisdiction="FR",
    ),
}
_EIGHT_TO_EIGHT = _week(_hours(8, 20), _hours(8, 20))
_US_STATES: Mapping[str, QuietHoursPolicy] = {
    "FL": QuietHoursPolicy(
        windows=_EIGHT_TO_EIGHT,
        block_holidays=False,
        source="Fla. Stat. 501.616(6)(a) (FTSA, SB 1120 of 2021): 08:00-20:00 at the called person's location",
        jurisdiction="US-FL",
    ),
    "OK": QuietHoursPolicy(
        windows=_EIGHT_TO_EIGHT,
        block_holidays=False,
        source="15 Okla. Stat. 775C.4 (Telephone Solicitation Act of 2022): 08:00-20:00 at the called party's location",
        jurisdiction="US-OK",
    ),
    "TX": QuietHoursPolicy(
        windows=_week(_hours(9, 21), _hours(12, 21)),
        block_holidays=False,
        source="Tex. Bus. & Com. Code 301.051: Mon-Sat 09:00-21:00, Sunday 12:00-21:00 at the purchaser's location",
        jurisdiction="US-TX",
    ),
    "WA": QuietHoursPolicy(
        windows=_EIGHT_TO_EIGHT,
        block_holidays=False,
        source="RCW 19.158.040(2): 08:00-20:00 at the call recipient's local time",
        jurisdiction="US-WA",
    ),
    "MD": QuietHoursPolicy(
        windows=_EIGHT_TO_EIGHT,
        block_holidays=False,
        source="Md. Code, Com. Law 14-4502 (Stop the Spam Calls Act of 2023): 08:00-20:00 in the called party's zone",
        jurisdiction="US-MD",
    ),
}
_STATUTORY_SUBDIVISIONS: Mapping[str, Mapping[str, QuietHoursPolicy]] = {"US": _US_STATES}

# `holidays` knows Alsace-Moselle as 57 (Moselle) and 6AE (the Collectivité européenne d'Alsace), not 67 and 68.
_HOLIDAY_SUBDIVISION_ALIASES: Mapping[str, Mapping[str, str]] = {"FR": {"67": "6AE", "68": "6AE"}}


def policy_for(
    country: str, subdivision: str | None = None, overrides: Mapping[str, QuietHoursPolicy] | None = None
) -> QuietHoursPolicy:
    """The policy for a recipient in `country` (and `subdivision`, when known).

    The most specific entry wins: "US-FL", then "US", then "*" (every other country); at each level a business
    override (same keys) comes before the built-in table. So an override of "US" does not loosen or tighten a
    state's statutory window: override "US-TX" for that. A policy that blocks holidays without naming a calendar
    gets the recipient's country and subdivision.
    """
    country = country.strip().upper()
    region = subdivision.strip() if subdivision else None
    overrides = overrides or {}
    candidates: list[QuietHoursPolicy | None] = []
    if region:
        key = f"{country}-{region.upper()}"
        candidates += [overrides.get(key), _STATUTORY_SUBDIVISIONS.get(country, {}).get(region.upper())]
    candidates += [overrides.get(country), _COUNTRIES.get(country), overrides.get(DEFAULT_KEY), _DEFAULT]
    chosen = next(policy for policy in candidates if policy is not None)
    if chosen.block_holidays and chosen.holiday_country is None:
        chosen = replace(chosen, holiday_country=country, holiday_subdivision=_holiday_subdivision(country, region))
    return chosen


@functools.cache
def _holiday_calendar(country: str, subdivision: str | None) -> HolidayBase:
    # Imported on first use: `holidays` costs ~130 ms and 20 MB at import, and only a policy that blocks holidays
    # (FR by default) needs it. The calendar fills in each year on first lookup; Lambda runs one event at a time.
    import holidays  # noqa: PLC0415

    return holidays.country_holidays(country, subdiv=subdivision)


def _holiday_subdivision(country: str, subdivision: str | None) -> str | None:
    """The subdivision as `holidays` names it, or None when it has no such subdivision (national holidays only)."""
    if subdivision is None:
        return None
    name = _HOLIDAY_SUBDIVISION_ALIASES.get(country, {}).get(subdivision, subdivision)
    try:
        national = _holiday_calendar(country, None)
    except NotImplementedError:  # a country `holidays` does not know: nothing to look up
        return None
    known = set(national.subdivisions) | set(national.subdivisions_aliases)
    return next((spelling for spelling in (name, name.upper()) if spelling in known), None)


# --- the computation -------------------------------------------------------------------------------------------


def _zones(tz: str | Sequence[str]) -> tuple[ZoneInfo, ...]:
    keys = (tz,) if isinstance(tz, str) else tuple(tz)
    if not keys:
        raise ValueError("at least one time zone is needed")
    return tuple(ZoneInfo(key) for key in dict.fromkeys(keys))


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be timezone-aware")


def is_allowed(at: datetime, policy: QuietHoursPolicy, tz: str | Sequence[str]) -> bool:
    """Whether a send at `at` is inside the policy in every candidate zone."""
    _require_aware(at)
    return all(policy.allows_wall_time(at.astimezone(zone)) for zone in _zones(tz))


def next_allowed(at: datetime, policy: QuietHoursPolicy, tz: str | Sequence[str]) -> datetime:
    """`at` itself when sending is allowed then; otherwise the earliest later instant allowed in every candidate zone,
    in UTC. Raises NoAllowedTime when there is none within a year (zones too far apart for the window)."""
    _require_aware(at)
    zones = _zones(tz)
    if all(policy.allows_wall_time(at.astimezone(zone)) for zone in zones):
        return at
    start = at.astimezone(UTC)
    moment = start
    # Each zone's "next allowed instant" never jumps past the earliest instant allowed in all zones, so moving to
    # it zone after zone until none moves reaches that instant exactly.
    while True:
        settled = True
        for zone in zones:
            later = _next_allowed_in_zone(moment, policy, zone)
            if later != moment:
                moment, settled = later, False
        if settled:
            return moment
        if moment - start > _HORIZON:
            raise NoAllowedTime("no instant is inside the window in every candidate time zone")


def _offset(moment: datetime, zone: tzinfo) -> timedelta:
    # ZoneInfo always has an offset; `or` only satisfies the Optional in the signature (0 stays 0).
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _next_allowed_in_zone(moment: datetime, policy: QuietHoursPolicy, zone: ZoneInfo) -> datetime:
    """Earliest instant >= `moment` (UTC) allowed in one zone.

    Between two offset changes the zone is the fixed-offset zone `timezone(offset)`, where wall-clock arithmetic is
    plain arithmetic. So: find the next allowed wall time at the current offset; if the offset changes before it
    (a daylight-saving change), start again from the change. This is what makes a window that opens inside a
    spring-forward gap open at the jump, and a wall time repeated by a fall-back count on both of its occurrences.
    """
    start = moment
    while moment - start <= _HORIZON:
        offset = _offset(moment, zone)
        candidate = _next_wall_time(moment.astimezone(timezone(offset)), policy)
        if candidate is None:
            break
        change = _first_offset_change(zone, moment, candidate, offset)
        if change is None:
            return candidate.astimezone(UTC)
        moment = change
    raise NoAllowedTime("the policy allows no time within a year")


def _days(first: date) -> Iterator[date]:
    for index in range(_HORIZON.days + 1):
        yield first + timedelta(days=index)


def _next_wall_time(local: datetime, policy: QuietHoursPolicy) -> datetime | None:
    """The earliest wall time >= `local` (aware, fixed offset) inside the policy, at that same fixed offset."""
    fixed = local.tzinfo
    for day in _days(local.date()):
        if policy.day_blocked(day):
            continue
        for start, end in policy.windows[day.weekday()]:
            if local < datetime.combine(day, end, tzinfo=fixed):
                return max(local, datetime.combine(day, start, tzinfo=fixed))
    return None


def _first_offset_change(zone: ZoneInfo, after: datetime, until: datetime, offset: timedelta) -> datetime | None:
    """The first instant in (after, until] where the zone's offset is no longer `offset`, exact to the microsecond."""
    low = after
    while low < until:
        high = min(low + _OFFSET_PROBE, until)
        if _offset(high, zone) != offset:
            while high - low > _MICROSECOND:  # offset(low) == offset != offset(high)
                middle = low + (high - low) // 2
                if _offset(middle, zone) == offset:
                    low = middle
                else:
                    high = middle
            return high
        low = high
    return None


# --- the recipient -----------------------------------------------------------------------------------------------

# phonenumbers gives these French overseas departments their own region codes; French law applies there in full.
_FRENCH_OVERSEAS_DEPARTMENTS: Mapping[str, str] = {"GP": "971", "MQ": "972", "GF": "973", "RE": "974", "YT": "976"}

# US area code -> state (USPS), from phonenumbers' geocoder (9.0.x); tests/unit/test_quiet_hours.py checks it still
# agrees. Not imported at run time: the geocoder loads every country's descriptions (190 MB, two seconds).
_US_STATE_AREA_CODES: Mapping[str, str] = {
    "AK": "907",
    "AL": "205 251 256 334 659 938",
    "AR": "327 479 501 870",
    "AZ": "480 520 602 623 928",
    "CA": "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 "
    "747 760 805 818 820 831 840 858 909 916 925 949 951",
    "CO": "303 719 720 748 970 983",
    "CT": "203 475 860 959",
    "DC": "202 771",
    "DE": "302",
    "FL": "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954",
    "GA": "229 404 470 478 678 706 762 770 912 943",
    "HI": "808",
    "IA": "319 515 563 641 712",
    "ID": "208 986",
    "IL": "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872",
    "IN": "219 260 317 463 574 765 812 930",
    "KS": "316 620 785 913",
    "KY": "270 364 502 606 859",
    "LA": "225 318 337 504 985",
    "MA": "339 351 413 508 617 774 781 857 978",
    "MD": "227 240 301 410 443 667",
    "ME": "207",
    "MI": "231 248 269 313 517 586 616 734 810 906 947 989",
    "MN": "218 320 507 612 651 763 952",
    "MO": "235 314 417 557 573 636 660 816 975",
    "MS": "228 601 662 769",
    "MT": "406",
    "NC": "252 336 472 704 743 828 910 919 980 984",
    "ND": "701",
    "NE": "308 402 531",
    "NH": "603",
    "NJ": "201 551 609 640 732 848 856 862 908 973",
    "NM": "505 575",
    "NV": "702 725 775",
    "NY": "212 315 329 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934",
    "OH": "216 220 234 283 326 330 380 419 440 513 567 614 740 937",
    "OK": "405 539 572 580 918",
    "OR": "458 503 541 971",
    "PA": "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878",
    "RI": "401",
    "SC": "803 821 839 843 854 864",
    "SD": "605",
    "TN": "423 615 629 731 865 901 931",
    "TX": "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 915 936 940 945 956 "
    "972 979",
    "UT": "385 435 801",
    "VA": "276 434 540 571 686 703 757 804 826 948",
    "VT": "802",
    "WA": "206 253 360 425 509 564",
    "WI": "262 274 353 414 534 608 715 920",
    "WV": "304 681",
    "WY": "307",
}
_US_STATE_BY_AREA_CODE: Mapping[str, str] = {
    code: state for state, codes in _US_STATE_AREA_CODES.items() for code in codes.split()
}


def recipient_zone(phone_e164: str | None, *, fallback_tz: str, fallback_country: str) -> Recipient:
    """Where a number's texts land: its time zone(s), country and, for US numbers, state.

    A number phonenumbers places in several zones keeps them all (`Recipient.zones`); `tz` is then the store's
    zone if it is one of them, else the first. No number, or one phonenumbers cannot place, falls back to the
    store's zone and country.
    """
    number = _parse(phone_e164)
    if number is None:
        return Recipient(tz=fallback_tz, country=fallback_country.upper())
    region = phonenumbers.region_code_for_number(number)
    if region in {None, "001", "ZZ"}:  # "001": non-geographic numbers (+800, +882...) belong to no country
        region = fallback_country.upper()
    country, subdivision = _country_and_subdivision(number, region)
    zones = tuple(
        zone
        for zone in phonenumbers.timezone.time_zones_for_number(number)
        if zone != phonenumbers.timezone.UNKNOWN_TIMEZONE
    )
    if not zones:
        return Recipient(tz=fallback_tz, country=country, subdivision=subdivision)
    shown = fallback_tz if fallback_tz in zones else zones[0]
    return Recipient(tz=shown, country=country, subdivision=subdivision, candidate_tzs=zones if len(zones) > 1 else ())


def _parse(phone_e164: str | None) -> phonenumbers.PhoneNumber | None:
    if not phone_e164:
        return None
    try:
        number = phonenumbers.parse(phone_e164, None)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _country_and_subdivision(number: phonenumbers.PhoneNumber, region: str) -> tuple[str, str | None]:
    if region in _FRENCH_OVERSEAS_DEPARTMENTS:
        return "FR", _FRENCH_OVERSEAS_DEPARTMENTS[region]
    if region == "US":
        national = phonenumbers.national_significant_number(number)
        return "US", _US_STATE_BY_AREA_CODE.get(national[:3])  # toll-free and new codes have no state
    return region, None


def defer(
    at: datetime,
    kind: MessageKind,
    recipient: Recipient,
    overrides: Mapping[str, QuietHoursPolicy] | None = None,
) -> datetime:
    """When a send requested at `at` may go out: `at` for kinds quiet hours do not hold, else `next_allowed`."""
    _require_aware(at)
    if not applies_to(kind):
        return at
    policy = policy_for(recipient.country, recipient.subdivision, overrides)
    return next_allowed(at, policy, recipient.zones)
