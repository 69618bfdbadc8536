"""A store: where associates work, with the number its customers text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clienteling.domain.addresses import Address


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    phone_number: str
    time_zone: str
    locale: str
    currency: str
    address: Address
    tax_mode: str
    version: int
    created_at: datetime
    updated_at: datetime
