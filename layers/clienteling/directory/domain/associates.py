"""Associates: the store staff who use the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from clienteling.kernel.access import Role


class Availability(StrEnum):
    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Associate:
    """One person; `role` and `store_ids` are mirrored into the identity provider's token claims."""

    id: str
    display_name: str
    email: str
    role: Role
    store_ids: tuple[str, ...]
    availability: Availability
    version: int
    created_at: datetime
    updated_at: datetime
    profile_picture_key: str | None = None
    identity_username: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class AssociateSummary:
    id: str
    display_name: str
    role: Role
    availability: Availability
    active: bool = True
