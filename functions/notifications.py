"""Notifications (worker): EventBridge conversation events become notifications for the right associates."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.kernel.clock import from_event_time
from clienteling.kernel.observability import logger
from clienteling.messaging.wiring import notification_service


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    received = EventBridgeEvent(event)
    added = notification_service().handle(
        received.get_id, received.detail_type, received.detail, from_event_time(received.time)
    )
    return {"notified": added}
