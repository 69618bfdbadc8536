"""The local event runtime: template.yaml's non-HTTP event sources, run against the handlers in-process.

The gateway serves `HttpApi` events; this runs the others, on the same DynamoDB Local and moto server:

- `DynamoDB`: DynamoDB Local's stream, read with shard iterators (infra.local.streams).
- `SQS`: the template's `AWS::SQS::Queue`s, created in moto with their redrive policies (infra.local.queues).
- `EventBridgeRule`, `CloudWatchEvent`: a moto rule with the template's pattern on the named bus, delivering
  to a queue per rule that the runtime consumes; moto's PutEvents does the matching (infra.local.queues).
- `Schedule`, `ScheduleV2`, and Scheduler schedules product code creates in moto: evaluated against the
  runtime's clock and delivered once per occurrence (infra.local.schedules).

Functions get local ARNs (`arn:aws:lambda:us-east-1:000000000000:function:<LogicalId>`) that schedules may
target; `environment()` holds the template environment values that name what the runtime provisioned (queue
URLs and ARNs, function ARNs) plus AWS_ENDPOINT_URL_DYNAMODB_STREAMS.

Time is an infra.local.clock.Clock. With a manual clock (tests), `clock.advance()` fires each due occurrence
in order and drains what it caused, failed SQS messages are retried without waiting for their visibility
timeout, and `drain()` runs every poller until nothing is pending: nothing sleeps. With the system clock
(`make dev`), `start()` polls on a background thread, every second when idle.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from clienteling import resources

from infra.local import config, template
from infra.local.clock import Clock
from infra.local.invoker import Function, Invocation, Invoker
from infra.local.queues import QueuePoller, RuleDelivery
from infra.local.queues import mapping_from_event as queue_mapping
from infra.local.references import References, Unresolvable, logical_ids
from infra.local.schedules import Delivery, Schedules
from infra.local.streams import StreamPoller
from infra.local.streams import mapping_from_event as stream_mapping

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("runtime")

ACCOUNT = "000000000000"  # the account local function ARNs and scheduled events carry, as in the gateway
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)
_SERVED_ELSEWHERE = {"HttpApi", "Api"}  # the gateway's
_RUN_HERE = {"DynamoDB", "SQS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2"}


def install_clock(clock: Clock | None, *, waits_move_clock: bool | None = None) -> None:
    """Make product code read `clock` through clienteling.resources.clock(); None restores the system clock.

    Waits in product code (clienteling.resources.sleep) move a manual clock on instead of sleeping, and a shifted
    clock too when `waits_move_clock` says so (tests driving the runtime by hand); otherwise they really sleep.
    """
    resources.set_clock(clock)
    moves = clock is not None and (clock.is_manual if waits_move_clock is None else waits_move_clock)
    if moves and clock is not None:
        resources.set_sleep(lambda seconds: clock.elapse(timedelta(seconds=max(0.0, seconds))))
    else:
        resources.set_sleep(None)


def _endpoint(env: Mapping[str, str], service: str) -> str:
    url = env.get(f"AWS_ENDPOINT_URL_{service}")
    if not url:  # never fall through to real AWS
        raise ValueError(f"AWS_ENDPOINT_URL_{service} is missing from the runtime's environment")
    return url


class LocalRuntime:
    def __init__(
        self,
        template_path: Path,
        *,
        env: Mapping[str, str],
        clock: Clock,
        code_root_modules: Mapping[str, str] | None = None,
        physical_names: Mapping[str, str] | None = None,
        stack_name: str = "clienteling",
        default_stream_retries: int = 3,
        immediate_retries: bool | None = None,
    ) -> None:
        """`env`: the stack's environment (credentials, region, AWS_ENDPOINT_URL_<SERVICE>).
        `code_root_modules`: CodeUri -> package of its handler modules ("functions/" -> "functions" by default).
        `physical_names`: logical id -> name of what the stack created (the table, the bus, ...), for !Ref.
        `stack_name`: prefixes the queues and rules the runtime creates, so runtimes can share a moto server.
        `default_stream_retries`: stream retries where the template leaves AWS's "until the record expires".
        `immediate_retries`: retry failed SQS messages and async events at once instead of after their
        visibility timeout or Lambda's retry delay (wall-clock waits); by default, when the clock is manual.
        """
        self.clock = clock
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or config.REGION
        self._path = template_path
        self._stack_name = stack_name
        self._default_stream_retries = default_stream_retries
        session = boto3.session.Session(
            aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "local"),
            region_name=self.region,
        )
        settings = Config(retries={"max_attempts": 2, "mode": "standard"})
        self._streams_endpoint = env.get("AWS_ENDPOINT_URL_DYNAMODB_STREAMS") or _endpoint(env, "DYNAMODB")
        self._dynamodb = session.client("dynamodb", endpoint_url=_endpoint(env, "DYNAMODB"), config=settings)
        self._sqs: SQSClient = session.client("sqs", endpoint_url=_endpoint(env, "SQS"), config=settings)
        self._events: EventBridgeClient = session.client(
            "events", endpoint_url=_endpoint(env, "EVENTBRIDGE"), config=settings
        )
        self._scheduler: EventBridgeSchedulerClient = session.client(
            "scheduler", endpoint_url=_endpoint(env, "SCHEDULER"), config=settings
        )
        streams = session.client("dynamodbstreams", endpoint_url=self._streams_endpoint, config=settings)

        self._functions = template.functions(template_path)
        self.references = References(
            template.load(template_path),
            region=self.region,
            account=ACCOUNT,
            stack_name=stack_name,
            physical_names=physical_names or {},
        )
        roots = {uri.strip("/"): package for uri, package in (code_root_modules or {}).items()}
        self.invoker = Invoker(
            {
                name: Function.from_template(name, props, roots, self.function_arn(name))
                for name, props in self._functions.items()
            },
            clock,
        )
        self._queues: dict[str, tuple[str, str]] = {}  # logical id -> (URL, ARN)
        self._queue_urls: dict[str, str] = {}  # ARN -> URL
        self._stream_poller = StreamPoller(streams, self.invoker, self.region, clock)
        self._queue_poller = QueuePoller(
            self._sqs,
            self.invoker,
            self.region,
            retry_immediately=clock.is_manual if immediate_retries is None else immediate_retries,
        )
        self._schedules = Schedules(
            self._scheduler,
            Delivery(self.invoker, self._sqs, self._events, self._queue_urls),
            clock,
            region=self.region,
            account=ACCOUNT,
        )
        self._environment: dict[str, str] = {}
        self._busy = threading.RLock()  # one poller at a time: drain, clock steps and the background thread
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ what the template's names are locally
    def function_arn(self, logical_id: str) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{logical_id}"

    def queue_url(self, logical_id: str) -> str:
        return self._queues[logical_id][0]

    def queue_arn(self, logical_id: str) -> str:
        return self._queues[logical_id][1]

    def environment(self) -> dict[str, str]:
        """Environment values functions get from the template that depend on what the runtime provisioned."""
        return dict(self._environment)

    def invocations(self, function: str | None = None, source: str | None = None) -> list[Invocation]:
        return self.invoker.invocations(function, source)

    # ------------------------------------------------------------------ provisioning
    def provision(self) -> None:
        """Create the queues, rules and targets in moto, take stream positions, and compute the environment."""
        self._define_stack_resources()
        self._create_queues()
        for name in self._functions:
            self.references.define(name, None, name)
            self.references.define(name, "Arn", self.function_arn(name))
        for name, props in sorted(self._functions.items()):
            for event_id, event in sorted((props.get("Events") or {}).items()):
                if event.get("Type") not in _RUN_HERE:
                    if event.get("Type") not in _SERVED_ELSEWHERE:
                        log.warning("%s.%s: %s events are not run locally", name, event_id, event.get("Type"))
                    continue
                try:
                    self._wire(name, event_id, str(event.get("Type")), self.references.resolve(event["Properties"]))
                except (Unresolvable, ValueError, KeyError) as error:
                    raise ValueError(f"{name}.Events.{event_id}: {error}") from error
        self._environment = self._compute_environment()
        self.clock.attach(self)

    def _define_stack_resources(self) -> None:
        """The table's stream and the buses, which the stack created, as !Ref and !GetAtt see them."""
        document = template.load(self._path)
        for logical_id, resource in document.get("Resources", {}).items():
            props = resource.get("Properties") or {}
            if resource.get("Type") == "AWS::DynamoDB::Table":
                table = self.references.physical_name(logical_id) or props.get("TableName")
                if isinstance(table, str):
                    self.references.define(logical_id, None, table)
                    self.references.define(logical_id, "StreamArn", functools.partial(self._stream_arn, table))
                    self.references.define(logical_id, "Arn", functools.partial(self._table_arn, table))
            elif resource.get("Type") == "AWS::Events::EventBus":
                bus = self.references.physical_name(logical_id) or props.get("Name")
                if isinstance(bus, str):
                    self.references.define(logical_id, None, bus)
                    self.references.define(logical_id, "Name", bus)
                    self.references.define(logical_id, "Arn", functools.partial(self._bus_arn, bus))

    def _stream_arn(self, table: str) -> str:
        return str(self._dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"])

    def _table_arn(self, table: str) -> str:
        return str(self._dynamodb.describe_table(TableName=table)["Table"]["TableArn"])

    def _bus_arn(self, bus: str) -> str:
        return str(self._events.describe_event_bus(Name=bus)["Arn"])

    def _create_queue(self, name: str, attributes: Mapping[str, str]) -> tuple[str, str]:
        url = self._sqs.create_queue(QueueName=name, Attributes=dict(attributes))["QueueUrl"]  # type: ignore[arg-type]
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._queue_urls[arn] = url
        return url, arn

    def _create_queues(self) -> None:
        queues = template.resources("AWS::SQS::Queue", self._path)
        for logical_id, resource in queues.items():
            props = self.references.resolve(
                {k: v for k, v in (resource.get("Properties") or {}).items() if k in (*_QUEUE_ATTRIBUTES, "QueueName")}
            )
            fifo = str(props.get("FifoQueue", "false")).lower() == "true"
            name = props.pop("QueueName", None) or f"{self._stack_name}-{logical_id}" + (".fifo" if fifo else "")
            attributes = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in props.items()}
            url, arn = self._create_queue(str(name), attributes)
            self._queues[logical_id] = (url, arn)
            for attribute, value in ((None, url), ("Arn", arn), ("QueueUrl", url), ("QueueName", str(name))):
                self.references.define(logical_id, attribute, value)
        # Redrive policies last: a queue may name a dead-letter queue declared after it.
        for logical_id, resource in queues.items():
            policy = (resource.get("Properties") or {}).get("RedrivePolicy")
            if policy:
                resolved = self.references.resolve(policy)
                resolved["maxReceiveCount"] = int(resolved["maxReceiveCount"])
                self._sqs.set_queue_attributes(
                    QueueUrl=self.queue_url(logical_id), Attributes={"RedrivePolicy": json.dumps(resolved)}
                )

    def _url_for_queue_arn(self, arn: str) -> str:
        return self._queue_urls.get(arn) or self._sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]

    def _wire(self, function: str, event_id: str, kind: str, props: dict[str, Any]) -> None:
        if props.get("Enabled") is False or props.get("State") == "DISABLED":
            log.info("%s.%s is disabled in the template", function, event_id)
        elif kind == "DynamoDB":
            destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            self._stream_poller.add(
                stream_mapping(
                    function,
                    props,
                    str(props["Stream"]),
                    default_retries=self._default_stream_retries,
                    on_failure=self._send_to(str(destination)) if destination else None,
                )
            )
        elif kind == "SQS":
            arn = str(props["Queue"])
            self._queue_poller.mappings.append(queue_mapping(function, props, self._url_for_queue_arn(arn), arn))
        elif kind in {"EventBridgeRule", "CloudWatchEvent"}:
            self._queue_poller.rules.append(self._create_rule(function, event_id, props))
        elif kind == "Schedule":
            self._schedules.add_rule_schedule(
                str(props.get("Name") or f"{function}{event_id}"), self.function_arn(function), props
            )
        else:  # ScheduleV2
            self._schedules.add_scheduler_schedule(
                str(props.get("Name") or f"{function}{event_id}"), self.function_arn(function), props
            )

    def _send_to(self, destination: str) -> Callable[[dict[str, Any]], None]:
        if ":sqs:" not in destination:
            raise ValueError(f"on-failure destination {destination}: only SQS queues are emulated")
        url = self._url_for_queue_arn(destination)

        def send(record: dict[str, Any]) -> None:
            self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))

        return send

    def _create_rule(self, function: str, event_id: str, props: Mapping[str, Any]) -> RuleDelivery:
        rule = str(props.get("RuleName") or f"{self._stack_name}-{function}-{event_id}")[:64]
        bus = str(props.get("EventBusName", "default"))
        url, arn = self._create_queue(f"{self._stack_name}-{function}-{event_id}-events"[:80], {})
        self._events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(props["Pattern"]), State="ENABLED")
        target: dict[str, Any] = {"Id": str((props.get("Target") or {}).get("Id", "LocalRuntime")), "Arn": arn}
        if "InputTransformer" in props:
            target["InputTransformer"] = props["InputTransformer"]
        self._events.put_targets(Rule=rule, EventBusName=bus, Targets=[target])  # type: ignore[list-item]
        return RuleDelivery(
            function=function,
            rule_name=rule,
            queue_url=url,
            constant_input=props.get("Input"),
            input_path=props.get("InputPath"),
            account=None if "InputTransformer" in props else arn.split(":")[4],
        )

    def _compute_environment(self) -> dict[str, str]:
        provisioned = set(self._queues) | set(self._functions)
        environment = {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self._streams_endpoint}
        for name, props in sorted(self._functions.items()):
            for variable, value in (props.get("Environment") or {}).get("Variables", {}).items():
                if not logical_ids(value) & provisioned:
                    continue
                try:
                    resolved = str(self.references.resolve(value))
                except Unresolvable as error:
                    log.warning("%s: %s is not set locally: %s", name, variable, error)
                    continue
                if environment.setdefault(variable, resolved) != resolved:
                    log.warning(
                        "%s: %s differs between functions; in one process they share %r",
                        name,
                        variable,
                        environment[variable],
                    )
        return environment

    # ------------------------------------------------------------------ running
    def _round(self) -> int:
        """Fire the due schedules, then poll every source once; return how much work was done."""
        with self._busy:
            self._schedules.refresh()
            work = self._schedules.fire_due(self.clock.now())
            work += self._stream_poller.poll()
            return work + self._queue_poller.poll()

    def drain(self, max_rounds: int = 100) -> int:
        """Poll every source until nothing is pending; return the records, messages and occurrences handled."""
        total = 0
        with self._busy:
            for _ in range(max_rounds):
                work = self._round()
                total += work
                if work == 0 and not self._queue_poller.pending():
                    return total
        raise RuntimeError(f"work still pending after {max_rounds} rounds: do handlers feed each other forever?")

    def next_due(self, after: datetime) -> datetime | None:
        """Clock driver: when the next schedule occurrence is due."""
        with self._busy:
            self._schedules.refresh()
            return self._schedules.next_due()

    def run_due(self, now: datetime) -> None:
        """Clock driver: the clock reads `now`; fire what is due and everything it causes."""
        self.drain()

    def start(self) -> None:
        """Poll in the background (`make dev`): schedules against the clock, and every event source."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="local-runtime", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                work = self._round()
            except Exception:  # moto or DynamoDB Local hiccup: log and keep going
                log.exception("runtime poll failed")
                work = 0
            if not work:
                self._stopping.wait(1.0)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.clock.detach(self)
