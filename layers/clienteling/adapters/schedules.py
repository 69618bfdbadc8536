"""EventBridge Scheduler one-time schedules: "run this function with that payload at that time" (send-later
messages, campaign starts and resumptions). One adapter per target function; schedules delete themselves after
they fired."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from mypy_boto3_scheduler.client import EventBridgeSchedulerClient


class OneTimeSchedules:
    def __init__(self, client: EventBridgeSchedulerClient, *, group: str, target_arn: str, role_arn: str) -> None:
        self._client = client
        self._group = group
        self._target = target_arn
        self._role = role_arn

    def create(self, name: str, at: datetime, payload: dict[str, Any], *, time_zone: str = "UTC") -> bool:
        """Invoke the target with `payload` once at `at`: an instant when aware, a wall time of `time_zone` when
        naive (the scheduler then resolves it, daylight saving included). False when a schedule of that name
        exists already (a retry, or another sender parking recipients for the same instant)."""
        wall = at.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None) if at.tzinfo else at
        try:
            self._client.create_schedule(
                Name=name,
                GroupName=self._group,
                ScheduleExpression=f"at({wall.strftime('%Y-%m-%dT%H:%M:%S')})",
                ScheduleExpressionTimezone=time_zone,
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={
                    "Arn": self._target,
                    "RoleArn": self._role,
                    "Input": json.dumps(payload),
                    "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600},
                },
                ActionAfterCompletion="DELETE",
            )
        except self._client.exceptions.ConflictException:
            return False
        return True

    def delete(self, name: str) -> bool:
        """Delete a schedule that has not run; False when there is none (already run, or never made)."""
        try:
            self._client.delete_schedule(Name=name, GroupName=self._group)
        except self._client.exceptions.ResourceNotFoundException:
            return False
        return True
