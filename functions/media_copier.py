"""Media copier (worker): inbound MMS images move from the provider into the private S3 bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.kernel.observability import logger
from clienteling.messaging.events import MessageReceived
from clienteling.messaging.wiring import media_copier


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    received = MessageReceived.model_validate(EventBridgeEvent(event).detail)
    return {"copied": media_copier().copy(received)}
