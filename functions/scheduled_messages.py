"""Send-later delivery (invoked by an EventBridge Scheduler one-time schedule at the message's time)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.edge.entrypoints import schedule_entrypoint
from clienteling.messaging.wiring import send_later


@schedule_entrypoint
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    delivered = send_later().deliver(str(event["conversationId"]), str(event["scheduledId"]))
    return {"state": delivered.state.value if delivered else "unknown"}
