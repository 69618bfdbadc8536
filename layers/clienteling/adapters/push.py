"""Push notifications to the associate app, through an SNS topic the mobile backend subscribes to.

The message names no customer data beyond what the app shows on a lock screen anyway; apps filter by the
`associate_id` message attribute (SNS subscription filter policies).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient


class SnsPush:
    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic = topic_arn

    def notify(self, associate_id: str, *, title: str, conversation_id: str) -> None:
        self._client.publish(
            TopicArn=self._topic,
            Message=json.dumps({"title": title, "conversationId": conversation_id}),
            MessageAttributes={"associate_id": {"DataType": "String", "StringValue": associate_id}},
        )
