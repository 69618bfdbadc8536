"""The outside world in memory: one fake per Protocol of kernel.providers the fast tier needs. Each records what
the product asked of it, answers as the provider does (the same values, the same errors), and can be told to refuse
the next calls with a given error, as the provider would when it is down or says no."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from clienteling.kernel.providers import (
    ACTIVE,
    EXPIRED,
    EmailError,
    LineItem,
    Outgoing,
    OutgoingEmail,
    OutgoingEvent,
    PaymentLink,
    PaymentProviderError,
    QueueError,
    SentMessage,
    SmsError,
)

E = TypeVar("E", bound=Exception)


class _Refusals(Generic[E]):
    """Errors to raise on the next calls, in order; then calls succeed again."""

    def __init__(self) -> None:
        self._queue: list[E] = []

    def add(self, error: E, times: int) -> None:
        self._queue += [error] * times

    def raise_next(self) -> None:
        if self._queue:
            raise self._queue.pop(0)


class _RefusalsTo(Generic[E]):
    """Refusals for any recipient, and for one recipient only (those come first for that recipient)."""

    def __init__(self) -> None:
        self._any = _Refusals[E]()
        self._one: dict[str, _Refusals[E]] = {}

    def add(self, error: E, times: int, to: str | None) -> None:
        (self._any if to is None else self._one.setdefault(to, _Refusals[E]())).add(error, times)

    def raise_next(self, to: str) -> None:
        if to in self._one:
            self._one[to].raise_next()
        self._any.raise_next()


# ---------------------------------------------------------------------------------------------- texts (Twilio)
@dataclass(frozen=True, slots=True)
class SentText:
    """A text the product handed to the provider, with the sid the provider gave it (and when, given a clock)."""

    sid: str
    from_: str | None
    to: str
    body: str | None
    media_urls: tuple[str, ...]
    status_callback: str | None
    messaging_service_sid: str | None
    at: datetime | None = None


class FakeSms:
    """kernel.providers.SmsSender. A text is accepted as Twilio accepts it (status "queued", a fresh "SM..." sid);
    `refuse` makes the next sends (to anyone, or to one number) raise an SmsError subclass instead
    (RecipientOptedOut, InvalidRecipient, ProviderUnavailable), and nothing is recorded as sent for them. With a
    `clock`, each text records when it was handed over."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.sent: list[SentText] = []
        self.media: dict[str, tuple[bytes, str]] = {}  # what fetch_media finds at a provider URL
        self._clock = clock
        self._refusals = _RefusalsTo[SmsError]()

    def refuse(self, error: SmsError, *, times: int = 1, to: str | None = None) -> None:
        self._refusals.add(error, times, to)

    def send(
        self,
        *,
        from_: str | None,
        to: str,
        body: str | None,
        media_urls: Sequence[str],
        status_callback: str | None,
        messaging_service_sid: str | None = None,
    ) -> SentMessage:
        if from_ is None and messaging_service_sid is None:
            raise SmsError("A 'From' phone number or a Messaging Service is required.", code=21603, status=400)
        self._refusals.raise_next(to)
        text = SentText(
            sid="SM" + secrets.token_hex(16),
            from_=from_,
            to=to,
            body=body,
            media_urls=tuple(media_urls),
            status_callback=status_callback,
            messaging_service_sid=messaging_service_sid,
            at=self._clock() if self._clock is not None else None,
        )
        self.sent.append(text)
        return SentMessage(sid=text.sid, status="queued", num_segments=None, error_code=None)

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        if url not in self.media:
            raise SmsError("The requested resource was not found.", code=20404, status=404)
        return self.media[url]

    def to(self, phone: str) -> list[SentText]:
        """What one phone received, oldest first."""
        return [text for text in self.sent if text.to == phone]


# ---------------------------------------------------------------------------------------------- payment links (Adyen)
@dataclass(frozen=True, slots=True)
class LinkRequest:
    """What the product asked Adyen for one link."""

    reference: str
    amount_minor: int
    currency: str
    expires_at: datetime
    return_url: str
    shopper_locale: str
    country_code: str
    line_items: tuple[LineItem, ...]
    shopper_reference: str | None
    idempotency_key: str | None


