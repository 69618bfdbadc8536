"""The decorator stack every function shares, applied once per kind of trigger: the logging context (cleared at
each invocation, with the trigger's correlation id where Powertools has a path for it), metrics flushed even when
the handler raises, and the response shape Lambda expects.

- `http_entrypoint(app)`: API Gateway HTTP API (payload v2.0), with body limits.
- `stream_entrypoint`: a DynamoDB stream batch handled as a whole; the sequence numbers it returns become
  `batchItemFailures` (ReportBatchItemFailures).
- `batch_entrypoint`: SQS (or Kinesis, DynamoDB stream) batches through Powertools' BatchProcessor, record by
  record, a failed record reported alone; `prepare` is the hook for a batch that needs all its records first.
- `event_entrypoint`: an EventBridge event a rule invokes the function with, as Powertools' data class or as its
  detail validated by a model.
- `schedule_entrypoint`: an EventBridge Scheduler occurrence: Scheduler's default notification, or the
  schedule's Input.

Cold start: at import this module loads only what every function loads anyway (the Logger and Metrics, the
settings). Each factory imports its trigger's utilities when a handler module applies it: a scheduled sweep never
loads batch processing or event data classes, a worker never loads the HTTP resolver.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from clienteling.kernel.config import get_settings
from clienteling.kernel.errors import NotConfigured
from clienteling.kernel.observability import flush_metrics, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
    from aws_lambda_powertools.utilities.batch import EventType
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from pydantic import BaseModel

R = TypeVar("R")
Record = TypeVar("Record")
Detail = TypeVar("Detail", bound="BaseModel")

LambdaHandler = Callable[[dict[str, Any], LambdaContext], R]
Handler = LambdaHandler[dict[str, Any]]

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def log_not_configured(error: NotConfigured) -> None:
    """The one line operators get when a function refuses for want of a setting or a secret (names, no values)."""
    logger.error(
        f"not configured, refusing: {error.reason}: {', '.join(error.missing)}",
        extra={"error_code": error.code, "missing": list(error.missing)},
    )


def _observed(
    handler: LambdaHandler[R],
    *,
    correlation_id_path: str | None = None,
    refuse: Callable[[NotConfigured], R] | None = None,
) -> LambdaHandler[R]:
    """One invocation inside the logging context, metrics flushed whatever happens: what every entrypoint adds.

    The function refuses to start without its settings: before the handler runs, they are read (once per warm
    function, at the first invocation, never at import); a missing one is logged in one line naming it, and the
    invocation is answered by `refuse` (HTTP: 503) or fails (asynchronous triggers: Lambda retries, then the
    dead-letter destination gets the event).
    """

    @logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)
    @functools.wraps(handler)
    def observed(event: dict[str, Any], context: LambdaContext) -> R:
        try:
            try:
                get_settings()
            except NotConfigured as error:
                log_not_configured(error)
                if refuse is None:
                    raise
                return refuse(error)
            return handler(event, context)
        finally:
            flush_metrics()

    return observed


# ---------------------------------------------------------------------------------------------------- HTTP API
def _json_error(status: HTTPStatus, code: str, message: str) -> dict[str, Any]:
    # HTTP functions have loaded both already (their resolver's error table); workers never need them.
    from clienteling.edge.errors import error_body  # noqa: PLC0415
    from clienteling.edge.serialization import to_json  # noqa: PLC0415

    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": to_json(error_body(code, message)),
        "isBase64Encoded": False,
    }


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(base64.b64decode(body, validate=False))
    return len(body.encode())


def _screen(event: dict[str, Any], *, max_bytes: int, json_only: bool) -> dict[str, Any] | None:
    """Refuse oversized or non-JSON bodies before any parsing happens."""
    if _body_size(event) > max_bytes:
        return _json_error(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large", f"The request body exceeds {max_bytes} bytes."
        )
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    if json_only and method in _BODY_METHODS and event.get("body"):
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _json_error(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The request body must be JSON (Content-Type: application/json).",
            )
    return None


def http_entrypoint(app: ApiGatewayResolver, *, json_only: bool = True, max_body_bytes: int | None = None) -> Handler:
    """Wrap a resolver as a Lambda handler for API Gateway HTTP API (payload v2.0)."""

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        limit = max_body_bytes or get_settings().max_body_bytes
        refused = _screen(event, max_bytes=limit, json_only=json_only)
        if refused is not None:
            return refused
        return app.resolve(event, context)

    def refuse(error: NotConfigured) -> dict[str, Any]:
        return _json_error(HTTPStatus.SERVICE_UNAVAILABLE, error.code, error.message)

    return _observed(handler, correlation_id_path=correlation_paths.API_GATEWAY_HTTP, refuse=refuse)


# ---------------------------------------------------------------------------------------------------- DynamoDB stream
def stream_entrypoint(
    handle_records: Callable[[list[DynamoDBRecord]], Iterable[str]],
) -> LambdaHandler[PartialItemFailureResponse]:
    """A DynamoDB stream batch handled as a whole: `handle_records` gets the records (Powertools' data classes) and
    returns the sequence numbers to retry, which Lambda receives as `batchItemFailures` (the event source needs
    `FunctionResponseTypes: [ReportBatchItemFailures]`). Raising fails the whole batch.

    To handle the records one by one, each failing on its own, use `batch_entrypoint(..., event_type=...)`.
    """
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (  # noqa: PLC0415
        DynamoDBStreamEvent,
    )

    @functools.wraps(handle_records)
    def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        failed = handle_records(list(DynamoDBStreamEvent(event).records))
        return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}

    return _observed(handler)


# ---------------------------------------------------------------------------------------------------- SQS batches
class PreparedBatch(Protocol[Record]):
    """What a `prepare` hook returns: a batch that looked at all its records before any is handled."""

    def ordered(self, records: Sequence[Record]) -> Sequence[Record]:
        """The order to handle the records in."""
        ...

    def handle(self, record: Record) -> object:
        """One record (Powertools' record handler): raising reports this record alone as failed."""
        ...

    def finish(self) -> None:
        """After every record, failed ones included (the batch's own bookkeeping)."""
        ...


@overload
def batch_processing(
    record_handler: Callable[[Record], object],
    /,
    *,
    event_type: EventType | None = None,
    raise_on_entire_batch_failure: bool = True,
) -> LambdaHandler[PartialItemFailureResponse]: ...


@overload
def batch_processing(
    *,
    prepare: Callable[[list[Record]], PreparedBatch[Record]],
    event_type: EventType | None = None,
    raise_on_entire_batch_failure: bool = True,
) -> LambdaHandler[PartialItemFailureResponse]: ...


def batch_processing(
    record_handler: Callable[[Any], object] | None = None,
    /,
    *,
    prepare: Callable[[list[Any]], PreparedBatch[Any]] | None = None,
    event_type: EventType | None = None,
    raise_on_entire_batch_failure: bool = True,
) -> LambdaHandler[PartialItemFailureResponse]:
    """`batch_entrypoint`'s handler without the logging context and metrics, for callers that bring their own
    collaborators (integration tests, benchmarks)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, process_partial_response  # noqa: PLC0415
    from aws_lambda_powertools.utilities.batch import EventType as Kind  # noqa: PLC0415

    kind = event_type or Kind.SQS
    processor = BatchProcessor(event_type=kind, raise_on_entire_batch_failure=raise_on_entire_batch_failure)

    if record_handler is not None and prepare is None:
        handle = record_handler

        def each(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
            return process_partial_response(event, handle, processor, context)

        return each
    if prepare is None or record_handler is not None:
        raise TypeError("batch_processing takes either a record handler or a `prepare` hook")

    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord  # noqa: PLC0415
    from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord  # noqa: PLC0415
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord  # noqa: PLC0415

    data_classes: dict[Kind, Callable[[dict[str, Any]], Any]] = {
        Kind.SQS: SQSRecord,
        Kind.KinesisDataStreams: KinesisStreamRecord,
        Kind.DynamoDBStreams: DynamoDBRecord,
    }
    if kind not in data_classes:
        raise ValueError(f"`prepare` takes SQS, Kinesis or DynamoDB stream batches, not {kind.value}")
    wrap = data_classes[kind]
    prepare_ = prepare

    def prepared(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        records = [wrap(record) for record in event["Records"]]
        batch = prepare_(records)
        ordered = [record.raw_event for record in batch.ordered(records)]
        with processor(ordered, batch.handle, lambda_context=context):
            processor.process()
        batch.finish()
        return processor.response()

    return prepared


@overload
def batch_entrypoint(
    record_handler: Callable[[Record], object],
    /,
    *,
    event_type: EventType | None = None,
    raise_on_entire_batch_failure: bool = True,
) -> LambdaHandler[PartialItemFailureResponse]: ...


@overload
def batch_entrypoint(
    *,
    prepare: Callable[[list[Record]], PreparedBatch[Record]],
    event_type: EventType | None = None,
    raise_on_entire_batch_failure: bool = True,
) -> LambdaHandler[PartialItemFailureResponse]: ...


def batch_entrypoint(
    record_handler: Callable[[Any], object] | None = None,
    /,
    *,
    prepare: Callable[[list[Any]], PreparedBatch[Any]] | None = None,
    event_type: EventType | None = None,
    raise_on_entire_batch_failure: bool = True,
) -> LambdaHandler[PartialItemFailureResponse]:
    """An SQS batch (by default; `event_type` for Kinesis or a DynamoDB stream) with partial failures, through
    Powertools' BatchProcessor: each record goes to `record_handler` (as Powertools' data class), and one that
    raises is reported alone in `batchItemFailures` (the event source needs ReportBatchItemFailures).

    `prepare` instead, for a batch that needs all its records before any (claims, rate slots): it gets the
    records and returns a `PreparedBatch`, whose `handle` then gets them in its `ordered` order; its `finish` runs
    after the last. With `raise_on_entire_batch_failure` (Powertools' default) a batch whose every record failed
    raises instead of reporting them all, and `finish` does not run.
    """
    if record_handler is not None and prepare is None:
        handler = batch_processing(
            record_handler, event_type=event_type, raise_on_entire_batch_failure=raise_on_entire_batch_failure
        )
        return _observed(functools.wraps(record_handler)(handler))
    if prepare is not None and record_handler is None:
        handler = batch_processing(
            prepare=prepare, event_type=event_type, raise_on_entire_batch_failure=raise_on_entire_batch_failure
        )
        return _observed(handler)
    raise TypeError("batch_entrypoint takes either a record handler or a `prepare` hook")


# ---------------------------------------------------------------------------------------------------- EventBridge
@overload
def event_entrypoint(handler: Callable[[EventBridgeEvent], R], /) -> LambdaHandler[R]: ...


@overload
def event_entrypoint(*, detail_model: type[Detail]) -> Callable[[Callable[[Detail], R]], LambdaHandler[R]]: ...


def event_entrypoint(
    handler: Callable[[Any], Any] | None = None, /, *, detail_model: type[BaseModel] | None = None
) -> Any:
    """An event an EventBridge rule invokes the function with (asynchronously: raising makes Lambda retry it).

    `@event_entrypoint` hands the handler Powertools' `EventBridgeEvent`; `@event_entrypoint(detail_model=M)`
    hands it the detail validated as `M` (a validation error fails the invocation). The event's id is the logs'
    correlation id. The handler's return value is the function's.
    """
    from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent  # noqa: PLC0415

    def wrap(receive: Callable[[Any], Any]) -> LambdaHandler[Any]:
        @functools.wraps(receive)
        def received(event: dict[str, Any], context: LambdaContext) -> Any:
            envelope = EventBridgeEvent(event)
            return receive(envelope if detail_model is None else detail_model.model_validate(envelope.detail))

        return _observed(received, correlation_id_path=correlation_paths.EVENT_BRIDGE)

    return wrap if handler is None else wrap(handler)


# ---------------------------------------------------------------------------------------------------- Scheduler
def schedule_entrypoint(handler: LambdaHandler[R]) -> LambdaHandler[R]:
    """An EventBridge Scheduler occurrence (an asynchronous invocation: raising makes Lambda retry it).

    The handler gets the payload as it is: Scheduler's default notification (an EventBridge-shaped "Scheduled
    Event" whose `time` is the occurrence's, and whose id becomes the logs' correlation id) for the template's
    schedules, or the schedule's Input (one-time schedules product code creates), and the context (the time left).
    """
    return _observed(handler, correlation_id_path=correlation_paths.EVENT_BRIDGE)
