"""The edge's entrypoints per kind of trigger, driven with events shaped as Lambda delivers them: what the handler
gets, what Lambda gets back, metrics flushed whatever happens, and the logging context rebuilt at each invocation."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.edge.entrypoints import (
    batch_entrypoint,
    event_entrypoint,
    http_entrypoint,
    schedule_entrypoint,
    stream_entrypoint,
)
from clienteling.kernel.observability import logger, metrics
from pydantic import BaseModel, Field, ValidationError, model_validator

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "eu-west-1"


@dataclass
class FakeContext:
    """What the Lambda runtime passes as `context`, as Powertools reads it."""

    function_name: str = "TestFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:TestFunction"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 9_000


def lambda_context() -> LambdaContext:
    return cast(LambdaContext, FakeContext())


@pytest.fixture
def context() -> LambdaContext:
    return lambda_context()


@pytest.fixture(autouse=True)
def fresh_observability(monkeypatch: pytest.MonkeyPatch, function_settings: dict[str, str]) -> Iterator[None]:
    # Metrics print their EMF document, as in Lambda (the local stack disables them for the whole process).
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    metrics.clear_metrics()
    logger.clear_state()
    yield
    metrics.clear_metrics()
    logger.clear_state()


def count(name: str) -> None:
    """What product code does to record a metric during an invocation."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def flushed(out: str) -> list[str]:
    """Metric names in the EMF documents an invocation printed."""
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]
    return [m["Name"] for d in documents for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]]


# ------------------------------------------------------------------------------------------------ sample events
def stream_record(sequence: str, *, detail_type: str = "OrderPaid") -> dict[str, Any]:
    """A table stream record as the outbox publisher's filter lets through (INSERT of an outbox item)."""
    key = {"PK": {"S": f"OUTBOX#{sequence}"}, "SK": {"S": "EVENT"}}
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": 1715331600,
            "Keys": key,
            "NewImage": {**key, "entity": {"S": "outbox"}, "detail_type": {"S": detail_type}},
            "SequenceNumber": sequence,
            "SizeBytes": 120,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/clienteling/stream/2024-05-10T09:00:00.000",
    }


def sqs_record(body: dict[str, Any], *, receive_count: int = 1) -> dict[str, Any]:
    text = json.dumps(body)
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a" + uuid.uuid4().hex,
        "body": text,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1715331600000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1715331600005",
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:clienteling-CampaignSendQueue",
        "awsRegion": REGION,
    }


