"""Per-associate notifications. Access patterns AP-N1..AP-N3 of docs/data-model.md."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.kernel import keys
from clienteling.kernel.items import dt, when
from clienteling.kernel.pages import Page, query_page
from clienteling.messaging.domain.notifications import Notification, NotificationKind

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

RETENTION = timedelta(days=30)


class NotificationRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, notifications: list[Notification]) -> int:
        """AP-N1: store notifications, each once (keyed by the event that caused it). 1 PutItem each."""
        added = 0
        for notification in notifications:
            item = {
                **keys.notification(notification.associate_id, when(notification.created_at), notification.id),
                "entity": "notification",
                "id": notification.id,
                "associate_id": notification.associate_id,
                "kind": notification.kind.value,
                "conversation_id": notification.conversation_id,
                "store_id": notification.store_id,
                "created_at": when(notification.created_at),
                "text": notification.text,
                "read": False,
                "expires_at": int((notification.created_at + RETENTION).timestamp()),
            }
            try:
                self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
                added += 1
            except self._table.meta.client.exceptions.ConditionalCheckFailedException:
                continue  # the same event delivered again
        return added

    def list_for(self, associate_id: str, *, limit: int, cursor: str | None) -> Page[Notification]:
        """AP-N2: an associate's notifications, newest first. 1 Query."""
        return query_page(
            self._table,
            _from_item,
            partition=keys.associate_partition(associate_id),
            sort_key=Key("SK").begins_with(keys.NOTIFICATION_PREFIX),
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )


def _from_item(item: dict[str, Any]) -> Notification:
    return Notification(
        id=item["id"],
        associate_id=item["associate_id"],
        kind=NotificationKind(item["kind"]),
        conversation_id=item["conversation_id"],
        store_id=item["store_id"],
        created_at=dt(item["created_at"]),
        text=item["text"],
        read=bool(item.get("read")),
    )
