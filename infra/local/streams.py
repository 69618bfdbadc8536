"""DynamoDB Streams -> function: Lambda's event source mapping, polling DynamoDB Local's own stream.

Shards are read in lineage order (a child after its parent is exhausted) with shard iterators starting where
the template says (TRIM_HORIZON, or LATEST taken at provision time); positions are kept per shard. Records
become Lambda's DynamoDB stream records (binary attributes base64-encoded, as in the JSON Lambda receives),
are filtered by FilterCriteria (a record matching no filter is skipped, as in AWS), and go to the function
in batches of at most BatchSize from one shard.

Failures follow Lambda: an error retries the whole batch; with ReportBatchItemFailures, the batch is retried
from the lowest failed sequence number (the records before it are done). After MaximumRetryAttempts retries
the batch is skipped, logged, and sent to DestinationConfig.OnFailure if it names a queue. AWS's default
(-1: retry until the record expires, 24 hours later) would block the shard for a day, so an unset or -1
value is capped at the runtime's `default_retries`. Not emulated: BisectBatchOnFunctionError,
MaximumRecordAgeInSeconds, ParallelizationFactor, TumblingWindowInSeconds, batching windows.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra.local import event_patterns
from infra.local.invoker import Invocation, Invoker

log = logging.getLogger("runtime.streams")

_DEFAULT_BATCH_SIZE = 100


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None  # continues after the last record handled
    after: str | None = None  # last sequence number handled
    retry_from: str | None = None  # a failed batch is re-read from here
    start: str = "TRIM_HORIZON"
    exhausted: bool = False
    attempts: int = 0  # failed attempts of the batch being retried


@dataclass
class StreamMapping:
    """One `Type: DynamoDB` event of one function."""

    function: str
    stream_arn: str
    batch_size: int
    starting_position: str
    filters: list[dict[str, Any]]
    report_item_failures: bool
    max_retries: int
    on_failure: Callable[[dict[str, Any]], None] | None
    shards: dict[str, _Shard] = field(default_factory=dict)


def mapping_from_event(
    function: str,
    props: Mapping[str, Any],
    stream_arn: str,
    *,
    default_retries: int,
    on_failure: Callable[[dict[str, Any]], None] | None,
) -> StreamMapping:
    """A mapping from a resolved `Type: DynamoDB` event's Properties."""
    retries = int(props.get("MaximumRetryAttempts", -1))
    for unsupported in ("BisectBatchOnFunctionError", "TumblingWindowInSeconds", "ParallelizationFactor"):
        if props.get(unsupported):
            log.warning("%s: %s is not emulated locally", function, unsupported)
    return StreamMapping(
        function=function,
        stream_arn=stream_arn,
        batch_size=int(props.get("BatchSize", _DEFAULT_BATCH_SIZE)),
        starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
        filters=[
            event_patterns.compile_pattern(f["Pattern"]) for f in (props.get("FilterCriteria") or {}).get("Filters", [])
        ],
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        max_retries=retries if retries >= 0 else default_retries,
        on_failure=on_failure,
    )


