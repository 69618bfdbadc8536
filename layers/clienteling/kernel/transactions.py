"""Conditional writes and transactions, and the one place their failures become domain errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from clienteling.kernel.errors import Conflict, DomainError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


MAX_ITEMS = 100  # TransactWriteItems takes 100 operations at most


class ConditionFailed(Conflict):
    """A condition failed on an operation that named no error of its own (callers that tolerate it catch it)."""

    code = "condition_failed"


class TransactionClash(Conflict):
    """DynamoDB cancelled the transaction because another one touched the same item at the same moment:
    nothing was written, and the same request can be tried again."""

    code = "conflict"


@dataclass(frozen=True, slots=True)
class Op:
    """One item of a transaction, with the error its condition failing means."""

    request: dict[str, Any]
    on_condition_failed: DomainError | None = None


def put(
    table: Table,
    item: dict[str, Any],
    *,
    condition: str | None = None,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Op:
    request: dict[str, Any] = {"TableName": table.name, "Item": item}
    _conditions(request, condition, values, names)
    return Op({"Put": request}, error)


def update(
    table: Table,
    key: dict[str, str],
    expression: str,
    *,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    condition: str | None = None,
    error: DomainError | None = None,
) -> Op:
    request: dict[str, Any] = {"TableName": table.name, "Key": key, "UpdateExpression": expression}
    _conditions(request, condition, values, names)
    return Op({"Update": request}, error)


def delete(
    table: Table,
    key: dict[str, str],
    *,
    condition: str | None = None,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Op:
    request: dict[str, Any] = {"TableName": table.name, "Key": key}
    _conditions(request, condition, values, names)
    return Op({"Delete": request}, error)


def check(
    table: Table,
    key: dict[str, str],
    condition: str,
    *,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Op:
    request: dict[str, Any] = {"TableName": table.name, "Key": key}
    _conditions(request, condition, values, names)
    return Op({"ConditionCheck": request}, error)


def _conditions(
    request: dict[str, Any], condition: str | None, values: dict[str, Any] | None, names: dict[str, str] | None
) -> None:
    if condition:
        request["ConditionExpression"] = condition
    if values:
        request["ExpressionAttributeValues"] = values
    if names:
        request["ExpressionAttributeNames"] = names


def transact(table: Table, ops: Sequence[Op]) -> None:
    """Run ops atomically. A failed condition raises the error of the first op whose condition failed.

    Uses the resource's client so that plain Python values are serialised as with `Table` calls.
    """
    keys = [_item_key(op) for op in ops]
    if len(set(keys)) != len(keys):
        # DynamoDB refuses this with a ValidationException; say which item, for the developer.
        duplicated = next(k for k in keys if keys.count(k) > 1)
        raise ValueError(f"one transaction writes {duplicated} twice: merge those operations")
    client = table.meta.client
    try:
        client.transact_write_items(TransactItems=[op.request for op in ops])  # type: ignore[misc]
    except client.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons", [])
        for op, reason in zip(ops, reasons, strict=False):
            if reason.get("Code") == "ConditionalCheckFailed":
                raise (op.on_condition_failed or ConditionFailed()) from error
        if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            raise TransactionClash("Another update to the same resource happened at the same time; retry.") from error
        raise


def _item_key(op: Op) -> tuple[str, str]:
    (request,) = op.request.values()
    key = request.get("Key") or request["Item"]
    return str(key["PK"]), str(key["SK"])


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def failed_conditions(table: Table, ops: Sequence[Op]) -> list[int] | None:
    """Run ops atomically; None when they committed, else the indexes of the ops whose condition failed (empty
    when the transaction lost to a concurrent one: retry it). For batches that re-read what changed and retry."""
    client = table.meta.client
    try:
        client.transact_write_items(TransactItems=[op.request for op in ops])  # type: ignore[misc]
    except client.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons", [])
        failed = [i for i, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]
        if failed or any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            return failed
        raise
    return None


def cancellation_items(error: Exception) -> list[dict[str, Any] | None]:
    """The items a cancelled transaction returned for its failed conditions (ReturnValuesOnConditionCheckFailure),
    in the low-level attribute-value form, one entry per op."""
    response = getattr(error, "response", {}) or {}
    return [reason.get("Item") for reason in response.get("CancellationReasons", [])]


def attempt(table: Table, ops: Sequence[Op]) -> list[dict[str, Any]] | None:
    """Run ops atomically; None when they committed, else DynamoDB's cancellation reasons (one per op, with the
    item of a failed condition when the op asked for it), for callers that decide per op what a failure means."""
    client = table.meta.client
    try:
        client.transact_write_items(TransactItems=[op.request for op in ops])  # type: ignore[misc]
    except client.exceptions.TransactionCanceledException as error:
        return [dict(reason) for reason in error.response.get("CancellationReasons", [])]
    return None
