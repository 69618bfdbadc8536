"""A page of results and the cursor to the next one, and the one paged Query every list is made of."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from boto3.dynamodb.conditions import ConditionBase, Key

from clienteling.kernel import cursors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    cursor: str | None = None


def query_page(
    table: Table,
    read: Callable[[dict[str, Any]], T],
    *,
    partition: str,
    limit: int,
    cursor: str | None,
    index: str | None = None,
    sort_key: ConditionBase | None = None,
    newest_first: bool = False,
    only: ConditionBase | None = None,
) -> Page[T]:
    """One Query of one partition (of the table or an index), optionally narrowed on its sort key, continuing
    from a cursor that must come from the same partition; `read` turns each item into what the page holds.

    `only` filters the items the Query read (a FilterExpression): still one request a page, but `limit` counts the
    items read, so a page may hold fewer (even none) and still have a cursor to the next."""
    partition_attribute = f"{index}PK" if index else "PK"  # every index's partition key is named so
    condition: ConditionBase = Key(partition_attribute).eq(partition)
    if sort_key is not None:
        condition = condition & sort_key
    request: dict[str, Any] = {"KeyConditionExpression": condition, "Limit": limit}
    if index:
        request["IndexName"] = index
    if newest_first:
        request["ScanIndexForward"] = False
    if only is not None:
        request["FilterExpression"] = only
    if cursor:
        request["ExclusiveStartKey"] = cursors.decode(
            cursor, partition_attribute=partition_attribute, partition=partition
        )
    response = table.query(**request)
    return Page([read(item) for item in response["Items"]], cursors.encode(response.get("LastEvaluatedKey")))
