"""Business settings on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from clienteling.directory.domain.settings import OptOutScope
from clienteling.kernel.wire import ApiModel, NonEmptyText, ResponseModel


class SettingsUpdate(ApiModel):
    brand_name: NonEmptyText | None = Field(default=None, description="Named in keyword replies and opt-in texts")
    opt_out_scope: OptOutScope | None = Field(
        default=None, description="store: STOP silences the store's number (Twilio's default); business: every store"
    )
    archive_after_inactive_months: int | None = Field(default=None, ge=1, le=120)
    archive_after_opt_out_days: int | None = Field(default=None, ge=0, le=365)
    archive_after_unanswered_opt_in_days: int | None = Field(default=None, ge=1, le=365)
    marketing_frequency_cap: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="At most this many campaign messages per customer within marketingFrequencyDays, across "
        "campaigns, stores and channels; 0: no cap",
    )
    marketing_frequency_days: int | None = Field(default=None, ge=1, le=365)


class SettingsOut(ResponseModel):
    brand_name: str | None
    opt_out_scope: OptOutScope
    archive_after_inactive_months: int
    archive_after_opt_out_days: int
    archive_after_unanswered_opt_in_days: int
    marketing_frequency_cap: int
    marketing_frequency_days: int
    version: int
    updated_at: datetime | None
