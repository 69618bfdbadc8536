"""Payment follow-ups (worker): OrderPaid and PaymentFailed events become the chat line and the receipts."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.commerce.wiring import payment_followups
from clienteling.kernel.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[str]]:
    received = EventBridgeEvent(event)
    return {"done": payment_followups().handle(received.detail_type, received.detail)}
