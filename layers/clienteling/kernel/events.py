"""What every feature's events share: the bus source, the detail-type naming rule, and the values several
features' events carry. Each feature publishes its own events in its `events.py`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from clienteling.kernel.wire import ResponseModel

SOURCE = "clienteling"


class PurchasedLine(ResponseModel):
    sku: str | None = Field(default=None, description="null for a free amount or a category-only line")
    category_id: str | None = None
    quantity: int
    total_minor: int = Field(description="What the line cost after discounts, in minor units of `currency`")


def detail_type(model: type[BaseModel] | BaseModel) -> str:
    return (model if isinstance(model, type) else type(model)).__name__
