"""Payment follow-ups (worker): OrderPaid and PaymentFailed events become the chat line and the receipts."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from clienteling.commerce.wiring import payment_followups
from clienteling.edge.entrypoints import event_entrypoint


@event_entrypoint
def lambda_handler(received: EventBridgeEvent) -> dict[str, list[str]]:
    return {"done": payment_followups().handle(received.detail_type, received.detail)}
