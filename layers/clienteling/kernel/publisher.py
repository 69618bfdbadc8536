"""Turns outbox items from the table's stream into EventBridge events."""

from __future__ import annotations

import json
from collections.abc import Iterable

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from clienteling.kernel.clock import from_iso
from clienteling.kernel.events import SOURCE
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import EventBus, OutgoingEvent


class OutboxPublisher:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    def publish(self, records: Iterable[DynamoDBRecord]) -> list[str]:
        """Publish the outbox items of a batch; returns the sequence numbers to retry (the first failure on)."""
        ordered: list[tuple[str, OutgoingEvent]] = []
        for record in records:
            image = record.dynamodb.new_image if record.dynamodb else None
            sequence = record.dynamodb.sequence_number if record.dynamodb else None
            if not image or image.get("entity") != "outbox" or sequence is None:
                continue  # the stream filter already drops these; be safe anyway
            ordered.append(
                (
                    sequence,
                    OutgoingEvent(
                        key=sequence,
                        source=SOURCE,
                        detail_type=str(image["detail_type"]),
                        detail=json.loads(str(image["detail"])),
                        time=from_iso(str(image["occurred_at"])),
                    ),
                )
            )
        failed = set(self._bus.put([event for _, event in ordered]))
        if failed:
            logger.warning("events refused by EventBridge", extra={"count": len(failed)})
            # Lambda retries from the first reported failure: report every record from there on.
            first = next(i for i, (sequence, _) in enumerate(ordered) if sequence in failed)
            return [sequence for sequence, _ in ordered[first:]]
        logger.info("events published", extra={"count": len(ordered)})
        return []
