"""Loyalty worker: a paid remote-cart order (EventBridge `OrderPaid`) earns points, once per order id."""

from __future__ import annotations

from clienteling.commerce.events import OrderPaid
from clienteling.edge.entrypoints import event_entrypoint
from clienteling.loyalty.wiring import purchase_service


@event_entrypoint(detail_model=OrderPaid)
def lambda_handler(order: OrderPaid) -> dict[str, int]:
    return {"points": purchase_service().earn_for_order(order)}
