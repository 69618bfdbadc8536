"""Notifications (worker): EventBridge conversation events become notifications for the right associates."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from clienteling.edge.entrypoints import event_entrypoint
from clienteling.kernel.clock import from_event_time
from clienteling.messaging.wiring import notification_service


@event_entrypoint
def lambda_handler(received: EventBridgeEvent) -> dict[str, int]:
    added = notification_service().handle(
        received.get_id, received.detail_type, received.detail, from_event_time(received.time)
    )
    return {"notified": added}