def _jsonable(value: Any) -> Any:
    """An AttributeValue as Lambda's JSON event carries it: binary as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_jsonable(v) for v in value]
    return value


def lambda_record(record: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record (boto3) as the record of a Lambda DynamoDB stream event."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    converted: dict[str, Any] = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,  # DynamoDB Local says "ddblocal"; AWS passes the table's region
        "dynamodb": _jsonable(data),
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # TTL deletions
        converted["userIdentity"] = _jsonable(record["userIdentity"])
    return converted


class StreamPoller:
    """Polls the mappings' streams; `poll` handles at most one batch per shard and says how many records."""

    def __init__(self, streams: Any, invoker: Invoker, region: str, clock: Callable[[], datetime]) -> None:
        self._streams = streams  # boto3 "dynamodbstreams" client (no type stubs installed for it)
        self._invoker = invoker
        self._region = region
        self._clock = clock
        self.mappings: list[StreamMapping] = []

    def add(self, mapping: StreamMapping) -> None:
        """Take the starting positions now, as Lambda does when the mapping is created."""
        for shard in self._describe(mapping.stream_arn):
            state = _Shard(shard["ShardId"], shard.get("ParentShardId"), start=mapping.starting_position)
            if mapping.starting_position == "LATEST":
                if "EndingSequenceNumber" in shard.get("SequenceNumberRange", {}):
                    state.exhausted = True  # closed before the mapping existed: nothing new will come
                else:
                    state.iterator = self._iterator(mapping.stream_arn, shard["ShardId"], "LATEST")
            mapping.shards[state.shard_id] = state
        self.mappings.append(mapping)

    def _describe(self, stream_arn: str) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamArn": stream_arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            shards += description["Shards"]
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            request["ExclusiveStartShardId"] = last

    def _iterator(self, stream_arn: str, shard_id: str, kind: str, sequence: str | None = None) -> str:
        request = {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": kind}
        if sequence is not None:
            request["SequenceNumber"] = sequence
        return str(self._streams.get_shard_iterator(**request)["ShardIterator"])

    def poll(self) -> int:
        handled = 0
        for mapping in self.mappings:
            self._discover(mapping)
            for shard in list(mapping.shards.values()):
                parent = mapping.shards.get(shard.parent_id or "")
                if shard.exhausted or (parent is not None and not parent.exhausted):
                    continue
                handled += self._poll_shard(mapping, shard)
        return handled

    def _discover(self, mapping: StreamMapping) -> None:
        """Shards created since (a shard rolls over): children are read from their beginning."""
        for shard in self._describe(mapping.stream_arn):
            if shard["ShardId"] not in mapping.shards:
                mapping.shards[shard["ShardId"]] = _Shard(shard["ShardId"], shard.get("ParentShardId"))

    def _current_iterator(self, mapping: StreamMapping, shard: _Shard) -> str:
        if shard.retry_from is not None:
            return self._iterator(mapping.stream_arn, shard.shard_id, "AT_SEQUENCE_NUMBER", shard.retry_from)
        if shard.iterator is not None:
            return shard.iterator
        if shard.after is not None:
            return self._iterator(mapping.stream_arn, shard.shard_id, "AFTER_SEQUENCE_NUMBER", shard.after)
        return self._iterator(mapping.stream_arn, shard.shard_id, shard.start)

    def _read(self, mapping: StreamMapping, shard: _Shard) -> tuple[list[dict[str, Any]], str | None]:
        iterator = self._current_iterator(mapping, shard)
        try:
            page = self._streams.get_records(ShardIterator=iterator, Limit=mapping.batch_size)
        except self._streams.exceptions.ExpiredIteratorException:
            shard.iterator = None
            page = self._streams.get_records(
                ShardIterator=self._current_iterator(mapping, shard), Limit=mapping.batch_size
            )
        return list(page.get("Records", [])), page.get("NextShardIterator")

    def _poll_shard(self, mapping: StreamMapping, shard: _Shard) -> int:
        records, next_iterator = self._read(mapping, shard)
        if not records:
            shard.iterator = next_iterator
            shard.exhausted = next_iterator is None  # a closed shard read to its end
            return 0
        converted = [lambda_record(r, mapping.stream_arn, self._region) for r in records]
        selected = [r for r in converted if event_patterns.matches_any(mapping.filters, r)]
        if not selected:
            self._done(shard, records, next_iterator)
            return len(records)
        invocation = self._invoker.invoke(mapping.function, {"Records": selected}, "dynamodb")
        failed_from = self._first_failure(mapping, invocation, selected)
        if failed_from is None:
            self._done(shard, records, next_iterator)
            return len(records)
        shard.attempts += 1
        if shard.attempts > mapping.max_retries:
            self._give_up(mapping, shard, invocation, selected)
            self._done(shard, records, next_iterator)
        else:
            shard.retry_from, shard.iterator = failed_from, None
            log.info("%s: retrying from sequence %s (retry %d)", mapping.function, failed_from, shard.attempts)
        return len(records)

    def _done(self, shard: _Shard, records: list[dict[str, Any]], next_iterator: str | None) -> None:
        shard.after = records[-1]["dynamodb"]["SequenceNumber"]
        shard.iterator, shard.retry_from, shard.attempts = next_iterator, None, 0
        shard.exhausted = next_iterator is None

    @staticmethod
    def _first_failure(mapping: StreamMapping, invocation: Invocation, batch: list[dict[str, Any]]) -> str | None:
        """The sequence number to retry from, or None if the batch succeeded."""
        sequences: list[str] = [str(r["dynamodb"]["SequenceNumber"]) for r in batch]
        if invocation.outcome == "error":
            return sequences[0]
        if not mapping.report_item_failures or not isinstance(invocation.result, Mapping):
            return None
        failures = invocation.result.get("batchItemFailures") or []
        identifiers = [f.get("itemIdentifier") if isinstance(f, Mapping) else None for f in failures]
        if not identifiers:
            return None
        if any(i not in sequences for i in identifiers):
            return sequences[0]  # an unknown or empty identifier fails the whole batch, as in Lambda
        return min((str(i) for i in identifiers), key=sequences.index)

    def _give_up(
        self, mapping: StreamMapping, shard: _Shard, invocation: Invocation, batch: list[dict[str, Any]]
    ) -> None:
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        log.error(
            "%s: batch %s..%s skipped after %d retries",
            mapping.function,
            first["SequenceNumber"],
            last["SequenceNumber"],
            mapping.max_retries,
        )
        if mapping.on_failure is None:
            return
        mapping.on_failure(
            {
                "requestContext": {
                    "requestId": invocation.request_id,
                    "functionArn": self._invoker.functions[mapping.function].arn,
                    "condition": "RetryAttemptsExhausted",
                    "approximateInvokeCount": shard.attempts,
                },
                "responseContext": {
                    "statusCode": 200,
                    "executedVersion": "$LATEST",
                    **({"functionError": "Unhandled"} if invocation.outcome == "error" else {}),
                },
                "version": "1.0",
                "timestamp": _iso(self._clock()),
                "DDBStreamBatchInfo": {
                    "shardId": shard.shard_id,
                    "startSequenceNumber": first["SequenceNumber"],
                    "endSequenceNumber": last["SequenceNumber"],
                    "approximateArrivalOfFirstRecord": _iso_epoch(first.get("ApproximateCreationDateTime")),
                    "approximateArrivalOfLastRecord": _iso_epoch(last.get("ApproximateCreationDateTime")),
                    "batchSize": len(batch),
                    "streamArn": mapping.stream_arn,
                },
            }
        )


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_epoch(seconds: Any) -> str | None:
    return _iso(datetime.fromtimestamp(float(seconds), UTC)) if seconds is not None else None
