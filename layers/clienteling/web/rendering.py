"""The Jinja2 environment (templates inside the package, autoescaped) and Babel filters."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from clienteling.kernel import localisation


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("clienteling.web", "templates"),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def money(amount_minor: int, currency: str, locale: str) -> str:
    return localisation.format_money(amount_minor, currency, locale)


def last_moment(expires_at: datetime, time_zone: str, locale: str) -> tuple[str, str]:
    """(day, time) of the last minute a cart expiring at `expires_at` (a midnight) can be paid, in the store's
    zone: "mardi 24 novembre 2026", "23:59" (a bare "midnight on Tuesday" reads both ways)."""
    last = (expires_at.astimezone(ZoneInfo(time_zone)) - timedelta(minutes=1)).replace(second=0, microsecond=0)
    return localisation.format_day(last.date(), locale), localisation.format_clock(last.time(), locale)
