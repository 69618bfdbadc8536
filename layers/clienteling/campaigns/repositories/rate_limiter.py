"""The sending rate of a sender, shared by every concurrent sender invocation: one item per sender number (or
the email account) holding the GCRA's theoretical arrival time, moved with conditional updates only.

A batch reserves its slots in one write: "idle" (tat in the past: start now) or "busy" (tat exactly as last
seen: start there). A failed condition returns the item as it is (ReturnValuesOnConditionCheckFailure), so the
next attempt needs no read. Access pattern AP-RL1 of docs/data-model.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clienteling.campaigns.domain import rate
from clienteling.kernel import keys

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

ATTEMPTS = 8


class RateLimiter:
    def __init__(self, table: Table) -> None:
        self._table = table
        self._seen: dict[str, int] = {}  # sender -> tat last seen by this warm function

    def reserve(
        self, sender: str, units: Sequence[int], *, now: int, rate_per_second: float, horizon: int
    ) -> rate.RatePlan:
        """AP-RL1: slots for `units` (per message, in order) within `horizon` microseconds of `now`. 1 UpdateItem when
        uncontended; an empty plan (nothing written) when the sender is booked beyond the horizon."""
        tat = self._seen.get(sender)
        for _ in range(ATTEMPTS):
            planned = rate.plan(tat, now, units, rate=rate_per_second, horizon=horizon)
            if not planned.count:
                return planned
            request: dict[str, Any] = {
                "Key": keys.rate_limiter(sender),
                "UpdateExpression": "SET tat = :new, entity = :e",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
            if tat is None or tat <= now:
                request["ConditionExpression"] = "attribute_not_exists(tat) OR tat <= :now"
                request["ExpressionAttributeValues"] = {":new": planned.tat, ":now": now, ":e": "rate_limiter"}
            else:
                request["ConditionExpression"] = "tat = :seen"
                request["ExpressionAttributeValues"] = {":new": planned.tat, ":seen": tat, ":e": "rate_limiter"}
            try:
                self._table.update_item(**request)
            except self._table.meta.client.exceptions.ConditionalCheckFailedException as error:
                item: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
                current = (item.get("tat") or {}).get("N")
                tat = int(current) if current is not None else None
                continue
            self._seen[sender] = planned.tat
            return planned
        # Contended beyond reason: take nothing now; the caller tries these messages again a little later.
        self._seen.pop(sender, None)
        return rate.RatePlan(slots=(), tat=tat or now, next_free=(tat or now))
