"""The outside world as the product sees it: one Protocol per provider (texts, payment links, email, the event
bus, one-time schedules, the send queue, media storage, push), with the values and errors they exchange.

`clienteling.adapters` implements each one with the real provider (Twilio, Adyen, SES, EventBridge, Scheduler,
SQS, S3, SNS); the fast service tests implement them in memory (tests/fakes). Services name only these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

# ---------------------------------------------------------------------------------------------- texts (SMS, MMS)
# Where a provider's message stands, in the product's words (adapters fold their provider's statuses into these).
DeliveryStatus = Literal["queued", "sent", "delivered", "read", "undelivered", "failed"]


class SmsError(Exception):
    """Twilio refused or failed a request. `code` is Twilio's error code when it gave one."""

    retryable = False

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class RecipientOptedOut(SmsError):
    """The recipient unsubscribed at the carrier (STOP); Twilio will refuse every text to them (21610)."""


class InvalidRecipient(SmsError):
    """The recipient's number cannot receive texts (21211 invalid number, 21614 not a mobile)."""


class ProviderUnavailable(SmsError):
    """Twilio did not answer, or answered 5xx or 429: the same request may succeed later."""

    retryable = True


@dataclass(frozen=True, slots=True)
class SentMessage:
    sid: str
    status: DeliveryStatus
    num_segments: int | None
    error_code: int | None


class SmsSender(Protocol):
    def send(
        self,
        *,
        from_: str | None,
        to: str,
        body: str | None,
        media_urls: Sequence[str],
        status_callback: str | None,
        messaging_service_sid: str | None = None,
    ) -> SentMessage: ...

    def fetch_media(self, url: str) -> tuple[bytes, str]: ...


# ---------------------------------------------------------------------------------------------- payment links
# Statuses Adyen gives a link (PaymentLinkResponse.status); only an active link can still be paid.
ACTIVE = "active"
COMPLETED = "completed"
EXPIRED = "expired"
PAID = "paid"
PAYMENT_PENDING = "paymentPending"


class PaymentProviderError(Exception):
    """Adyen refused or could not be reached. `retryable` says whether the same call may succeed later."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        error_code: str | None = None,
        psp_reference: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.error_code = error_code
        self.psp_reference = psp_reference


@dataclass(frozen=True, slots=True)
class LineItem:
    """One line of the cart, shown on Adyen's page. Amounts in minor units, tax rate in basis points (2000 = 20%)."""

    id: str
    description: str
    quantity: int
    amount_including_tax_minor: int
    amount_excluding_tax_minor: int
    tax_amount_minor: int
    tax_percentage_basis_points: int
    image_url: str | None = None
    product_url: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentLink:
    """What Adyen says about a link. `status` is one of ACTIVE, COMPLETED, EXPIRED, PAID, PAYMENT_PENDING."""

    id: str
    url: str
    status: str
    reference: str
    expires_at: datetime | None
    amount_minor: int
    currency: str


class PaymentLinks(Protocol):
    def create_link(
        self,
        *,
        reference: str,
        amount_minor: int,
        currency: str,
        expires_at: datetime,
        return_url: str,
        shopper_locale: str,
        country_code: str,
        line_items: list[LineItem],
        shopper_reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> PaymentLink: ...

    def get_link(self, link_id: str) -> PaymentLink: ...

    def expire_link(self, link_id: str) -> PaymentLink: ...


# ---------------------------------------------------------------------------------------------- email
class EmailError(Exception):
    """SES refused the message."""

    retryable = False


class EmailUnavailable(EmailError):
    """SES throttled, failed or could not be reached: the same email may go through later."""

    retryable = True


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None = None
    unsubscribe_url: str | None = None


class EmailSender(Protocol):
    def send(self, email: OutgoingEmail) -> str: ...


# ---------------------------------------------------------------------------------------------- event bus
@dataclass(frozen=True, slots=True)
class OutgoingEvent:
    key: str  # the caller's identifier of this entry (reported back when it fails)
    source: str
    detail_type: str
    detail: dict[str, Any]
    time: datetime | None = None


class EventBus(Protocol):
    def put(self, events: list[OutgoingEvent]) -> list[str]: ...


# ---------------------------------------------------------------------------------------------- schedules
class Schedules(Protocol):
    def create(self, name: str, at: datetime, payload: dict[str, Any], *, time_zone: str = "UTC") -> bool: ...

    def delete(self, name: str) -> bool: ...


# ---------------------------------------------------------------------------------------------- send queue
@dataclass(frozen=True, slots=True)
class Outgoing:
    body: str
    delay_seconds: int = 0


class QueueError(RuntimeError):
    """SQS refused some messages: the caller retries (its work is idempotent)."""


class Queue(Protocol):
    def send(self, messages: Sequence[Outgoing]) -> int: ...


# ---------------------------------------------------------------------------------------------- media storage
@dataclass(frozen=True, slots=True)
class PresignedUpload:
    url: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class StoredObject:
    content_type: str
    size: int


class MediaStorage(Protocol):
    def presign_upload(self, key: str, *, content_type: str, size: int, expires_in: int) -> PresignedUpload: ...

    def presign_download(self, key: str, *, expires_in: int) -> str: ...

    def head(self, key: str) -> StoredObject | None: ...

    def put(self, key: str, body: bytes, *, content_type: str) -> None: ...


# ---------------------------------------------------------------------------------------------- push
class Push(Protocol):
    def notify(self, associate_id: str, *, title: str, conversation_id: str) -> None: ...
