"""EventBridge Scheduler one-time schedules: "do this at that time" (send-later messages, campaign starts)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_scheduler.client import EventBridgeSchedulerClient


class OneTimeSchedules:
    def __init__(self, client: EventBridgeSchedulerClient, *, group: str, role_arn: str) -> None:
        self._client = client
        self._group = group
        self._role = role_arn

    def create(self, name: str, at: datetime, *, target_arn: str, payload: dict[str, Any]) -> None:
        """Invoke `target_arn` with `payload` once at `at` (UTC); the schedule deletes itself afterwards."""
        self._client.create_schedule(
            Name=name,
            GroupName=self._group,
            ScheduleExpression=f"at({at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": target_arn,
                "RoleArn": self._role,
                "Input": json.dumps(payload),
                "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600},
            },
            ActionAfterCompletion="DELETE",
        )

    def delete(self, name: str) -> bool:
        """Delete a schedule that has not run; False when there is none (already run or never made)."""
        try:
            self._client.delete_schedule(Name=name, GroupName=self._group)
        except self._client.exceptions.ResourceNotFoundException:
            return False
        return True
