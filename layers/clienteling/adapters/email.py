"""Transactional email through Amazon SES (v1 API: `SendEmail`, which moto's local server implements too):
loyalty welcomes with their activation link, virtual gift cards, receipts. Recipients are never logged in clear.
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

    def send(self, *, to: str, subject: str, text: str, html: str | None = None) -> str:
        """Send a plain-text email (with an HTML alternative when given); returns SES's message id."""
        body: dict[str, dict[str, str]] = {"Text": {"Data": text, "Charset": "UTF-8"}}
        if html is not None:
            body["Html"] = {"Data": html, "Charset": "UTF-8"}
        try:
            response = self._client.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [to]},
                Message={"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body},  # type: ignore[typeddict-item]
            )
        except (ClientError, BotoCoreError) as error:
            logger.warning("email refused", extra={"to": redact_email(to), "error": type(error).__name__})
            raise EmailError(str(error)) from error
        logger.info("email sent", extra={"to": redact_email(to)})
        return str(response["MessageId"])
