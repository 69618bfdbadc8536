"""Saved replies: texts with placeholders, per locale, with a fallback to the store's language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
KNOWN = frozenset({"customer.first_name", "customer.last_name", "associate.display_name", "store.name"})


class UnknownPlaceholder(ValueError):
    """The text uses a placeholder the product does not fill."""


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    name: str
    bodies: dict[str, str]  # BCP 47 language or locale -> text
    store_id: str | None  # None: every store
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None


def check(text: str) -> None:
    unknown = sorted(set(PLACEHOLDER.findall(text)) - KNOWN)
    if unknown:
        raise UnknownPlaceholder(
            f"unknown placeholder {{{unknown[0]}}}; use one of " + ", ".join(f"{{{k}}}" for k in sorted(KNOWN))
        )


def pick(bodies: Mapping[str, str], locale: str, fallback_locale: str) -> str | None:
    """The text for a locale: exact tag, then its language, then the store's locale and language, then any."""
    for tag in (locale, locale.split("-", maxsplit=1)[0], fallback_locale, fallback_locale.split("-", maxsplit=1)[0]):
        if tag in bodies:
            return bodies[tag]
    return next(iter(bodies.values()), None)


def render(text: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)
