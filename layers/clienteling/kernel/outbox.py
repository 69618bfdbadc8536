"""Transactional outbox: an event is an item written in the same transaction as the change it describes.

The table's stream carries it to the EventPublisher function, which puts it on the EventBridge bus. So an
event is published if and only if its change was committed, at least once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from clienteling.kernel import keys, transactions
from clienteling.kernel.ids import new_id
from clienteling.kernel.items import when

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

RETENTION = timedelta(days=1)
ENTITY = "outbox"


def event_op(table: Table, detail_type: str, detail: BaseModel, *, now: datetime) -> transactions.Op:
    """A Put of one event, to include in the transaction of the change."""
    event_id = new_id()
    return transactions.put(
        table,
        {
            **keys.outbox(event_id),
            "entity": ENTITY,
            "event_id": event_id,
            "detail_type": detail_type,
            "detail": detail.model_dump_json(by_alias=True),
            "occurred_at": when(now),
            "expires_at": int((now + RETENTION).timestamp()),
        },
    )
