"""Identifiers: time-ordered ULIDs, so that ids sort by creation time in keys."""

from __future__ import annotations

from ulid import ULID


def new_id() -> str:
    """A new ULID as its 26-character Crockford base32 string."""
    return str(ULID())
