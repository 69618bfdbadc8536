"""Events of loyalty: purchases recorded at the till.

Details carry ids and states, never message bodies, phone numbers or emails: consumers read what they need
through the API or the table. These models are the single source of schemas/events/*.json (`make schemas`).
"""

from __future__ import annotations

from datetime import datetime

from clienteling.kernel.events import PurchasedLine
from clienteling.kernel.wire import ResponseModel


class PurchaseRecorded(ResponseModel):
    """A purchase was recorded at a store's till (loyalty)."""

    purchase_id: str
    customer_id: str
    store_id: str
    associate_id: str
    total_minor: int
    currency: str
    lines: list[PurchasedLine]
    occurred_at: datetime


# What this feature publishes on the bus (schemas/generate.py writes one schema each).
PUBLISHED: tuple[type[ResponseModel], ...] = (PurchaseRecorded,)
