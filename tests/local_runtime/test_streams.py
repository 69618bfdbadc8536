"""DynamoDB Streams -> function: real stream records, FilterCriteria, and ReportBatchItemFailures retries."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from infra.local import stack
from infra.local.runtime import LocalRuntime
from tests.local_runtime.conftest import client


def _put(dynamodb: Any, table: str, pk: str, **attributes: Any) -> None:
    dynamodb.put_item(TableName=table, Item={"PK": {"S": pk}, "SK": {"S": "ITEM"}, **attributes})


def _delete(dynamodb: Any, table: str, pk: str) -> None:
    dynamodb.delete_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": "ITEM"}})


def _delivered(runtime: LocalRuntime) -> list[list[tuple[str, str]]]:
    """Each invocation's records as (eventName, PK)."""
    return [
        [(r["eventName"], r["dynamodb"]["Keys"]["PK"]["S"]) for r in i.event["Records"]]
        for i in runtime.invocations("StreamFunction")
    ]


def test_records_reach_the_handler_with_their_images_and_filters_drop_the_rest(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime], names: dict[str, str]
) -> None:
    # Given a function whose filters keep KEEP# inserts/updates and removals of archived items
    runtime = make_runtime("sources.yaml")
    dynamodb, table = client(local_stack, "dynamodb"), names["Table"]

    # When items are written, changed and deleted
    _put(dynamodb, table, "KEEP#1", n={"N": "1"}, blob={"B": b"\x00\xff"})
    _put(dynamodb, table, "DROP#1", n={"N": "1"})
    _put(dynamodb, table, "KEEP#1", n={"N": "2"})
    _put(dynamodb, table, "ARCH#1", kind={"S": "archived"})
    _delete(dynamodb, table, "ARCH#1")
    _delete(dynamodb, table, "KEEP#1")
    runtime.drain()

    # Then one batch carried the matching records only, in order, as Lambda's DynamoDB stream event
    assert _delivered(runtime) == [[("INSERT", "KEEP#1"), ("MODIFY", "KEEP#1"), ("REMOVE", "ARCH#1")]]
    inserted, modified, removed = runtime.invocations("StreamFunction")[0].event["Records"]
    assert inserted["eventSource"] == "aws:dynamodb"
    assert inserted["eventVersion"] == "1.1"
    assert inserted["awsRegion"] == "us-east-1"
    assert inserted["eventSourceARN"] == runtime.references.resolve({"Fn::GetAtt": ["Table", "StreamArn"]})
    assert inserted["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert inserted["dynamodb"]["Keys"] == {"PK": {"S": "KEEP#1"}, "SK": {"S": "ITEM"}}
    assert inserted["dynamodb"]["NewImage"]["blob"] == {"B": base64.b64encode(b"\x00\xff").decode()}
    assert "OldImage" not in inserted["dynamodb"]
    assert isinstance(inserted["dynamodb"]["ApproximateCreationDateTime"], float)
    assert isinstance(inserted["dynamodb"]["SizeBytes"], int)
    assert modified["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert modified["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert removed["dynamodb"]["OldImage"]["kind"] == {"S": "archived"}
    assert "NewImage" not in removed["dynamodb"]
    assert json.loads(json.dumps(inserted)) == inserted  # exactly what Lambda would pass: plain JSON


def test_a_reported_failure_is_retried_from_the_failed_record(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime], names: dict[str, str]
) -> None:
    # Given three records in one batch, the second failing once
    runtime = make_runtime("sources.yaml")
    dynamodb, table = client(local_stack, "dynamodb"), names["Table"]
    _put(dynamodb, table, "KEEP#a")
    _put(dynamodb, table, "KEEP#b", fail_times={"N": "1"})
    _put(dynamodb, table, "KEEP#c")

    # When the runtime delivers them
    runtime.drain()

    # Then the batch is retried from the failed record: the one before it is not delivered again
    assert _delivered(runtime) == [
        [("INSERT", "KEEP#a"), ("INSERT", "KEEP#b"), ("INSERT", "KEEP#c")],
        [("INSERT", "KEEP#b"), ("INSERT", "KEEP#c")],
    ]
    assert [i.outcome for i in runtime.invocations("StreamFunction")] == ["partial", "success"]


def test_a_record_failing_every_retry_is_skipped_and_sent_to_the_failure_destination(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime], names: dict[str, str]
) -> None:
    # Given a record that always fails, on a mapping with MaximumRetryAttempts 2 and an on-failure queue
    runtime = make_runtime("sources.yaml")
    dynamodb, table = client(local_stack, "dynamodb"), names["Table"]
    _put(dynamodb, table, "KEEP#poison", fail_times={"N": "99"})

    # When the runtime delivers it, and later a new record arrives
    runtime.drain()
    _put(dynamodb, table, "KEEP#next")
    runtime.drain()

    # Then it was tried 1 + 2 times, then skipped, so the shard moved on to the next record
    assert _delivered(runtime) == [[("INSERT", "KEEP#poison")]] * 3 + [[("INSERT", "KEEP#next")]]
    # And the failure destination got Lambda's record of the skipped batch
    sqs = client(local_stack, "sqs")
    messages = sqs.receive_message(QueueUrl=runtime.queue_url("StreamFailures"), MaxNumberOfMessages=10)["Messages"]
    (failure,) = [json.loads(m["Body"]) for m in messages]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["functionArn"] == runtime.function_arn("StreamFunction")
    poison_sequence = runtime.invocations("StreamFunction")[0].event["Records"][0]["dynamodb"]["SequenceNumber"]
    assert failure["DDBStreamBatchInfo"]["startSequenceNumber"] == poison_sequence
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
