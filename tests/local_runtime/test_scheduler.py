"""Schedules product code creates in EventBridge Scheduler (moto) at runtime fire against the runtime's clock."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.local import stack
from infra.local.clock import Clock
from infra.local.runtime import LocalRuntime
from tests.local_runtime.conftest import START, client

PARIS = ZoneInfo("Europe/Paris")
ROLE = "arn:aws:iam::000000000000:role/scheduler"


@pytest.fixture
def scheduler(local_stack: stack.RunningStack) -> Any:
    return client(local_stack, "scheduler")


@pytest.fixture
def group(scheduler: Any) -> Iterator[str]:
    """A schedule group of this test's own; whatever it still holds afterwards is deleted."""
    name = f"runtime-{uuid.uuid4().hex[:10]}"
    scheduler.create_schedule_group(Name=name)
    yield name
    for schedule in scheduler.list_schedules(GroupName=name)["Schedules"]:
        scheduler.delete_schedule(GroupName=name, Name=schedule["Name"])
    scheduler.delete_schedule_group(Name=name)


def _at(minutes_after_start: int) -> str:
    """An at() expression in Paris wall time, minutes after the clock's start."""
    local = (START + timedelta(minutes=minutes_after_start)).astimezone(PARIS)
    return f"at({local.strftime('%Y-%m-%dT%H:%M:%S')})"


def test_a_one_time_schedule_fires_once_at_its_time_and_is_deleted(
    make_runtime: Callable[[str], LocalRuntime], clock: Clock, scheduler: Any, group: str
) -> None:
    # Given product code scheduling the function, by the ARN the runtime exports, in an hour (Paris time)
    runtime = make_runtime("sources.yaml")
    scheduler.create_schedule(
        Name="remind-zoe",
        GroupName=group,
        ScheduleExpression=_at(60),
        ScheduleExpressionTimezone="Europe/Paris",
        Target={"Arn": os.environ["SCHEDULED_FUNCTION_ARN"], "RoleArn": ROLE, "Input": json.dumps({"remind": "zoe"})},
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
    )

    # When the clock reaches a minute before its time
    runtime.drain()
    clock.advance(timedelta(minutes=59))

    # Then nothing has fired yet
    assert runtime.invocations("ScheduledFunction") == []

    # When the clock passes its time, and goes on for a day
    clock.advance(timedelta(minutes=2))
    clock.advance(timedelta(days=1))

    # Then it fired exactly once, at its time, with its Input, and the handler read that time
    (invocation,) = runtime.invocations("ScheduledFunction")
    assert invocation.source == "scheduler"
    assert invocation.event == {"remind": "zoe"}
    assert invocation.at == START + timedelta(minutes=60)
    assert invocation.result == {"now": (START + timedelta(minutes=60)).isoformat()}
    # And it was deleted after completion, as ActionAfterCompletion=DELETE asks
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(GroupName=group, Name="remind-zoe")


def test_a_one_time_schedule_can_target_a_queue(
    local_stack: stack.RunningStack,
    make_runtime: Callable[[str], LocalRuntime],
    clock: Clock,
    scheduler: Any,
    group: str,
) -> None:
    # Given a one-time schedule sending to the work queue, kept after completion
    runtime = make_runtime("sources.yaml")
    scheduler.create_schedule(
        Name="to-queue",
        GroupName=group,
        ScheduleExpression=_at(30),
        ScheduleExpressionTimezone="Europe/Paris",
        Target={"Arn": runtime.queue_arn("WorkQueue"), "RoleArn": ROLE, "Input": json.dumps({"n": 7})},
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="NONE",
    )

    # When its time passes
    clock.advance(timedelta(hours=2))

    # Then the queue's function got the Input as the message body, once
    (invocation,) = runtime.invocations("QueueFunction")
    assert [json.loads(r["body"]) for r in invocation.event["Records"]] == [{"n": 7}]
    # And the schedule is still there, but does not fire again
    assert scheduler.get_schedule(GroupName=group, Name="to-queue")["ScheduleExpression"] == _at(30)
    clock.advance(timedelta(days=2))
    assert len(runtime.invocations("QueueFunction")) == 1


def test_a_rate_schedule_created_at_runtime_fires_every_period_until_deleted(
    make_runtime: Callable[[str], LocalRuntime], clock: Clock, scheduler: Any, group: str
) -> None:
    # Given a rate schedule with no StartDate and no Input
    runtime = make_runtime("sources.yaml")
    created = scheduler.create_schedule(
        Name="every-ten-minutes",
        GroupName=group,
        ScheduleExpression="rate(10 minutes)",
        Target={"Arn": runtime.function_arn("ScheduledFunction"), "RoleArn": ROLE},
        FlexibleTimeWindow={"Mode": "OFF"},
    )

    # When half an hour passes, then the schedule is deleted and an hour more passes
    clock.advance(timedelta(minutes=30))
    fired_before_deletion = len(runtime.invocations("ScheduledFunction"))
    scheduler.delete_schedule(GroupName=group, Name="every-ten-minutes")
    clock.advance(timedelta(hours=1))

    # Then it fired at once (Scheduler starts rates without StartDate immediately) and every 10 minutes after
    assert fired_before_deletion == 4
    times = [i.at for i in runtime.invocations("ScheduledFunction")]
    assert times == [START + timedelta(minutes=m) for m in (0, 10, 20, 30)]
    # And each event is Scheduler's default notification for that schedule
    event = runtime.invocations("ScheduledFunction")[1].event
    assert event["source"] == "aws.scheduler"
    assert event["resources"] == [created["ScheduleArn"]]
    assert event["time"] == "2026-03-02T09:10:00Z"


def test_a_cron_schedule_created_at_runtime_stops_at_its_end_date_and_is_deleted(
    make_runtime: Callable[[str], LocalRuntime], clock: Clock, scheduler: Any, group: str
) -> None:
    # Given an hourly cron in Paris time that ends three hours from now, deleted once complete
    runtime = make_runtime("sources.yaml")
    scheduler.create_schedule(
        Name="hourly-until-noon",
        GroupName=group,
        ScheduleExpression="cron(0 * * * ? *)",
        ScheduleExpressionTimezone="Europe/Paris",
        EndDate=START + timedelta(hours=3),
        Target={
            "Arn": runtime.function_arn("ScheduledFunction"),
            "RoleArn": ROLE,
            "Input": '{"at": "<aws.scheduler.scheduled-time>"}',
        },
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
    )

    # When the day goes by
    clock.advance(timedelta(days=1))

    # Then it fired on the hours before its end date only, with the context attribute filled in
    assert [i.event for i in runtime.invocations("ScheduledFunction")] == [
        {"at": "2026-03-02T10:00:00Z"},
        {"at": "2026-03-02T11:00:00Z"},
    ]
    # And, complete, it was deleted
    assert scheduler.list_schedules(GroupName=group)["Schedules"] == []
