"""Money and dates as a locale writes them (Babel), in the currency's own exponent; English (US) is the fallback."""

from __future__ import annotations

from datetime import date, time

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency

from clienteling.kernel.money import from_minor


def babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en_US")


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """12990 EUR in fr-FR -> "129,90 €"; 1500 JPY in ja-JP -> "￥1,500"; always the currency's own exponent."""
    return format_currency(from_minor(amount_minor, currency), currency, locale=babel_locale(locale))


def format_day(day: date, locale: str) -> str:
    from babel.dates import format_date  # noqa: PLC0415 - only pages and receipts show dates

    return format_date(day, format="full", locale=babel_locale(locale))


def format_clock(moment: time, locale: str) -> str:
    from babel.dates import format_time  # noqa: PLC0415 - only pages and receipts show times

    return format_time(moment, format="short", locale=babel_locale(locale))
