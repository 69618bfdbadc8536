"""Loyalty worker: a paid remote-cart order (EventBridge `OrderPaid`) earns points, once per order id."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.commerce.events import OrderPaid
from clienteling.kernel.observability import logger
from clienteling.loyalty.wiring import purchase_service


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    order = OrderPaid.model_validate(EventBridgeEvent(event).detail)
    return {"points": purchase_service().earn_for_order(order)}
