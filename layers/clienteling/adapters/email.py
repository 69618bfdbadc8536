"""Amazon SES (v1 SendRawEmail, which moto's local server implements too): loyalty welcomes, virtual gift cards,
receipts and campaign emails. A raw message so campaign emails can carry the List-Unsubscribe headers of RFC 8058
(mail clients then show their own one-click unsubscribe button). Recipients are never logged in clear."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from clienteling.kernel.observability import logger, redact_email
from clienteling.kernel.providers import EmailError, EmailUnavailable, OutgoingEmail

if TYPE_CHECKING:
    from mypy_boto3_ses.client import SESClient

_RETRYABLE = frozenset({"Throttling", "ThrottlingException", "ServiceUnavailable", "InternalFailure"})


class SesEmail:
    def __init__(self, client: SESClient, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, email: OutgoingEmail) -> str:
        """Send one email (plain text, with an HTML alternative when given); returns SES's message id."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=parseaddr(self._sender)[1].rpartition("@")[2] or None)
        if email.unsubscribe_url:
            message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(email.text)
        if email.html is not None:
            message.add_alternative(email.html, subtype="html")
        try:
            response = self._client.send_raw_email(RawMessage={"Data": message.as_bytes()})
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            logger.warning("email refused", extra={"code": code, "to": redact_email(email.to)})
            raise (EmailUnavailable if code in _RETRYABLE else EmailError)(code) from None
        except BotoCoreError as error:
            logger.warning("email not sent", extra={"error": type(error).__name__, "to": redact_email(email.to)})
            raise EmailUnavailable(type(error).__name__) from None
        logger.info("email sent", extra={"to": redact_email(email.to), "message_id": response["MessageId"]})
        return str(response["MessageId"])
