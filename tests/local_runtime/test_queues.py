"""SQS -> function with partial batch failures and moto's redrive to the DLQ; EventBridge rules -> function."""

from __future__ import annotations

import json
from collections.abc import Callable

from infra.local import stack
from infra.local.runtime import LocalRuntime
from tests.local_runtime.conftest import client


def test_a_failing_message_is_retried_until_the_dlq_and_the_others_are_deleted(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime]
) -> None:
    # Given three messages on a queue whose redrive policy allows 3 receives, the second one failing
    runtime = make_runtime("sources.yaml")
    sqs = client(local_stack, "sqs")
    for body in ({"n": 1}, {"n": 2, "fail": True}, {"n": 3}):
        sqs.send_message(QueueUrl=runtime.queue_url("WorkQueue"), MessageBody=json.dumps(body))

    # When the runtime delivers them
    runtime.drain()

    # Then the first batch had all three, and only the failing one came back, until its third receive
    batches = [[json.loads(r["body"])["n"] for r in i.event["Records"]] for i in runtime.invocations("QueueFunction")]
    assert batches == [[1, 2, 3], [2], [2]]
    receive_counts = [i.event["Records"][-1]["attributes"]["ApproximateReceiveCount"] for i in runtime.invocations()]
    assert receive_counts == ["1", "2", "3"]
    # And the records are Lambda's SQS records
    record = runtime.invocations("QueueFunction")[0].event["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == runtime.queue_arn("WorkQueue")
    assert {"messageId", "receiptHandle", "md5OfBody", "messageAttributes", "awsRegion"} <= record.keys()
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} <= record["attributes"].keys()
    # And the queue is empty while the failing message waits in the DLQ
    attributes = sqs.get_queue_attributes(QueueUrl=runtime.queue_url("WorkQueue"), AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"
    dead = sqs.receive_message(QueueUrl=runtime.queue_url("WorkDlq"), MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in dead] == [{"n": 2, "fail": True}]


def test_message_attributes_reach_the_handler_in_lambdas_shape(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime]
) -> None:
    # Given a message with a string and a binary attribute
    runtime = make_runtime("sources.yaml")
    client(local_stack, "sqs").send_message(
        QueueUrl=runtime.queue_url("WorkQueue"),
        MessageBody="{}",
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "campaign"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x01"},
        },
    )

    # When it is delivered
    runtime.drain()

    # Then its attributes are in Lambda's lower-camel-case form, binary as base64
    (record,) = runtime.invocations("QueueFunction")[0].event["Records"]
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "campaign",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["messageAttributes"]["raw"]["binaryValue"] == "AQ=="


def test_an_event_matching_the_rule_reaches_the_function_and_others_do_not(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime], names: dict[str, str]
) -> None:
    # Given a rule for OrderPlaced events above 100 on the bus
    runtime = make_runtime("sources.yaml")

    # When matching and non-matching events are put on the bus
    def entry(source: str, detail_type: str, detail: dict[str, object]) -> dict[str, str]:
        return {
            "Source": source,
            "DetailType": detail_type,
            "Detail": json.dumps(detail),
            "EventBusName": names["EventBus"],
        }

    result = client(local_stack, "events").put_events(
        Entries=[
            entry("clienteling.test", "OrderPlaced", {"total": 150}),
            entry("clienteling.test", "OrderPlaced", {"total": 50}),
            entry("clienteling.other", "OrderPlaced", {"total": 500}),
            entry("clienteling.test", "OrderCancelled", {"total": 150}),
        ]
    )
    runtime.drain()

    # Then only the matching one was delivered, as an EventBridge event
    (invocation,) = runtime.invocations("RuleFunction")
    assert invocation.source == "eventbridge"
    assert invocation.outcome == "success"
    event = invocation.event
    assert event["id"] == result["Entries"][0]["EventId"]
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "clienteling.test",
        "OrderPlaced",
        {"total": 150},
    )
    assert {"version", "account", "time", "region", "resources"} <= event.keys()


def test_a_failing_event_is_retried_as_an_async_invocation_then_dropped(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime], names: dict[str, str]
) -> None:
    # Given a function whose EventInvokeConfig allows 1 retry
    runtime = make_runtime("sources.yaml")

    # When a matching event makes it fail
    client(local_stack, "events").put_events(
        Entries=[
            {
                "Source": "clienteling.test",
                "DetailType": "OrderPlaced",
                "Detail": json.dumps({"total": 200, "fail": True}),
                "EventBusName": names["EventBus"],
            }
        ]
    )
    runtime.drain()

    # Then it was tried twice, then dropped (nothing is left pending)
    assert [(i.attempt, i.outcome) for i in runtime.invocations("RuleFunction")] == [(1, "error"), (2, "error")]
    assert "the event asked to fail" in (runtime.invocations("RuleFunction")[0].error or "")


def test_the_environment_names_what_the_runtime_provisioned(
    local_stack: stack.RunningStack, make_runtime: Callable[[str], LocalRuntime]
) -> None:
    # Given a function whose template environment refers to a queue and to another function
    runtime = make_runtime("sources.yaml")

    # When the runtime computes the environment
    environment = runtime.environment()

    # Then it holds their local values, and the streams endpoint, and nothing the stack already sets
    assert environment == {
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": local_stack.aws.dynamodb_url,
        "WORK_QUEUE_URL": runtime.queue_url("WorkQueue"),
        "WORK_QUEUE_ARN": runtime.queue_arn("WorkQueue"),
        "SCHEDULED_FUNCTION_ARN": "arn:aws:lambda:us-east-1:000000000000:function:ScheduledFunction",
    }
