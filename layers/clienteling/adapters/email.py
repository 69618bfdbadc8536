"""Email through Amazon SES (receipts). Locally moto's SES, with the sender identity verified at provisioning."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_ses.client import SESClient


class SesMailer:
    def __init__(self, client: SESClient | None, sender: str) -> None:
        self._client = client
        self._sender = sender

    @property
    def enabled(self) -> bool:
        return bool(self._sender)

    def send(self, *, to: str, subject: str, text: str, html: str) -> str:
        """Send one email; returns SES's message id."""
        if self._client is None:
            raise RuntimeError("no sender configured (RECEIPT_EMAIL_SENDER)")
        response = self._client.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}, "Html": {"Data": html, "Charset": "UTF-8"}},
            },
        )
        return response["MessageId"]
