"""Events of the directory: customers created and consent changed.

Details carry ids and states, never message bodies, phone numbers or emails: consumers read what they need
through the API or the table. These models are the single source of schemas/events/*.json (`make schemas`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from clienteling.kernel.wire import ResponseModel


class CustomerCreated(ResponseModel):
    """A customer record was created (by an associate, or from an unknown texting number)."""

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


# What this feature publishes on the bus (schemas/generate.py writes one schema each).
PUBLISHED: tuple[type[ResponseModel], ...] = (
    CustomerCreated,
    ConsentChanged,
)
