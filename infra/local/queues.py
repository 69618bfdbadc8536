"""SQS -> function (Lambda's SQS event source mapping), and EventBridge rules -> function through a queue.

SQS: messages are received from moto in batches of BatchSize and passed as Lambda's SQS event. Messages a
FilterCriteria drops are deleted, as Lambda does. Messages that succeeded are deleted; failed ones (all of them
on an error, those in batchItemFailures with ReportBatchItemFailures) are left to become visible again, and
moto's redrive policy moves a message to its dead-letter queue once it has been received maxReceiveCount
times, as SQS does. With a manual clock (tests) the runtime does not wait for VisibilityTimeout, which runs on
moto's wall clock: it makes failed messages visible again at once (ChangeMessageVisibility 0).

EventBridge rules: moto matches PutEvents against each rule and delivers the event to the rule's own queue;
the runtime invokes the function asynchronously with it: Input/InputPath applied, a failure retried up to
the function's EventInvokeConfig.MaximumRetryAttempts (2) times, one minute apart on the wall clock (at once
with a manual clock), then dropped and logged. moto omits the event's "account" field: the runtime adds it.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.local import event_patterns
from infra.local.invoker import Invocation, Invoker

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeFilterType
    from mypy_boto3_sqs.type_defs import MessageTypeDef

log = logging.getLogger("runtime.queues")

_DEFAULT_BATCH_SIZE = 10
_RECEIVE_MAX = 10  # SQS ReceiveMessage limit
ASYNC_RETRY_DELAY_SECONDS = 60  # Lambda waits about a minute before the first retry of an async event


@dataclass(frozen=True)
class QueueMapping:
    """One `Type: SQS` event of one function."""

    function: str
    queue_url: str
    queue_arn: str
    batch_size: int
    filters: list[dict[str, Any]]
    report_item_failures: bool


def mapping_from_event(function: str, props: Mapping[str, Any], queue_url: str, queue_arn: str) -> QueueMapping:
    return QueueMapping(
        function=function,
        queue_url=queue_url,
        queue_arn=queue_arn,
        batch_size=int(props.get("BatchSize", _DEFAULT_BATCH_SIZE)),
        filters=[
            event_patterns.compile_pattern(f["Pattern"]) for f in (props.get("FilterCriteria") or {}).get("Filters", [])
        ],
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
    )


@dataclass(frozen=True)
class RuleDelivery:
    """One `Type: EventBridgeRule`/`CloudWatchEvent` event: the rule's queue and how to shape the event."""

    function: str
    rule_name: str
    queue_url: str
    constant_input: str | None
    input_path: str | None
    account: str | None  # moto leaves "account" out of the events it delivers; None with an InputTransformer


