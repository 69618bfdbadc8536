"""SQS: the campaign send queue. Messages go in batches of ten; a delay holds a message back (at most 15 minutes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clienteling.kernel.providers import Outgoing, QueueError

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

MAX_BATCH = 10  # SendMessageBatch limit
MAX_DELAY_SECONDS = 900  # SQS limit


class SendQueue:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, messages: Sequence[Outgoing]) -> int:
        """Enqueue every message (in batches of ten); raises QueueError if SQS refused one. Returns requests made."""
        requests = 0
        for start in range(0, len(messages), MAX_BATCH):
            chunk = messages[start : start + MAX_BATCH]
            entries: list[Any] = [
                {
                    "Id": str(index),
                    "MessageBody": message.body,
                    **(
                        {"DelaySeconds": min(MAX_DELAY_SECONDS, max(0, message.delay_seconds))}
                        if message.delay_seconds
                        else {}
                    ),
                }
                for index, message in enumerate(chunk)
            ]
            response = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            requests += 1
            if response.get("Failed"):
                raise QueueError(f"SQS refused {len(response['Failed'])} message(s) of a batch")
        return requests
