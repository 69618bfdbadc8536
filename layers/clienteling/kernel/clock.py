"""Time, behind one seam, so tests and the local scheduler can move it forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def iso(instant: datetime) -> str:
    """Fixed-width ISO-8601 UTC with microseconds, so strings sort like instants in keys."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    """Parse what `iso` wrote."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def from_event_time(text: str) -> datetime:
    """EventBridge's `time` (RFC 3339, second precision, "Z")."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
