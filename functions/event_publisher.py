"""Outbox publisher (worker): events committed with their changes reach the EventBridge bus, at least once.

Triggered by the table's stream, filtered to new outbox items; a record whose event EventBridge refused is
reported as a batch item failure and retried from there.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from clienteling.edge.entrypoints import stream_entrypoint
from clienteling.resources import outbox_publisher


@stream_entrypoint
def lambda_handler(records: list[DynamoDBRecord]) -> list[str]:
    return outbox_publisher().publish(records)
