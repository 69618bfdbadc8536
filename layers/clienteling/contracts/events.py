"""EventBridge events the product publishes: `source` and `detail-type`, and the pydantic model of `detail`.

These models are the single source of schemas/events/*.json.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from clienteling.contracts.base import ResponseModel

SOURCE = "clienteling"


class CustomerCreated(ResponseModel):
    """A customer record was created (by an associate, a till purchase or an unknown texting number)."""

    customer_id: str
    home_store_id: str
    unidentified: bool = False
    occurred_at: datetime


class ConsentChanged(ResponseModel):
    """A customer's consent changed; the audit event id points into the customer's consent trail."""

    customer_id: str
    consent_event_id: str
    channel: str
    purpose: str
    store_id: str | None = Field(description="null when business-wide")
    previous: str
    status: str
    method: str
    occurred_at: datetime


EVENT_DETAILS: dict[tuple[str, str], type[BaseModel]] = {
    (SOURCE, "CustomerCreated"): CustomerCreated,
    (SOURCE, "ConsentChanged"): ConsentChanged,
}
