"""The EventBridge bus: where committed changes become events for other functions and integrations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from clienteling.kernel.providers import OutgoingEvent

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient

MAX_ENTRIES = 10  # PutEvents limit per call


class EventBridgeBus:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def put(self, events: list[OutgoingEvent]) -> list[str]:
        """Publish; returns the keys of the events EventBridge did not accept (to retry)."""
        failed: list[str] = []
        for start in range(0, len(events), MAX_ENTRIES):
            chunk = events[start : start + MAX_ENTRIES]
            entries: list[Any] = []
            for event in chunk:
                entry: dict[str, Any] = {
                    "Source": event.source,
                    "DetailType": event.detail_type,
                    "Detail": json.dumps(event.detail),
                    "EventBusName": self._bus,
                }
                if event.time is not None:
                    entry["Time"] = event.time
                entries.append(entry)
            response = self._client.put_events(Entries=entries)
            if response.get("FailedEntryCount", 0):
                failed += [
                    event.key
                    for event, result in zip(chunk, response["Entries"], strict=False)
                    if result.get("ErrorCode")
                ]
        return failed