def eventbridge_event(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "clienteling",
        "account": ACCOUNT,
        "time": "2024-05-10T09:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def scheduler_notification() -> dict[str, Any]:
    """EventBridge Scheduler's default notification (a schedule without Input): its detail is the string "{}"."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": ACCOUNT,
        "time": "2024-05-10T03:15:00Z",
        "region": REGION,
        "resources": [f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/LoyaltyDailyFunctionDaily"],
        "detail": "{}",
    }


# ------------------------------------------------------------------------------------------------ DynamoDB stream
def test_stream_reports_the_sequence_numbers_the_handler_returns(context: LambdaContext) -> None:
    event = {"Records": [stream_record("100"), stream_record("200"), stream_record("300")]}
    seen: list[DynamoDBRecord] = []

    @stream_entrypoint
    def handler(records: list[DynamoDBRecord]) -> list[str]:
        seen.extend(records)
        return ["200", "300"]  # the first failure on, as the outbox publisher returns them

    assert handler(event, context) == {"batchItemFailures": [{"itemIdentifier": "200"}, {"itemIdentifier": "300"}]}
    assert [r.dynamodb.sequence_number for r in seen if r.dynamodb] == ["100", "200", "300"]
    assert seen[0].dynamodb is not None
    assert seen[0].dynamodb.new_image["entity"] == "outbox"


def test_stream_with_nothing_to_retry(context: LambdaContext) -> None:
    handler = stream_entrypoint(lambda records: [])
    assert handler({"Records": [stream_record("100")]}, context) == {"batchItemFailures": []}


def test_stream_error_fails_the_batch_and_still_flushes(
    context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    @stream_entrypoint
    def handler(records: list[DynamoDBRecord]) -> list[str]:
        count("Published")
        raise RuntimeError("EventBridge is down")

    with pytest.raises(RuntimeError, match="EventBridge is down"):
        handler({"Records": [stream_record("100")]}, context)
    assert flushed(capsys.readouterr().out) == ["Published"]
    assert not metrics.metric_set


# ------------------------------------------------------------------------------------------------ SQS batches
def test_sqs_batch_reports_exactly_the_failed_record(
    context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [sqs_record({"n": 1}), sqs_record({"n": 2, "fail": True}), sqs_record({"n": 3})]
    handled: list[int] = []

    @batch_entrypoint
    def handler(record: SQSRecord) -> None:
        count("Sent")
        if record.json_body.get("fail"):
            raise ValueError("provider refused")
        handled.append(record.json_body["n"])

    assert handler({"Records": records}, context) == {
        "batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]
    }
    assert handled == [1, 3]
    assert flushed(capsys.readouterr().out) == ["Sent"]  # one document: the count aggregates the three


def test_sqs_batch_all_failed_raises_by_default_and_still_flushes(
    context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(record: SQSRecord) -> None:
        count("Failed")
        raise ValueError("no")

    handler = batch_entrypoint(fail)
    with pytest.raises(BatchProcessingError):
        handler({"Records": [sqs_record({"n": 1}), sqs_record({"n": 2})]}, context)
    assert flushed(capsys.readouterr().out) == ["Failed"]


def test_sqs_batch_all_failed_can_be_reported_record_by_record(context: LambdaContext) -> None:
    records = [sqs_record({"n": 1}), sqs_record({"n": 2})]

    def fail(record: SQSRecord) -> None:
        raise ValueError("no")

    handler = batch_entrypoint(fail, raise_on_entire_batch_failure=False)
    failures = handler({"Records": records}, context)["batchItemFailures"]
    assert [f["itemIdentifier"] for f in failures] == [r["messageId"] for r in records]


def test_dynamodb_stream_record_by_record(context: LambdaContext) -> None:
    def handle(record: DynamoDBRecord) -> None:
        if record.dynamodb and record.dynamodb.sequence_number == "200":
            raise ValueError("no")

    handler = batch_entrypoint(handle, event_type=EventType.DynamoDBStreams)
    event = {"Records": [stream_record("100"), stream_record("200")]}
    assert handler(event, context) == {"batchItemFailures": [{"itemIdentifier": "200"}]}


@dataclass
class Prepared:
    """A batch that needs all its records first, like the campaign sender's."""

    log: list[str]
    failing: set[int]

    def ordered(self, records: Sequence[SQSRecord]) -> list[SQSRecord]:
        self.log.append("ordered")
        return sorted(records, key=lambda r: -int(r.json_body["n"]))

    def handle(self, record: SQSRecord) -> str:
        n = int(record.json_body["n"])
        self.log.append(f"handle {n}")
        if n in self.failing:
            raise ValueError(f"{n} comes back later")
        return "sent"

    def finish(self) -> None:
        self.log.append("finish")


def test_prepared_batch_runs_in_its_order_and_finishes_after_failures(context: LambdaContext) -> None:
    records = [sqs_record({"n": 1}), sqs_record({"n": 2}), sqs_record({"n": 3})]
    log: list[str] = []

    def prepare(batch: list[SQSRecord]) -> Prepared:
        log.append(f"prepare {len(batch)}")
        assert all(isinstance(r, SQSRecord) for r in batch)
        return Prepared(log, failing={2})

    handler = batch_entrypoint(prepare=prepare)
    assert handler({"Records": records}, context) == {
        "batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]
    }
    assert log == ["prepare 3", "ordered", "handle 3", "handle 2", "handle 1", "finish"]


def test_prepared_batch_all_failed_reported_with_its_bookkeeping_done(context: LambdaContext) -> None:
    records = [sqs_record({"n": 1}), sqs_record({"n": 2})]
    log: list[str] = []
    handler = batch_entrypoint(prepare=lambda batch: Prepared(log, failing={1, 2}), raise_on_entire_batch_failure=False)
    failures = handler({"Records": records}, context)["batchItemFailures"]
    assert sorted(str(f["itemIdentifier"]) for f in failures) == sorted(r["messageId"] for r in records)
    assert log[-1] == "finish"


def test_batch_takes_a_record_handler_or_a_prepare_hook() -> None:
    with pytest.raises(TypeError):
        batch_entrypoint()  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        batch_entrypoint(print, prepare=lambda batch: Prepared([], set()))  # type: ignore[call-overload]


# ------------------------------------------------------------------------------------------------ EventBridge
class Paid(BaseModel):
    order_id: str = Field(alias="orderId")
    amount: int


def test_event_hands_over_the_data_class_and_returns_the_handler_result(context: LambdaContext) -> None:
    event = eventbridge_event("OrderPaid", {"orderId": "o-1", "amount": 1200})
    seen: list[tuple[str, str, dict[str, Any], str]] = []

    @event_entrypoint
    def handler(received: EventBridgeEvent) -> dict[str, str]:
        seen.append((received.get_id, received.detail_type, received.detail, received.time))
        return {"outcome": "counted"}

    assert handler(event, context) == {"outcome": "counted"}
    assert seen == [(event["id"], "OrderPaid", {"orderId": "o-1", "amount": 1200}, "2024-05-10T09:00:00Z")]


def test_event_detail_validated_by_its_model(context: LambdaContext) -> None:
    @event_entrypoint(detail_model=Paid)
    def handler(paid: Paid) -> dict[str, int]:
        return {"points": paid.amount // 100}

    assert handler(eventbridge_event("OrderPaid", {"orderId": "o-1", "amount": 1200}), context) == {"points": 12}


class CountedPaid(Paid):
    @model_validator(mode="before")
    @classmethod
    def counted(cls, data: Any) -> Any:
        count("Received")
        return data


def test_event_invalid_detail_fails_the_invocation_and_still_flushes(
    context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    handled: list[CountedPaid] = []
    handler = event_entrypoint(detail_model=CountedPaid)(handled.append)
    with pytest.raises(ValidationError):
        handler(eventbridge_event("OrderPaid", {"orderId": "o-1"}), context)
    assert handled == []
    assert flushed(capsys.readouterr().out) == ["Received"]


def test_event_id_is_the_correlation_id(context: LambdaContext) -> None:
    event = eventbridge_event("MessageReceived", {})
    keys: list[dict[str, Any]] = []
    event_entrypoint(lambda received: keys.append(dict(logger.get_current_keys())))(event, context)
    assert keys[0]["correlation_id"] == event["id"]
    assert keys[0]["function_request_id"] == context.aws_request_id


# ------------------------------------------------------------------------------------------------ Scheduler
def test_schedule_gets_schedulers_notification_and_the_context(context: LambdaContext) -> None:
    event = scheduler_notification()
    seen: list[tuple[str, int, str | None]] = []

    @schedule_entrypoint
    def handler(payload: dict[str, Any], ctx: Any) -> dict[str, int]:
        seen.append(
            (payload["time"], ctx.get_remaining_time_in_millis(), dict(logger.get_current_keys())["correlation_id"])
        )
        return {"accountsExpired": 0}

    assert handler(event, context) == {"accountsExpired": 0}
    assert seen == [("2024-05-10T03:15:00Z", 9_000, event["id"])]


def test_schedule_with_its_own_input(context: LambdaContext) -> None:
    """One-time schedules product code creates deliver their Input as the event: no envelope, no correlation id."""
    keys: list[dict[str, Any]] = []

    @schedule_entrypoint
    def handler(payload: dict[str, Any], ctx: Any) -> dict[str, str]:
        keys.append(dict(logger.get_current_keys()))
        return {"state": f"{payload['conversationId']}/{payload['scheduledId']}"}

    assert handler({"conversationId": "c-1", "scheduledId": "s-1"}, context) == {"state": "c-1/s-1"}
    assert keys[0].get("correlation_id") is None


def test_schedule_error_propagates_for_retries_and_still_flushes(
    context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    @schedule_entrypoint
    def handler(payload: dict[str, Any], ctx: Any) -> dict[str, Any]:
        count("Archived")
        raise RuntimeError("3 conversations could not be archived")

    with pytest.raises(RuntimeError):
        handler(scheduler_notification(), context)
    assert flushed(capsys.readouterr().out) == ["Archived"]
    assert not metrics.metric_set


# ------------------------------------------------------------------------------------------------ shared behaviour
def test_logging_context_is_cleared_between_invocations() -> None:
    keys: list[dict[str, Any]] = []

    @schedule_entrypoint
    def handler(payload: dict[str, Any], ctx: Any) -> None:
        keys.append(dict(logger.get_current_keys()))
        logger.append_keys(campaign_id=payload.get("campaignId"))

    first, second = lambda_context(), lambda_context()
    handler({"campaignId": "cmp-1"}, first)
    handler({}, second)
    assert "campaign_id" not in keys[1]
    assert keys[1]["function_request_id"] == second.aws_request_id


def test_nothing_recorded_nothing_printed(context: LambdaContext, capsys: pytest.CaptureFixture[str]) -> None:
    stream_entrypoint(lambda records: [])({"Records": [stream_record("1")]}, context)
    assert flushed(capsys.readouterr().out) == []


def test_http_refusal_keeps_its_shape(context: LambdaContext) -> None:
    class NeverResolves:
        def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:  # pragma: no cover
            raise AssertionError("a refused request never reaches the resolver")

    handler = http_entrypoint(NeverResolves(), max_body_bytes=4)  # type: ignore[arg-type]
    event = {
        "version": "2.0",
        "rawPath": "/v1/stores",
        "headers": {"content-type": "application/json"},
        "requestContext": {"requestId": "req-1", "http": {"method": "POST", "path": "/v1/stores"}},
        "body": '{"name": "too long"}',
        "isBase64Encoded": False,
    }
    response = handler(event, context)
    assert response["statusCode"] == 413
    assert json.loads(response["body"])["error"]["code"] == "payload_too_large"


# ------------------------------------------------------------------------------------------------ cold start
PROBE = """
import sys
from clienteling.edge import entrypoints

def loaded(*names):
    return sorted(n for n in names if n in sys.modules)

HEAVY = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.batch",
         "aws_lambda_powertools.utilities.data_classes", "aws_lambda_powertools.utilities.parser")
print(loaded(*HEAVY))
entrypoints.schedule_entrypoint(lambda event, context: None)
print(loaded(*HEAVY))
entrypoints.event_entrypoint(lambda received: None)
entrypoints.stream_entrypoint(lambda records: [])
print(loaded(*HEAVY))
"""


def _python(code: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers'}:{ROOT}"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_each_entrypoint_imports_only_what_its_trigger_needs() -> None:
    at_import, with_schedule, with_events = _python(PROBE)
    assert at_import == "[]"  # neither the HTTP resolver, nor batch processing, nor data classes
    assert with_schedule == "[]"
    assert with_events == "['aws_lambda_powertools.utilities.data_classes']"


def test_the_campaign_sender_loads_batch_processing_before_pydantic() -> None:
    """Powertools' batch utilities load its parser models too when pydantic is already imported."""
    (parser,) = _python(
        "import sys, functions.campaign_sender; print('aws_lambda_powertools.utilities.parser' in sys.modules)"
    )
    assert parser == "False"


# ------------------------------------------------------------------------------------------------ settings
def _http_event(path: str = "/v1/stores") -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"GET {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {},
        "requestContext": {"requestId": "req-1", "http": {"method": "GET", "path": path}},
        "isBase64Encoded": False,
    }


def _refusal_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_an_http_function_without_a_required_setting_answers_503_and_logs_one_line(
    context: LambdaContext, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the stores API deployed without PUBLIC_BASE_URL
    from clienteling.kernel.config import get_settings

    from functions import stores_api

    monkeypatch.delenv("PUBLIC_BASE_URL")
    get_settings.cache_clear()

    # When it is called
    response = stores_api.lambda_handler(_http_event(), context)

    # Then it refuses with 503 not_configured, naming nothing to the caller and the variable to the operators
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["error"]["code"] == "not_configured"
    assert "PUBLIC_BASE_URL" not in response["body"]
    [line] = _refusal_lines(caplog)
    assert line.missing == ["PUBLIC_BASE_URL"]  # type: ignore[attr-defined]
    assert "PUBLIC_BASE_URL" in line.getMessage()
    assert line.exc_info is None  # one line, no trace


def test_an_async_function_without_a_required_setting_fails_its_invocation(
    context: LambdaContext, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the hourly archiving sweep deployed without TABLE_NAME
    from clienteling.kernel.config import get_settings
    from clienteling.kernel.errors import NotConfigured

    from functions import archive_conversations

    monkeypatch.setenv("TABLE_NAME", "")
    get_settings.cache_clear()

    # When Scheduler invokes it
    # Then the invocation fails (Lambda retries it, then its dead-letter destination), with one line naming it
    with pytest.raises(NotConfigured) as refused:
        archive_conversations.lambda_handler(scheduler_notification(), context)
    assert refused.value.missing == ("TABLE_NAME",)
    [line] = _refusal_lines(caplog)
    assert line.missing == ["TABLE_NAME"]  # type: ignore[attr-defined]


def test_the_settings_are_read_at_the_first_invocation_not_at_import() -> None:
    code = (
        "import os\n"
        "for name in ('TABLE_NAME', 'PUBLIC_BASE_URL'): os.environ.pop(name, None)\n"
        "import functions.stores_api, functions.archive_conversations, functions.twilio_inbound\n"
        "print('imported')\n"
    )
    assert _python(code) == ["imported"]
