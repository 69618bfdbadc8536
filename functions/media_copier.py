"""Media copier (worker): inbound MMS images move from the provider into the private S3 bucket."""

from __future__ import annotations

from clienteling.edge.entrypoints import event_entrypoint
from clienteling.messaging.events import MessageReceived
from clienteling.messaging.wiring import media_copier


@event_entrypoint(detail_model=MessageReceived)
def lambda_handler(received: MessageReceived) -> dict[str, int]:
    return {"copied": media_copier().copy(received)}
