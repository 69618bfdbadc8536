"""Campaign events (worker): delivery reports, replies, opt-outs and orders counted for the campaign a customer
last got; purchases kept for audiences (the purchase index, last purchase and visit)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from clienteling.campaigns.wiring import campaign_events
from clienteling.edge.entrypoints import event_entrypoint


@event_entrypoint
def lambda_handler(received: EventBridgeEvent) -> dict[str, str]:
    return {"outcome": campaign_events().handle(received.detail_type, received.detail)}
