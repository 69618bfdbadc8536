"""Outbox publisher (worker): events committed with their changes reach the EventBridge bus, at least once.

Triggered by the table's stream, filtered to new outbox items; a record whose event EventBridge refused is
reported as a batch item failure and retried from there.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.kernel.observability import logger
from clienteling.resources import outbox_publisher


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = list(DynamoDBStreamEvent(event).records)
    failed = outbox_publisher().publish(records)
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