def lambda_record(message: MessageTypeDef, queue_arn: str, region: str) -> dict[str, Any]:
    """A received message as the record of a Lambda SQS event."""
    attributes: dict[str, Any] = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        attribute: dict[str, Any] = {
            "stringListValues": list(value.get("StringListValues", [])),
            "binaryListValues": [base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            attribute["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        attributes[name] = attribute
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _filter_view(record: dict[str, Any]) -> dict[str, Any]:
    """Lambda filters on the body as JSON when it is JSON, as a string otherwise."""
    try:
        return {**record, "body": json.loads(record["body"])}
    except ValueError:
        return record


def _select_path(event: Any, path: str) -> Any:
    """EventBridge InputPath, for the plain `$.a.b` paths templates use."""
    value = event
    for part in [p for p in path.removeprefix("$").split(".") if p]:
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


class QueuePoller:
    def __init__(self, sqs: SQSClient, invoker: Invoker, region: str, *, retry_immediately: bool) -> None:
        self._sqs = sqs
        self._invoker = invoker
        self._region = region
        self._retry_immediately = retry_immediately
        self.mappings: list[QueueMapping] = []
        self.rules: list[RuleDelivery] = []

    def poll(self) -> int:
        handled = sum(self._poll_mapping(m) for m in self.mappings)
        return handled + sum(self._poll_rule(r) for r in self.rules)

    def pending(self) -> bool:
        """Whether a consumed queue holds a message that a poll would (or, in a moment, will) receive."""
        names: list[QueueAttributeFilterType] = ["ApproximateNumberOfMessages"]
        if self._retry_immediately:  # failed messages turn visible within the millisecond
            names.append("ApproximateNumberOfMessagesNotVisible")
        for url in [m.queue_url for m in self.mappings] + [r.queue_url for r in self.rules]:
            counts = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            if any(int(count) for name, count in counts.items() if name in names):
                return True
        return False

    def _receive(self, queue_url: str, count: int) -> list[MessageTypeDef]:
        messages: list[MessageTypeDef] = []
        while len(messages) < count:
            page = self._sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(_RECEIVE_MAX, count - len(messages)),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not page:
                break
            messages += page
        return messages

    def _delete(self, queue_url: str, handles: list[str]) -> None:
        for start in range(0, len(handles), _RECEIVE_MAX):
            chunk = handles[start : start + _RECEIVE_MAX]
            self._sqs.delete_message_batch(
                QueueUrl=queue_url, Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)]
            )

    def _release(self, queue_url: str, handles: list[str], seconds: int) -> None:
        for start in range(0, len(handles), _RECEIVE_MAX):
            chunk = handles[start : start + _RECEIVE_MAX]
            self._sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": seconds} for i, h in enumerate(chunk)],
            )

    def _poll_mapping(self, mapping: QueueMapping) -> int:
        messages = self._receive(mapping.queue_url, mapping.batch_size)
        if not messages:
            return 0
        records = [lambda_record(m, mapping.queue_arn, self._region) for m in messages]
        selected = [r for r in records if event_patterns.matches_any(mapping.filters, _filter_view(r))]
        dropped = [r["receiptHandle"] for r in records if r not in selected]
        if dropped:
            self._delete(mapping.queue_url, dropped)
        if not selected:
            return len(messages)
        invocation = self._invoker.invoke(mapping.function, {"Records": selected}, "sqs")
        failed = self._failed_ids(mapping, invocation, selected)
        self._delete(mapping.queue_url, [r["receiptHandle"] for r in selected if r["messageId"] not in failed])
        if failed and self._retry_immediately:
            self._release(mapping.queue_url, [r["receiptHandle"] for r in selected if r["messageId"] in failed], 0)
        return len(messages)

    @staticmethod
    def _failed_ids(mapping: QueueMapping, invocation: Invocation, batch: list[dict[str, Any]]) -> set[str]:
        ids = {r["messageId"] for r in batch}
        if invocation.outcome == "error":
            return ids
        if not mapping.report_item_failures or not isinstance(invocation.result, Mapping):
            return set()
        failures = invocation.result.get("batchItemFailures") or []
        identifiers = {f.get("itemIdentifier") if isinstance(f, Mapping) else None for f in failures}
        if not identifiers <= ids:
            return ids  # an unknown or empty identifier fails the whole batch, as in Lambda
        return {i for i in identifiers if isinstance(i, str)}

    def _poll_rule(self, rule: RuleDelivery) -> int:
        messages = self._receive(rule.queue_url, _RECEIVE_MAX)
        retries = self._invoker.functions[rule.function].async_retries
        for message in messages:
            event = json.loads(message["Body"])
            if rule.account is not None and isinstance(event, dict):
                event.setdefault("account", rule.account)
            if rule.constant_input is not None:
                event = json.loads(rule.constant_input)
            elif rule.input_path is not None:
                event = _select_path(event, rule.input_path)
            attempt = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))
            invocation = self._invoker.invoke(rule.function, event, "eventbridge", attempt=attempt)
            if invocation.outcome != "error":
                self._delete(rule.queue_url, [message["ReceiptHandle"]])
            elif attempt > retries:
                log.error("%s: event from rule %s dropped after %d attempts", rule.function, rule.rule_name, attempt)
                self._delete(rule.queue_url, [message["ReceiptHandle"]])
            else:
                delay = 0 if self._retry_immediately else ASYNC_RETRY_DELAY_SECONDS
                self._release(rule.queue_url, [message["ReceiptHandle"]], delay)
        return len(messages)
