"""Business-wide settings of the retailer (one deployment = one retailer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OptOutScope(StrEnum):
    """What a STOP texted to one store's number silences: that number (Twilio's own default) or every store."""

    STORE = "store"
    BUSINESS = "business"


@dataclass(frozen=True, slots=True)
class BusinessSettings:
    brand_name: str | None = None
    opt_out_scope: OptOutScope = OptOutScope.STORE
    archive_after_inactive_months: int = 4  # calendar months without activity
    archive_after_opt_out_days: int = 2
    archive_after_unanswered_opt_in_days: int = 7
    # Marketing frequency cap: at most this many campaign messages per customer within the days below, across
    # campaigns, stores and channels; 0 turns the cap off.
    marketing_frequency_cap: int = 2
    marketing_frequency_days: int = 7
    version: int = 0  # 0: never saved, the defaults apply
    updated_at: datetime | None = None
