"""Tiny handlers the runtime tests' templates point at. The runtime's invocation log records what they got;
they only fail when the data they receive asks them to, so each test decides through its own items."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from clienteling import resources

_attempts: Counter[str] = Counter()  # per stream record, across retries


def stream_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Reports a record as failed for as many attempts as its item's `fail_times` says."""
    failures = []
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage", {})
        sequence = record["dynamodb"]["SequenceNumber"]
        key = f"{record['eventSourceARN']}/{sequence}"
        _attempts[key] += 1
        if _attempts[key] <= int(image.get("fail_times", {}).get("N", "0")):
            failures.append({"itemIdentifier": sequence})
    return {"batchItemFailures": failures}


def queue_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Fails the messages whose JSON body says {"fail": true}."""
    failures = [
        {"itemIdentifier": record["messageId"]} for record in event["Records"] if json.loads(record["body"]).get("fail")
    ]
    return {"batchItemFailures": failures}


def event_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Raises when the event's detail says {"fail": true}, as an unhandled error would."""
    if event["detail"].get("fail"):
        raise RuntimeError("the event asked to fail")
    return {"handled": event["id"]}


def scheduled_handler(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Returns the time product code reads through the composition root, to show it is the runtime's."""
    return {"now": resources.clock()().isoformat()}
