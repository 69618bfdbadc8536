"""A local Twilio: the Messages API of api.twilio.com (2010-04-01), its webhooks, and developer controls.

The product talks to it with the real twilio-python client (TWILIO_API_BASE_URL). It speaks the published API
(shared/contracts/twilio_api_v2010.json):

- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: HTTP Basic auth, Twilio's validation and error codes,
  201 with the Message resource; then, on a worker thread, the status callbacks `sent` and `delivered` (or
  `undelivered` with 30003), each signed with X-Twilio-Signature.
- `GET .../Messages.json` (To/From filters, paged) and `GET .../Messages/{Sid}.json`.
- `GET .../Messages/{MessageSid}/Media/{MediaSid}`: inbound MMS media, behind Basic auth, answered like Twilio
  with a 307 to a short-lived signed URL (Twilio's points at S3).

Developer controls, not part of Twilio's API, live under `/_sim/`:

- `POST /_sim/inbound` `{"from", "to", "body", "media": [{"contentType", "base64"}], "messagingServiceSid"}`
  posts Twilio's inbound webhook, signed, to `{webhook_base_url}/webhooks/twilio/sms` and delivers the
  `<Message>` replies of the TwiML it gets back; `?replay=<MessageSid>` (or `"replay"`) posts the same webhook
  again, for idempotency tests. Answers `{"messageSid", "status", "twiml", "replies"}`. Two options show how
  Twilio can sign: `"extraFields": [["Name", "value"], ...]` adds form fields after Twilio's own (a name may
  repeat, and every value is signed), and `"signatureAlgorithm": "HMAC_SHA256"` signs with the account's webhook
  SharedKey and sends `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`, as Twilio does for
  webhooks signed with a SharedKey (HMAC_SHA1 with the auth token otherwise, without that header).
- `GET /_sim/messages?phone=+33...`: what that phone shows, oldest first (API messages, replies, inbound).
- `POST /_sim/carrier-opt-out` and `POST /_sim/undeliverable` `{"phone", "remove": false}`: failure sets.
- `POST /_sim/unavailable` `{"phone", "remove": false}`: the API answers 503 (error 20503) to messages for that
  phone, as Twilio does when it is down: the sender's retries and dead-letter queue can be seen.
- `POST /_sim/reset`: forget everything.

State is in memory and guarded by one lock. Logs name phones only through `redact_phone`, and never bodies.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
import queue
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree import ElementTree

import phonenumbers
import requests
from clienteling.kernel.observability import redact_phone
from pydantic import Base64Bytes, BaseModel, ConfigDict, Field, ValidationError, model_validator
from twilio.request_validator import (  # type: ignore[import-untyped]
    HMAC_SHA1,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
)

if TYPE_CHECKING:
    from infra.local.config import LocalSettings

log = logging.getLogger("twilio-simulator")

API_VERSION = "2010-04-01"
WEBHOOK_PATH = "/webhooks/twilio/sms"
MAX_BODY_CHARS = 1600
MAX_MEDIA_URLS = 10
WEBHOOK_TIMEOUT_SECONDS = 15  # Twilio gives a webhook 15 s before error 11200
MEDIA_LINK_SECONDS = 300
UNDELIVERED_CODE = 30003
UNDELIVERED_MESSAGE = "Unreachable destination handset"

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SHORT_CODE = re.compile(r"^\d{3,8}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_ACCOUNT_PATH = r"^/2010-04-01/Accounts/(?P<account>[^/]+)"
_MESSAGES_ROUTE = re.compile(_ACCOUNT_PATH + r"/Messages\.json$")
_MESSAGE_ROUTE = re.compile(_ACCOUNT_PATH + r"/Messages/(?P<sid>[^/]+)\.json$")
_MEDIA_ROUTE = re.compile(_ACCOUNT_PATH + r"/Messages/(?P<message>[^/]+)/Media/(?P<sid>[^/.]+)$")
_MEDIA_CONTENT_ROUTE = re.compile(r"^/_sim/media/(?P<sid>ME[0-9a-f]{32})$")

# GSM 03.38: the basic set costs one septet, the extension set two (escape + character).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def count_segments(body: str) -> int:
    """SMS segments Twilio bills: 160 GSM-7 septets or 70 UCS-2 units alone, 153 or 67 per concatenated part."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in body):
        units = [2 if c in _GSM7_EXTENSION else 1 for c in body]
        single, part = 160, 153
    else:
        units = [len(c.encode("utf-16-le")) // 2 for c in body]
        single, part = 70, 67
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for unit in units:  # an escape sequence or surrogate pair is never split across two parts
        if used + unit > part:
            segments, used = segments + 1, 0
        used += unit
    return segments


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc2822(moment: datetime | None) -> str | None:
    return None if moment is None else format_datetime(moment)


def _country(phone: str) -> str:
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return ""
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return "" if region == phonenumbers.UNKNOWN_REGION else region


class TwilioApiError(Exception):
    """An error answered in Twilio's JSON shape: {"code", "message", "more_info", "status"}."""

    def __init__(self, status: HTTPStatus, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def payload(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": int(self.status),
        }


def _unauthorized() -> TwilioApiError:
    return TwilioApiError(HTTPStatus.UNAUTHORIZED, 20003, "Authenticate")


def _not_found(path: str) -> TwilioApiError:
    return TwilioApiError(HTTPStatus.NOT_FOUND, 20404, f"The requested resource {path} was not found")


def _invalid(code: int, message: str) -> TwilioApiError:
    return TwilioApiError(HTTPStatus.BAD_REQUEST, code, message)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    # Runs once the response is on the wire, so a status callback never overtakes the create response.
    after: Callable[[], None] | None = None


def _json(
    status: int, payload: Any, headers: dict[str, str] | None = None, *, after: Callable[[], None] | None = None
) -> Reply:
    content = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return Reply(status, content, json.dumps(payload).encode(), after)


@dataclass
class Message:
    """A message the simulator holds, whatever its direction."""

    sid: str
    direction: str  # inbound, outbound-api, outbound-reply
    from_: str | None
    to: str
    body: str
    status: str
    media_urls: list[str]
    num_segments: int
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    date_created: datetime = field(default_factory=_now)
    date_updated: datetime = field(default_factory=_now)
    date_sent: datetime | None = None
    webhook_form: list[tuple[str, str]] | None = None  # inbound only: what a replay posts again
    webhook_algorithm: str = HMAC_SHA1  # inbound only: how it was signed (a replay signs the same way)

    def resource(self, account_sid: str) -> dict[str, Any]:
        """The spec's api.v2010.account.message, field for field (counts are strings there)."""
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{self.sid}"
        return {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": _rfc2822(self.date_created),
            "date_sent": _rfc2822(self.date_sent),
            "date_updated": _rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": str(len(self.media_urls)),
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }

    def as_seen_on_phone(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "direction": self.direction,
            "from": self.from_,
            "to": self.to,
            "body": self.body,
            "mediaUrls": list(self.media_urls),
            "status": self.status,
            "errorCode": self.error_code,
            "dateCreated": self.date_created.isoformat(),
        }


@dataclass(frozen=True)
class StoredMedia:
    message_sid: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ApiCall:
    """A request made to the Twilio API part of the simulator (contract tests read the form fields)."""

    method: str
    path: str
    form: list[tuple[str, str]]


@dataclass(frozen=True)
class _TwimlMessage:
    body: str
    media_urls: list[str]
    to: str | None
    from_: str | None


class _MediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: str = Field(alias="contentType", min_length=3)
    data: Base64Bytes = Field(alias="base64")


class _InboundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: str = Field(default="", alias="from")
    to: str = ""
    body: str = Field(default="", max_length=MAX_BODY_CHARS)
    media: list[_MediaIn] = Field(default_factory=list, max_length=MAX_MEDIA_URLS)
    messaging_service_sid: str | None = Field(default=None, alias="messagingServiceSid")
    replay: str | None = None
    extra_fields: list[tuple[str, str]] = Field(default_factory=list, alias="extraFields", max_length=20)
    signature_algorithm: Literal["HMAC_SHA1", "HMAC_SHA256"] = Field(default=HMAC_SHA1, alias="signatureAlgorithm")

    @model_validator(mode="after")
    def _a_new_message_is_complete(self) -> _InboundIn:
        if self.replay is None:
            if not (_E164.match(self.from_) and _E164.match(self.to)):
                raise ValueError("from and to must be E.164 numbers")
            if not self.body and not self.media:
                raise ValueError("a message needs a body or media")
        return self


class _PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str
    remove: bool = False


class _Fields(dict[str, list[str]]):
    """Form fields with every value of a repeated name, in the MultiDict shape RequestValidator signs (getlist)."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def _twiml_messages(twiml: bytes) -> list[_TwimlMessage]:
    """The <Message> verbs of a TwiML response, which Twilio sends on to the customer."""
    try:
        # Bytes, so the XML declaration (UTF-8 by default) decides the encoding, not the HTTP header.
        # The TwiML comes from the developer's own local webhook, and expat refuses entity expansion bombs.
        root = ElementTree.fromstring(twiml)  # noqa: S314
    except ElementTree.ParseError:
        return []
    if root.tag != "Response":
        return []
    messages = []
    for verb in root.iter("Message"):
        body = verb.find("Body")
        text = (body.text if body is not None else verb.text) or ""
        media = [(m.text or "").strip() for m in verb.findall("Media") if (m.text or "").strip()]
        messages.append(_TwimlMessage(text.strip(), media, verb.get("to"), verb.get("from")))
    return messages


def _phone_param(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    if value is None:
        return None
    value = value.strip()
    # An unencoded "+" in a query string arrives as a space.
    return value if value.startswith("+") or not value[:1].isdigit() else "+" + value


class TwilioSimulator:
    """Twilio's Messages API for one account, on a local HTTP server."""

    def __init__(
        self, account_sid: str, auth_token: str, webhook_base_url: str, shared_key: tuple[str, str] | None = None
    ) -> None:
        """`shared_key`: (id, secret) of the account's webhook SharedKey, for webhooks signed with HMAC_SHA256."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.webhook_base_url = webhook_base_url.rstrip("/")
        self.base_url = ""
        self.shared_key = shared_key
        self._validator = RequestValidator(auth_token)
        self._lock = threading.RLock()
        self._messages: dict[str, Message] = {}
        self._media: dict[str, StoredMedia] = {}
        self._opted_out: set[str] = set()
        self._undeliverable: set[str] = set()
        self._unavailable: set[str] = set()
        self._api_calls: list[ApiCall] = []
        self._generation = 0  # bumped by reset() so queued callbacks of the old world are dropped
        self._jobs: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._server: _Server | None = None
        self._worker: threading.Thread | None = None

    # Lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0: any free port) on daemon threads; returns the base URL."""
        self._server = _Server((host, port), self)
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        # A short poll so stop() returns at once rather than after the default half second.
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, name="twilio-simulator", daemon=True).start()
        self._worker = threading.Thread(target=self._deliver_forever, name="twilio-simulator-callbacks", daemon=True)
        self._worker.start()
        log.info("Twilio simulator on %s, webhooks to %s%s", self.base_url, self.webhook_base_url, WEBHOOK_PATH)
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._worker is not None:
            self._jobs.put(None)
            self._worker.join(timeout=WEBHOOK_TIMEOUT_SECONDS)
            self._worker = None

    def environment(self) -> dict[str, str]:
        """What the functions need to send through this simulator instead of api.twilio.com."""
        return {"TWILIO_API_BASE_URL": self.base_url}

    # Developer controls (also served under /_sim/)

    def set_carrier_opt_out(self, phone: str, *, opted_out: bool = True) -> None:
        with self._lock:
            (self._opted_out.add if opted_out else self._opted_out.discard)(phone)

    def set_undeliverable(self, phone: str, *, undeliverable: bool = True) -> None:
        with self._lock:
            (self._undeliverable.add if undeliverable else self._undeliverable.discard)(phone)

    def set_unavailable(self, phone: str, *, unavailable: bool = True) -> None:
        with self._lock:
            (self._unavailable.add if unavailable else self._unavailable.discard)(phone)

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._media.clear()
            self._opted_out.clear()
            self._undeliverable.clear()
            self._unavailable.clear()
            self._api_calls.clear()
            self._generation += 1

    def conversation(self, phone: str) -> list[dict[str, Any]]:
        """Every message to or from `phone`, oldest first: what that phone's screen shows."""
        with self._lock:
            return [m.as_seen_on_phone() for m in self._messages.values() if phone in (m.to, m.from_)]

    def message(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._messages.get(sid)
            return None if found is None else found.resource(self.account_sid)

    def api_calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self._api_calls)

    # HTTP

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        try:
            if split.path.startswith("/_sim/"):
                return self._developer(method, split.path, query, body)
            return self._api(method, split.path, split.query, query, headers, body)
        except TwilioApiError as error:
            extra = (
                {"WWW-Authenticate": 'Basic realm="Twilio API"'} if error.status == HTTPStatus.UNAUTHORIZED else None
            )
            return _json(error.status, error.payload(), extra)

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, encoded = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user.encode(), self.account_sid.encode()) and hmac.compare_digest(
            password.encode(), self.auth_token.encode()
        )

    def _api(  # noqa: PLR0917 - the parts of one request
        self, method: str, path: str, raw_query: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> Reply:
        if not path.startswith(f"/{API_VERSION}/"):
            raise _not_found(path)
        # Credentials of one account never reach another account's resources.
        account = path.split("/")[3] if path.count("/") >= 3 else ""
        if not self._authorized(headers) or account != self.account_sid:
            raise _unauthorized()
        form = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True) if method == "POST" else []
        with self._lock:
            self._api_calls.append(ApiCall(method, path, form))
        if _MESSAGES_ROUTE.match(path):
            if method == "POST":
                return self._create(form)
            if method == "GET":
                return self._list(path, raw_query, query)
        elif found := _MESSAGE_ROUTE.match(path):
            if method == "GET":
                return self._fetch(path, found["sid"])
        elif found := _MEDIA_ROUTE.match(path):
            if method == "GET":
                return self._media_redirect(path, found["message"], found["sid"])
        else:
            raise _not_found(path)
        raise TwilioApiError(HTTPStatus.METHOD_NOT_ALLOWED, 20004, "Method not allowed")

    def _create(self, form: list[tuple[str, str]]) -> Reply:
        fields = dict(reversed(form))  # a single-valued field sent twice: keep the first
        media_urls = [value for name, value in form if name == "MediaUrl" and value]
        message = self._validated_message(fields, media_urls)
        with self._lock:
            self._messages[message.sid] = message
            generation = self._generation
            resource = message.resource(self.account_sid)
        log.info(
            "message %s created to %s (%d segment(s), %d media)",
            message.sid,
            redact_phone(message.to),
            message.num_segments,
            len(media_urls),
        )
        return _json(HTTPStatus.CREATED, resource, after=lambda: self._jobs.put((generation, message.sid)))

    def _validated_message(self, fields: dict[str, str], media_urls: list[str]) -> Message:
        """Twilio's checks, in its order, with its error codes."""
        to = fields.get("To", "").strip()
        sender = fields.get("From", "").strip() or None
        service = fields.get("MessagingServiceSid", "").strip() or None
        body = fields.get("Body", "")
        callback = fields.get("StatusCallback", "").strip() or None
        if not to:
            raise _invalid(21604, "A 'To' phone number is required.")
        if not _E164.match(to):
            raise _invalid(21211, f"Invalid 'To' Phone Number: {to}")
        if sender is None and service is None:
            raise _invalid(21603, "A 'From' phone number is required.")
        if service is not None and not _MESSAGING_SERVICE_SID.match(service):
            raise _invalid(21701, f"The Messaging Service Sid {service} is invalid.")
        if sender is not None and not (
            _E164.match(sender) or _SHORT_CODE.match(sender) or _ALPHANUMERIC_SENDER.match(sender)
        ):
            raise _invalid(
                21606,
                f"The 'From' phone number provided ({sender}) is not a valid message-capable Twilio phone number "
                "for this destination.",
            )
        if sender == to:
            raise _invalid(21266, "'To' and 'From' number cannot be the same")
        if not body and not media_urls:
            raise _invalid(21602, "Message body is required.")
        if len(body) > MAX_BODY_CHARS:
            raise _invalid(21617, "The concatenated message body exceeds the 1600 character limit.")
        if len(media_urls) > MAX_MEDIA_URLS:
            raise _invalid(21623, "Number of media files exceeds allowed limit.")
        if any(urlsplit(url).scheme not in ("http", "https") for url in media_urls):
            raise _invalid(21620, "Invalid media URL(s)")
        if callback is not None and urlsplit(callback).scheme not in ("http", "https"):
            raise _invalid(21609, "Invalid StatusCallback url")
        with self._lock:
            if to in self._unavailable:
                raise TwilioApiError(HTTPStatus.SERVICE_UNAVAILABLE, 20503, "Service unavailable")
            if to in self._opted_out:
                raise _invalid(21610, "Attempt to send to unsubscribed recipient")
        return Message(
            sid=_sid("SM"),
            direction="outbound-api",
            from_=sender,
            to=to,
            body=body,
            # A Messaging Service picks its sender later: Twilio answers "accepted" and 0 segments until then.
            status="accepted" if service else "queued",
            media_urls=media_urls,
            num_segments=0 if service else (1 if media_urls else count_segments(body)),
            messaging_service_sid=service,
            status_callback=callback,
        )

    def _fetch(self, path: str, sid: str) -> Reply:
        resource = self.message(sid)
        if resource is None:
            raise _not_found(path)
        return _json(HTTPStatus.OK, resource)

    def _list(self, path: str, raw_query: str, query: dict[str, str]) -> Reply:
        to, sender = _phone_param(query, "To"), _phone_param(query, "From")
        try:
            size = max(1, min(1000, int(query.get("PageSize", "50"))))
            page = max(0, int(query.get("Page", "0")))
        except ValueError as error:
            raise _invalid(20001, "Invalid paging parameter") from error
        with self._lock:
            # Twilio lists the newest first.
            matching = [
                m.resource(self.account_sid)
                for m in reversed(self._messages.values())
                if (to is None or m.to == to) and (sender is None or m.from_ == sender)
            ]
        filters = [(name, value) for name, value in (("To", to), ("From", sender)) if value is not None]

        def page_uri(number: int) -> str:
            return f"{path}?{urlencode([*filters, ('PageSize', size), ('Page', number)])}"

        start = page * size
        chunk = matching[start : start + size]
        return _json(
            HTTPStatus.OK,
            {
                "end": start + max(len(chunk) - 1, 0),
                "first_page_uri": page_uri(0),
                "messages": chunk,
                "next_page_uri": page_uri(page + 1) if start + size < len(matching) else None,
                "page": page,
                "page_size": size,
                "previous_page_uri": page_uri(page - 1) if page > 0 else None,
                "start": start,
                "uri": f"{path}?{raw_query}" if raw_query else path,
            },
        )

    def _media_link_signature(self, media_sid: str, expires: int) -> str:
        return hmac.new(self.auth_token.encode(), f"{media_sid}:{expires}".encode(), hashlib.sha256).hexdigest()

    def _media_redirect(self, path: str, message_sid: str, media_sid: str) -> Reply:
        with self._lock:
            media = self._media.get(media_sid)
        if media is None or media.message_sid != message_sid:
            raise _not_found(path)
        expires = int(time.time()) + MEDIA_LINK_SECONDS
        query = urlencode({"Expires": expires, "Signature": self._media_link_signature(media_sid, expires)})
        return Reply(
            HTTPStatus.TEMPORARY_REDIRECT, {"Location": f"{self.base_url}/_sim/media/{media_sid}?{query}"}, b""
        )

    # Developer controls over HTTP

    def _developer(self, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
        controls: dict[tuple[str, str], Callable[[dict[str, str], bytes], Reply]] = {
            ("POST", "/_sim/inbound"): lambda q, b: self._inbound(q.get("replay") or None, b),
            ("GET", "/_sim/messages"): lambda q, _: self._phone_screen(q),
            ("POST", "/_sim/carrier-opt-out"): lambda _, b: self._configure(
                b, lambda phone, on: self.set_carrier_opt_out(phone, opted_out=on), "optedOut"
            ),
            ("POST", "/_sim/unavailable"): lambda _, b: self._configure(
                b, lambda phone, on: self.set_unavailable(phone, unavailable=on), "unavailable"
            ),
            ("POST", "/_sim/undeliverable"): lambda _, b: self._configure(
                b, lambda phone, on: self.set_undeliverable(phone, undeliverable=on), "undeliverable"
            ),
            ("POST", "/_sim/reset"): lambda _q, _b: self._reset_reply(),
        }
        control = controls.get((method, path))
        if control is not None:
            try:
                return control(query, body)
            except ValidationError as error:
                return _json(
                    HTTPStatus.BAD_REQUEST,
                    {"error": error.errors(include_input=False, include_url=False, include_context=False)},
                )
        if method == "GET" and (found := _MEDIA_CONTENT_ROUTE.match(path)):
            return self._media_content(found["sid"], query)
        return _json(HTTPStatus.NOT_FOUND, {"error": f"no developer control at {method} {path}"})

    def _phone_screen(self, query: dict[str, str]) -> Reply:
        phone = _phone_param(query, "phone")
        if not phone:
            return _json(HTTPStatus.BAD_REQUEST, {"error": "phone is required"})
        return _json(HTTPStatus.OK, {"phone": phone, "messages": self.conversation(phone)})

    @staticmethod
    def _configure(body: bytes, apply: Callable[[str, bool], None], name: str) -> Reply:
        setting = _PhoneIn.model_validate_json(body or b"{}")
        apply(setting.phone, not setting.remove)
        return _json(HTTPStatus.OK, {"phone": setting.phone, name: not setting.remove})

    def _reset_reply(self) -> Reply:
        self.reset()
        return _json(HTTPStatus.OK, {"reset": True})

    def _media_content(self, media_sid: str, query: dict[str, str]) -> Reply:
        expires = query.get("Expires", "")
        expected = self._media_link_signature(media_sid, int(expires)) if expires.isdigit() else ""
        if not expected or not hmac.compare_digest(expected, query.get("Signature", "")) or int(expires) < time.time():
            return Reply(HTTPStatus.FORBIDDEN, {"Content-Type": "text/plain"}, b"Request has expired or is not signed")
        with self._lock:
            media = self._media.get(media_sid)
        if media is None:
            return Reply(HTTPStatus.NOT_FOUND, {"Content-Type": "text/plain"}, b"Not found")
        return Reply(HTTPStatus.OK, {"Content-Type": media.content_type}, media.data)

    def _inbound(self, replay: str | None, payload: bytes) -> Reply:
        if replay is None:
            request = _InboundIn.model_validate_json(payload or b"{}")
            if request.replay is None:
                inbound, form = self._receive(request)
                return self._post_inbound(inbound, form, replaying=False)
            replay = request.replay
        with self._lock:
            original = self._messages.get(replay)
            form = list(original.webhook_form or []) if original else []
        if original is None or not form:
            return _json(HTTPStatus.NOT_FOUND, {"error": f"no inbound message {replay} to replay"})
        return self._post_inbound(original, form, replaying=True)

    def _post_inbound(self, inbound: Message, form: list[tuple[str, str]], *, replaying: bool) -> Reply:
        url = self.webhook_base_url + WEBHOOK_PATH
        try:
            response = self._post_signed(url, form, algorithm=inbound.webhook_algorithm)
        except requests.RequestException as error:
            log.warning("inbound %s: webhook unreachable (%s)", inbound.sid, type(error).__name__)
            return _json(
                HTTPStatus.BAD_GATEWAY,
                {"messageSid": inbound.sid, "status": None, "twiml": None, "replies": [], "error": "11200"},
            )
        replies = self._send_replies(inbound, response.content) if response.ok else []
        log.info(
            "inbound %s from %s to %s%s: webhook answered %d, %d reply(ies)",
            inbound.sid,
            redact_phone(inbound.from_),
            redact_phone(inbound.to),
            " (replay)" if replaying else "",
            response.status_code,
            len(replies),
        )
        return _json(
            HTTPStatus.OK,
            {
                "messageSid": inbound.sid,
                "status": response.status_code,
                "twiml": response.content.decode("utf-8", errors="replace"),
                "replies": [reply.body for reply in replies],
            },
        )

    def _receive(self, request: _InboundIn) -> tuple[Message, list[tuple[str, str]]]:
        """Store an inbound message and its media; build Twilio's webhook form for it."""
        sender, to = request.from_, request.to
        sid = _sid("MM" if request.media else "SM")
        media_sids = [_sid("ME") for _ in request.media]
        media_urls = [
            f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media/{media_sid}"
            for media_sid in media_sids
        ]
        segments = count_segments(request.body)
        form: list[tuple[str, str]] = [
            ("ToCountry", _country(to)),
            ("ToState", ""),
            ("SmsMessageSid", sid),
            ("NumMedia", str(len(request.media))),
            ("ToCity", ""),
            ("FromZip", ""),
            ("SmsSid", sid),
            ("FromState", ""),
            ("SmsStatus", "received"),
            ("FromCity", ""),
            ("Body", request.body),
            ("FromCountry", _country(sender)),
            ("To", to),
            ("ToZip", ""),
            ("NumSegments", str(segments)),
            ("MessageSid", sid),
            ("AccountSid", self.account_sid),
            ("From", sender),
            ("ApiVersion", API_VERSION),
        ]
        if request.messaging_service_sid:
            form.append(("MessagingServiceSid", request.messaging_service_sid))
        for index, (media, url) in enumerate(zip(request.media, media_urls, strict=True)):
            form += [(f"MediaContentType{index}", media.content_type), (f"MediaUrl{index}", url)]
        form += [(name, value) for name, value in request.extra_fields]
        message = Message(
            sid=sid,
            direction="inbound",
            from_=sender,
            to=to,
            body=request.body,
            status="received",
            media_urls=media_urls,
            num_segments=segments,
            messaging_service_sid=request.messaging_service_sid,
            date_sent=_now(),
            webhook_form=form,
            webhook_algorithm=request.signature_algorithm,
        )
        with self._lock:
            self._messages[sid] = message
            for media_sid, media in zip(media_sids, request.media, strict=True):
                self._media[media_sid] = StoredMedia(sid, media.content_type, bytes(media.data))
        return message, form

    def _send_replies(self, inbound: Message, twiml: bytes) -> list[Message]:
        """Deliver the TwiML <Message>s to the customer, as Twilio does, from the number they wrote to."""
        replies = []
        for verb in _twiml_messages(twiml):
            to = verb.to or inbound.from_ or ""
            with self._lock:
                opted_out = to in self._opted_out
            reply = Message(
                sid=_sid("SM"),
                direction="outbound-reply",
                from_=verb.from_ or inbound.to,
                to=to,
                body=verb.body,
                status="failed" if opted_out else "delivered",
                media_urls=verb.media_urls,
                num_segments=1 if verb.media_urls else count_segments(verb.body),
                messaging_service_sid=inbound.messaging_service_sid,
                error_code=21610 if opted_out else None,
                error_message="Attempt to send to unsubscribed recipient" if opted_out else None,
                date_sent=None if opted_out else _now(),
            )
            with self._lock:
                self._messages[reply.sid] = reply
            replies.append(reply)
        return replies

    # Status callbacks

    def _post_signed(self, url: str, form: list[tuple[str, str]], *, algorithm: str = HMAC_SHA1) -> requests.Response:
        """POST a form as Twilio's webhooks do: signed over URL + sorted params (every value of a repeated one),
        with the auth token (HMAC_SHA1), or with the SharedKey, named in X-Twilio-Webhooks-Signature-Settings."""
        fields = _Fields()
        for name, value in form:
            fields.setdefault(name, []).append(value)
        headers = {"I-Twilio-Idempotency-Token": str(uuid.uuid4()), "User-Agent": "TwilioProxy/1.1"}
        if algorithm == HMAC_SHA1:
            headers["X-Twilio-Signature"] = str(self._validator.compute_signature(url, fields))
        else:
            if self.shared_key is None:
                raise ValueError("signing with a SharedKey needs the simulator's shared_key")
            key_id, secret = self.shared_key
            headers["X-Twilio-Signature"] = str(RequestValidator(secret).compute_signature(url, fields, algorithm))
            headers[SIGNATURE_SETTINGS_HEADER] = f"key={key_id},algorithm={algorithm}"
        # A plain call, not a shared Session: Sessions are not thread-safe and several threads post webhooks.
        return requests.post(
            url,
            data=form,
            headers=headers,
            timeout=WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )

    def _deliver_forever(self) -> None:
        while (job := self._jobs.get()) is not None:
            generation, sid = job
            try:
                self._deliver(generation, sid)
            except Exception:  # the worker outlives any one message
                log.exception("delivery of %s failed", sid)

    def _deliver(self, generation: int, sid: str) -> None:
        """Move a message to `sent`, then `delivered` or `undelivered`, posting a callback after each step."""
        for step in ("sent", "final"):
            with self._lock:
                message = self._messages.get(sid)
                if message is None or generation != self._generation:
                    return
                now = _now()
                if step == "sent":
                    message.status, message.date_sent = "sent", now
                elif message.to in self._undeliverable:
                    message.status, message.error_code, message.error_message = (
                        "undelivered",
                        UNDELIVERED_CODE,
                        UNDELIVERED_MESSAGE,
                    )
                else:
                    message.status = "delivered"
                message.date_updated = now
                url, form = message.status_callback, self._callback_form(message)
            if url is None:
                continue
            try:
                response = self._post_signed(url, form)
            except requests.RequestException as error:
                log.warning(
                    "status callback %s %s: unreachable (%s)", sid, dict(form)["MessageStatus"], type(error).__name__
                )
                continue
            log.info("status callback %s %s: %d", sid, dict(form)["MessageStatus"], response.status_code)

    def _callback_form(self, message: Message) -> list[tuple[str, str]]:
        form = [
            ("SmsSid", message.sid),
            ("SmsStatus", message.status),
            ("MessageStatus", message.status),
            ("To", message.to),
            ("MessageSid", message.sid),
            ("AccountSid", self.account_sid),
            ("ApiVersion", API_VERSION),
        ]
        if message.from_ is not None:
            form.append(("From", message.from_))
        if message.messaging_service_sid is not None:
            form.append(("MessagingServiceSid", message.messaging_service_sid))
        if message.error_code is not None:
            form.append(("ErrorCode", str(message.error_code)))
        return form


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], simulator: TwilioSimulator) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.simulator.handle(self.command, self.path, dict(self.headers.items()), body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        self.wfile.flush()
        if reply.after is not None:
            reply.after()

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path only: query strings can carry phone numbers (/_sim/messages?phone=, Messages.json?To=).
        log.info("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.warning(format, *args)


def start_for_stack(settings: LocalSettings, webhook_base_url: str) -> TwilioSimulator:
    """The simulator of the local stack, for the account in `settings`, on a free port (`.base_url`).

    It binds port 0 rather than a port probed beforehand, so no other process can take it in between.
    """
    simulator = TwilioSimulator(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        webhook_base_url,
        shared_key=(settings.twilio_webhook_key_id, settings.twilio_webhook_key),
    )
    simulator.start("127.0.0.1", 0)
    return simulator
