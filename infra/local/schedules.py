"""Schedules fired against the runtime's clock: the template's, and those product code creates in EventBridge
Scheduler (moto) at runtime.

moto stores Scheduler schedules (create/get/list/update/delete) but never fires them, and EventBridge rules with
a ScheduleExpression never fire in moto either; so the runtime evaluates every expression itself
(infra.local.schedule_expressions) and delivers each occurrence once, in time order:

- `Type: Schedule` (an EventBridge rule, UTC): the "Scheduled Event" envelope from aws.events, or Input.
  A rate starts one period after the rule is created.
- `Type: ScheduleV2` and Scheduler schedules: Input (with the <aws.scheduler.*> context attributes filled in),
  or Scheduler's default envelope (source aws.scheduler, detail "{}" as a string, as Scheduler sends it).
  A rate starts at StartDate, or at once when there is none; occurrences stop before EndDate; State is honoured;
  a one-time `at()` schedule fires once, even if its time has passed, and is deleted afterwards when
  ActionAfterCompletion is DELETE.

Targets: a template function (by ARN; invoked asynchronously, with Lambda's retries), an SQS queue (the
payload is the message body) or an event bus (PutEvents with EventBridgeParameters). Scheduler's own
RetryPolicy, DeadLetterConfig and FlexibleTimeWindow are not emulated: delivery to a local target cannot fail.

moto gaps product code may meet: CreateSchedule in a group that does not exist answers HTTP 500 (AWS:
ResourceNotFoundException), and moto validates neither expressions nor targets (the runtime logs a schedule
it cannot evaluate and leaves it alone).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from infra.local import schedule_expressions
from infra.local.invoker import Invoker
from infra.local.schedule_expressions import At, Cron, Expression, Rate

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("runtime.schedules")

_JUST_BEFORE = timedelta(microseconds=1)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Delivery:
    """Sends a schedule's payload to its target ARN."""

    def __init__(
        self, invoker: Invoker, sqs: SQSClient, events: EventBridgeClient, queue_urls: Mapping[str, str]
    ) -> None:
        self._invoker = invoker
        self._sqs = sqs
        self._events = events
        self._queue_urls = queue_urls  # ARN -> URL of the queues the runtime created

    def deliver(self, target: Mapping[str, Any], payload: str, source: str) -> None:
        arn = str(target["Arn"])
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "lambda":
            function = self._invoker.function_for_arn(arn)
            if function is None:
                log.error("%s target %s is not a function of the template", source, arn)
                return
            self._invoker.invoke_async(function.logical_id, json.loads(payload), source)
        elif service == "sqs":
            url = self._queue_urls.get(arn) or self._sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            self._sqs.send_message(QueueUrl=url, MessageBody=payload, **({"MessageGroupId": group} if group else {}))
        elif service == "events" and ":event-bus/" in arn:
            parameters = target.get("EventBridgeParameters") or {}
            self._events.put_events(
                Entries=[
                    {
                        "Source": parameters.get("Source", "aws.scheduler"),
                        "DetailType": parameters.get("DetailType", "Scheduled Event"),
                        "Detail": payload,
                        "EventBusName": arn,
                    }
                ]
            )
        else:
            log.error("%s target %s: only functions, queues and event buses are delivered locally", source, arn)


@dataclass
class _Schedule:
    """One schedule the runtime fires: what, when next, and how to deliver an occurrence."""

    key: str  # rule or schedule ARN
    expression: Expression
    next_at: datetime | None
    end: datetime | None
    payload: Callable[[datetime], str]
    target: dict[str, Any]
    source: str  # "schedule" (EventBridge rule) or "scheduler"
    remote: tuple[str, str] | None = None  # (group, name) in moto's Scheduler
    modified: datetime | None = None
    delete_after_completion: bool = False

    def following(self, occurrence: datetime) -> datetime | None:
        if isinstance(self.expression, Rate):
            upcoming: datetime | None = occurrence + self.expression.period
        elif isinstance(self.expression, Cron):
            upcoming = self.expression.next_after(occurrence)
        else:
            upcoming = None
        return None if upcoming is None or (self.end is not None and upcoming >= self.end) else upcoming


def _first(expression: Expression, *, created: datetime, start: datetime | None, waits: bool) -> datetime | None:
    if isinstance(expression, At):
        return expression.instant
    if isinstance(expression, Rate):
        if start is not None:
            return start
        return created + expression.period if waits else created
    return expression.next_after(start - _JUST_BEFORE if start is not None else created)


def _scheduled_event(source: str, resource: str, at: datetime, region: str, account: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": source,
        "account": account,
        "time": _iso(at),
        "region": region,
        "resources": [resource],
        # Scheduler's default notification carries its detail as the string "{}"; EventBridge rules an object.
        "detail": "{}" if source == "aws.scheduler" else {},
    }


def _with_context(text: str, arn: str, at: datetime) -> str:
    """Scheduler's context attributes in a target Input."""
    for name, value in {
        "<aws.scheduler.schedule-arn>": arn,
        "<aws.scheduler.scheduled-time>": _iso(at),
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
    }.items():
        text = text.replace(name, value)
    return text


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return instant.astimezone(UTC) if instant.tzinfo else instant.replace(tzinfo=UTC)