class FakePaymentLinks:
    """kernel.providers.PaymentLinks, as the Adyen adapter and simulator behave:
    - `create_link` makes an active single-use link; the same idempotency key with the same request answers the
      first link again, with another request a non-retryable 422;
    - a link past its `expires_at` reads expired (with `clock`);
    - `expire_link` expires an active link and returns one that is no longer active as it is (the adapter reads it
      back when Adyen refuses the update); an unknown id is a non-retryable 422, as Adyen answers;
    - `refuse` makes the next calls raise the given PaymentProviderError (retryable: Adyen down; not: refused).
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.requests: list[LinkRequest] = []  # every create_link that made a link, in order
        self.expired: list[str] = []  # ids expire_link expired, in order
        self._links: dict[str, PaymentLink] = {}
        self._by_key: dict[str, tuple[LinkRequest, str]] = {}
        self._clock = clock
        self._refusals = _Refusals[PaymentProviderError]()

    def refuse(self, error: PaymentProviderError, *, times: int = 1) -> None:
        self._refusals.add(error, times)

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
    ) -> PaymentLink:
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        self._refusals.raise_next()
        request = LinkRequest(
            reference=reference,
            amount_minor=amount_minor,
            currency=currency,
            expires_at=expires_at,
            return_url=return_url,
            shopper_locale=shopper_locale,
            country_code=country_code,
            line_items=tuple(line_items),
            shopper_reference=shopper_reference,
            idempotency_key=idempotency_key,
        )
        if idempotency_key is not None and idempotency_key in self._by_key:
            seen, link_id = self._by_key[idempotency_key]
            if seen != request:
                raise PaymentProviderError(
                    "Idempotency key already used for another request", retryable=False, status=422
                )
            return self._current(link_id)
        link_id = "PL" + secrets.token_hex(8).upper()
        self._links[link_id] = PaymentLink(
            id=link_id,
            url=f"https://test.adyen.link/{link_id}",
            status=ACTIVE,
            reference=reference,
            expires_at=expires_at,
            amount_minor=amount_minor,
            currency=currency,
        )
        self.requests.append(request)
        if idempotency_key is not None:
            self._by_key[idempotency_key] = (request, link_id)
        return self._links[link_id]

    def get_link(self, link_id: str) -> PaymentLink:
        self._refusals.raise_next()
        return self._current(link_id)

    def expire_link(self, link_id: str) -> PaymentLink:
        self._refusals.raise_next()
        link = self._current(link_id)
        if link.status != ACTIVE:
            return link
        self.expired.append(link_id)
        return self._replace(link, EXPIRED)

    def status(self, link_id: str) -> str:
        """What Adyen says of the link now (for assertions: never refused)."""
        return self._current(link_id).status

    def _current(self, link_id: str) -> PaymentLink:
        link = self._links.get(link_id)
        if link is None:
            raise PaymentProviderError(f"Payment link {link_id} not found", retryable=False, status=422)
        if link.status == ACTIVE and self._clock is not None and link.expires_at and self._clock() >= link.expires_at:
            link = self._replace(link, EXPIRED)
        return link

    def _replace(self, link: PaymentLink, status: str) -> PaymentLink:
        changed = PaymentLink(link.id, link.url, status, link.reference, link.expires_at, link.amount_minor,
                              link.currency)  # fmt: skip
        self._links[link.id] = changed
        return changed


# ---------------------------------------------------------------------------------------------- email (SES)
class FakeEmail:
    """kernel.providers.EmailSender: records each email and answers a message id; `refuse` makes the next sends (to
    anyone, or to one address) raise EmailError (or EmailUnavailable)."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self._refusals = _RefusalsTo[EmailError]()

    def refuse(self, error: EmailError, *, times: int = 1, to: str | None = None) -> None:
        self._refusals.add(error, times, to)

    def send(self, email: OutgoingEmail) -> str:
        self._refusals.raise_next(email.to)
        self.sent.append(email)
        return f"{secrets.token_hex(16)}@email.amazonses.com"

    def to(self, address: str) -> list[OutgoingEmail]:
        return [email for email in self.sent if email.to == address]


# ---------------------------------------------------------------------------------------------- event bus (EventBridge)
class FakeEventBus:
    """kernel.providers.EventBus: records the events it accepts; keys in `failing` are refused (returned, as
    EventBridge's failed entries are, for the caller to retry) and not recorded."""

    def __init__(self) -> None:
        self.accepted: list[OutgoingEvent] = []
        self.failing: set[str] = set()

    def put(self, events: list[OutgoingEvent]) -> list[str]:
        failed = [event.key for event in events if event.key in self.failing]
        self.accepted += [event for event in events if event.key not in self.failing]
        return failed


# ---------------------------------------------------------------------------------------------- schedules (Scheduler)
@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    time_zone: str = "UTC"


class FakeSchedules:
    """kernel.providers.Schedules, as OneTimeSchedules behaves: `create` is False when a schedule of that name
    exists already, `delete` is False when there is none. `fire` runs one as the scheduler would (and deletes it:
    one-time schedules delete themselves after they ran)."""

    def __init__(self) -> None:
        self.pending: dict[str, Schedule] = {}

    def create(self, name: str, at: datetime, payload: dict[str, Any], *, time_zone: str = "UTC") -> bool:
        if name in self.pending:
            return False
        self.pending[name] = Schedule(name, at, dict(payload), time_zone)
        return True

    def delete(self, name: str) -> bool:
        return self.pending.pop(name, None) is not None

    def fire(self, name: str) -> dict[str, Any]:
        return self.pending.pop(name).payload


# ---------------------------------------------------------------------------------------------- queues (SQS)
class FakeQueue:
    """kernel.providers.Queue, as SendQueue behaves: keeps every message with its delay and answers how many
    requests SQS would have taken (batches of ten); `refuse` makes the next sends raise QueueError, as SendQueue
    does when SQS refused a message of a batch (here nothing of that call is kept)."""

    BATCH = 10

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self._refusals = _Refusals[QueueError]()

    def refuse(self, error: QueueError, *, times: int = 1) -> None:
        self._refusals.add(error, times)

    def send(self, messages: Sequence[Outgoing]) -> int:
        self._refusals.raise_next()
        self.sent += list(messages)
        return -(-len(messages) // self.BATCH)

    def take(self) -> list[Outgoing]:
        """What a consumer receives next: everything on the queue (delays are not waited for), which leaves it."""
        taken, self.sent = self.sent, []
        return taken
