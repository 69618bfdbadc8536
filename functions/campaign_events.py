"""Campaign events (worker): delivery reports, replies, opt-outs and orders counted for the campaign a customer
last got; purchases kept for audiences (the purchase index, last purchase and visit)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.campaigns.wiring import campaign_events
from clienteling.kernel.observability import logger


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    received = EventBridgeEvent(event)
    return {"outcome": campaign_events().handle(received.detail_type, received.detail)}