class Schedules:
    def __init__(
        self,
        scheduler: EventBridgeSchedulerClient,
        delivery: Delivery,
        clock: Callable[[], datetime],
        *,
        region: str,
        account: str,
    ) -> None:
        self._scheduler = scheduler
        self._delivery = delivery
        self._clock = clock
        self._region = region
        self._account = account
        self._schedules: dict[str, _Schedule] = {}

    def add_rule_schedule(self, name: str, function_arn: str, props: Mapping[str, Any]) -> None:
        """A SAM `Type: Schedule` event: an EventBridge rule with a ScheduleExpression, in UTC."""
        if props.get("Enabled") is False or props.get("State") == "DISABLED":
            return
        arn = f"arn:aws:events:{self._region}:{self._account}:rule/{name}"
        constant = props.get("Input")
        expression = schedule_expressions.parse(str(props["Schedule"]))

        def payload(at: datetime) -> str:
            return str(constant) if constant is not None else json.dumps(self._envelope("aws.events", arn, at))

        self._schedules[arn] = _Schedule(
            key=arn,
            expression=expression,
            next_at=_first(expression, created=self._clock(), start=None, waits=True),
            end=None,
            payload=payload,
            target={"Arn": function_arn},
            source="schedule",
        )

    def add_scheduler_schedule(self, name: str, function_arn: str, props: Mapping[str, Any]) -> None:
        """A SAM `Type: ScheduleV2` event: an EventBridge Scheduler schedule targeting the function."""
        if props.get("State") == "DISABLED":
            return
        group = str(props.get("GroupName", "default"))
        definition = {
            "Arn": f"arn:aws:scheduler:{self._region}:{self._account}:schedule/{group}/{name}",
            "ScheduleExpression": props["ScheduleExpression"],
            "ScheduleExpressionTimezone": props.get("ScheduleExpressionTimezone"),
            "StartDate": props.get("StartDate"),
            "EndDate": props.get("EndDate"),
            "Target": {"Arn": function_arn, **({"Input": props["Input"]} if "Input" in props else {})},
        }
        self._schedules[definition["Arn"]] = self._from_scheduler(definition, created=self._clock())

    def _envelope(self, source: str, arn: str, at: datetime) -> dict[str, Any]:
        return _scheduled_event(source, arn, at, self._region, self._account)

    def _from_scheduler(self, definition: Mapping[str, Any], *, created: datetime) -> _Schedule:
        arn = str(definition["Arn"])
        target = dict(definition["Target"])
        expression = schedule_expressions.parse(
            str(definition["ScheduleExpression"]), definition.get("ScheduleExpressionTimezone")
        )
        start, end = _aware(definition.get("StartDate")), _aware(definition.get("EndDate"))
        first = _first(expression, created=created, start=start, waits=False)
        if definition.get("State") == "DISABLED" or (first is not None and end is not None and first >= end):
            first = None

        def payload(at: datetime) -> str:
            if "Input" in target:
                return _with_context(str(target["Input"]), arn, at)
            return json.dumps(self._envelope("aws.scheduler", arn, at))

        return _Schedule(
            key=arn,
            expression=expression,
            next_at=first,
            end=end,
            payload=payload,
            target=target,
            source="scheduler",
            delete_after_completion=definition.get("ActionAfterCompletion") == "DELETE",
        )

    def refresh(self) -> None:
        """Pick up the Scheduler schedules created, changed or deleted in moto since the last look."""
        listed: dict[str, Mapping[str, Any]] = {}
        request: dict[str, Any] = {}
        while True:
            page = self._scheduler.list_schedules(**request)
            listed.update({s["Arn"]: s for s in page["Schedules"]})
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
        for key, schedule in list(self._schedules.items()):
            if schedule.remote is not None and key not in listed:
                del self._schedules[key]
        for arn, summary in listed.items():
            known = self._schedules.get(arn)
            if known is not None and known.modified == summary.get("LastModificationDate"):
                continue
            self._track_remote(summary)

    def _track_remote(self, summary: Mapping[str, Any]) -> None:
        group, name = str(summary.get("GroupName", "default")), str(summary["Name"])
        try:
            definition = self._scheduler.get_schedule(GroupName=group, Name=name)
        except self._scheduler.exceptions.ResourceNotFoundException:
            return
        try:
            schedule = self._from_scheduler(dict(definition), created=self._clock())
        except (ValueError, KeyError) as error:
            log.error("schedule %s/%s cannot run locally: %s", group, name, error)
            schedule = _Schedule(
                key=str(summary["Arn"]),
                expression=Rate(timedelta(0)),
                next_at=None,
                end=None,
                payload=lambda _at: "",
                target={},
                source="scheduler",
            )
        schedule.remote, schedule.modified = (group, name), summary.get("LastModificationDate")
        self._schedules[schedule.key] = schedule

    def next_due(self) -> datetime | None:
        return min((s.next_at for s in self._schedules.values() if s.next_at is not None), default=None)

    def fire_due(self, now: datetime) -> int:
        """Deliver every occurrence due at or before `now`, earliest first; return how many."""
        fired = 0
        while True:
            due = [(s.next_at, s.key) for s in self._schedules.values() if s.next_at is not None and s.next_at <= now]
            if not due:
                return fired
            occurrence, key = min(due)
            schedule = self._schedules[key]
            self._fire(schedule, occurrence)
            fired += 1
            schedule.next_at = schedule.following(occurrence)
            if schedule.next_at is None and schedule.delete_after_completion and schedule.remote is not None:
                group, name = schedule.remote
                self._scheduler.delete_schedule(GroupName=group, Name=name)
                del self._schedules[schedule.key]

    def _fire(self, schedule: _Schedule, occurrence: datetime) -> None:
        log.info("%s %s fires for %s", schedule.source, schedule.key, _iso(occurrence))
        try:
            self._delivery.deliver(schedule.target, schedule.payload(occurrence), schedule.source)
        except Exception:  # a bad Input or an unreachable target must not stop the other schedules
            log.exception("schedule %s could not deliver its %s occurrence", schedule.key, _iso(occurrence))
