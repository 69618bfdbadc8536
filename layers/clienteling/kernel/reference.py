"""Reference data checks: IANA time zones, BCP 47 locales, ISO 4217 currencies, ISO 3166 countries.

Babel and phonenumbers take ~18 ms to import: they load on the first check that needs them, not with every
contract that has an address or a locale field (imported at cold start by most functions).
"""

from __future__ import annotations

import functools
import zoneinfo


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone(name: str) -> str:
    if name not in _time_zones():
        raise ValueError("is not an IANA time zone (for example Europe/Paris)")
    return name


def locale_tag(tag: str) -> str:
    """Canonical BCP 47 tag ("fr-fr" → "fr-FR")."""
    from babel import Locale, UnknownLocaleError  # noqa: PLC0415 - see the module's docstring

    try:
        parsed = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError) as error:
        raise ValueError("is not a supported BCP 47 locale (for example en-US, fr-FR)") from error
    return str(parsed).replace("_", "-")


@functools.cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies  # noqa: PLC0415

    return frozenset(list_currencies())


def currency(code: str) -> str:
    upper = code.upper()
    if len(upper) != 3 or upper not in _currencies():
        raise ValueError("is not an ISO 4217 currency code")
    return upper


def currency_exponent(code: str) -> int:
    """Digits after the decimal point of the currency's minor unit (JPY 0, EUR 2, KWD 3)."""
    from babel.numbers import get_currency_precision  # noqa: PLC0415

    return int(get_currency_precision(code))


@functools.cache
def _countries() -> frozenset[str]:
    # Countries with a numbering plan: excludes CLDR's pseudo-regions (ZZ, EU, UN, XK variants ...).
    import phonenumbers  # noqa: PLC0415

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def country(code: str) -> str:
    upper = code.upper()
    if upper not in _countries():
        raise ValueError("is not an ISO 3166-1 alpha-2 country code")
    return upper
