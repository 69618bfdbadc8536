"""Transactional email through Amazon SES (v1 API: `SendEmail`, which moto's local server implements too).

Only transactional messages go through here (a loyalty welcome with its activation link, a virtual gift card
to its recipient); recipients are never logged in clear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from clienteling.observability import logger, redact_email

if TYPE_CHECKING:
    from mypy_boto3_ses.client import SESClient


class EmailError(Exception):
    """SES refused or failed to take the message."""


class SesEmail:
    def __init__(self, client: SESClient, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, *, to: str, subject: str, text: str) -> str:
        """Send a plain-text email; returns SES's message id."""
        try:
            response = self._client.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                },
            )
        except (ClientError, BotoCoreError) as error:
            logger.warning("email refused", extra={"to": redact_email(to), "error": type(error).__name__})
            raise EmailError(str(error)) from error
        logger.info("email sent", extra={"to": redact_email(to)})
        return str(response["MessageId"])
