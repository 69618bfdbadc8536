"""A local Adyen: Checkout v72 payment links, the hosted pay page, and signed standard webhooks.

It speaks shared/contracts/adyen_CheckoutService-v72.json at the paths the Adyen Python library builds once
its Checkout host is replaced (ADYEN_CHECKOUT_URL, see clienteling.adapters.payments):
`POST /v72/paymentLinks`, `GET` and `PATCH /v72/paymentLinks/{linkId}`, with X-API-Key authentication.
A link's url is the simulator's `GET /payByLink/{linkId}` page; paying there (or `POST /_sim/pay/{linkId}`)
posts an AUTHORISATION notification (shared/contracts/adyen_Webhooks-v1.json), HMAC-signed with the Adyen
library's own utility and sent with HTTP Basic auth, to the product's webhook URL.

Simulator-only endpoints: `POST /_sim/pay/{linkId}` (form or JSON {"outcome": "authorised" | "refused"}),
`POST /_sim/replay/{pspReference}` (Adyen delivers at least once), `GET /_sim/links`, `POST /_sim/reset`.
State is in memory; every change happens under one lock, and no lock is held while a webhook is delivered.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeGuard
from urllib.parse import parse_qs, urlsplit

import requests
from Adyen import util as adyen_util
from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, is_currency
from clienteling import resources
from clienteling.kernel.clock import Clock, system_clock

from infra.local import config, stack

log = logging.getLogger("adyen-simulator")

API_VERSION = "v72"
DEFAULT_EXPIRY = timedelta(hours=24)  # PaymentLinkRequest.expiresAt: "If not provided, ... 24 hours"
MAX_EXPIRY = timedelta(days=70)  # PaymentLinkRequest.expiresAt: "The maximum expiry date is 70 days ..."
OUTCOMES = ("authorised", "refused")
WEBHOOK_TIMEOUT_SECONDS = 10

# The properties of the spec's PaymentLinkRequest and LineItem; tests/contract checks them against the spec.
REQUEST_FIELDS = frozenset(
    {
        "allowedPaymentMethods", "amount", "applicationInfo", "billingAddress", "blockedPaymentMethods",
        "captureDelayHours", "countryCode", "dateOfBirth", "deliverAt", "deliveryAddress", "description",
        "expiresAt", "fundOrigin", "fundRecipient", "installmentOptions", "lineItems", "manualCapture", "mcc",
        "merchantAccount", "merchantOrderReference", "metadata", "platformChargebackLogic",
        "recurringProcessingModel", "reference", "requiredShopperFields", "returnUrl", "reusable", "riskData",
        "shopperEmail", "shopperLocale", "shopperName", "shopperReference", "shopperStatement",
        "showRemovePaymentMethodButton", "socialSecurityNumber", "splitCardFundingSources", "splits", "store",
        "storePaymentMethodMode", "telephoneNumber", "themeId", "threeDS2RequestData",
    }
)  # fmt: skip
LINE_ITEM_FIELDS = frozenset(
    {
        "amountExcludingTax", "amountIncludingTax", "brand", "color", "description", "id", "imageUrl",
        "itemCategory", "manufacturer", "marketplaceSellerId", "productUrl", "quantity", "receiverEmail", "size",
        "sku", "taxAmount", "taxPercentage", "upc",
    }
)  # fmt: skip
_LINE_ITEM_INTEGERS = ("amountExcludingTax", "amountIncludingTax", "quantity", "taxAmount", "taxPercentage")
# (field, shortest, longest) of the optional strings the product sends, as the spec bounds them.
_BOUNDED_STRINGS = (("shopperReference", 3, 256), ("returnUrl", 1, 8000), ("shopperLocale", 1, 32))

# Error codes 000, 901 and 702 are Adyen's own (the spec's examples). The others are the simulator's and start
# with "sim_", so that nobody mistakes them for Adyen's or branches on them.
_UNAUTHORIZED = ("000", "HTTP Status Response - Unauthorized")
_INVALID_MERCHANT = ("901", "Invalid Merchant Account")
_UNEXPECTED_INPUT = "702"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: tuple[str, ...]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Received:
    """A Checkout API call as it arrived (API key left out), for contract tests."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Delivery:
    """One webhook call and the product's answer (None: no HTTP answer at all)."""

    psp_reference: str
    status: int | None
    body: str

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.body.strip() == "[accepted]"


@dataclass
class _Link:
    document: dict[str, Any]  # the PaymentLinkResponse without status and updatedAt
    expires_at: datetime
    status: str = "active"
    updated_at: datetime | None = None

    def response(self) -> dict[str, Any]:
        document = {**self.document, "status": self.status}
        if self.updated_at is not None:
            document["updatedAt"] = _adyen_time(self.updated_at)
        return document


class _Refused(Exception):
    """A request Adyen would refuse; carries the reply."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def _json(status: int, document: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(document).encode(), "application/json", headers or {})


def _error(status: int, code: str, message: str, error_type: str = "validation") -> _Refused:
    """Adyen's ServiceError body."""
    return _Refused(_json(status, {"status": status, "errorCode": code, "message": message, "errorType": error_type}))


def _required(name: str) -> _Refused:
    return _error(422, "sim_required", f"Required field '{name}' is not provided.")


def _html(status: int, title: str, content: str, headers: dict[str, str] | None = None) -> Reply:
    page = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main>{content}</main></body></html>"
    )
    return Reply(status, page.encode(), "text/html; charset=utf-8", headers or {})


def _adyen_time(instant: datetime) -> str:
    """Adyen writes instants as in its examples: 2022-10-28T09:16:22Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _error(400, _UNEXPECTED_INPUT, "Unexpected input: the body is not JSON") from None
    if not isinstance(document, dict):
        raise _error(400, _UNEXPECTED_INPUT, "Unexpected input: expected a JSON object")
    return document


def _is_integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _format_amount(value: int, currency: str, shopper_locale: str | None) -> str:
    """The amount as the shopper reads it: minor units scaled by the currency's own exponent (JPY 0, KWD 3)."""
    try:
        locale = Locale.parse(shopper_locale or "en-US", sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en_US")
    return format_currency(Decimal(value).scaleb(-get_currency_precision(currency)), currency, locale=locale)


class AdyenSimulator:
    """Adyen's Checkout payment links and standard webhooks, for one merchant account, on a local HTTP port."""

    def __init__(  # noqa: PLR0917 - one argument per setting of the Adyen account it plays
        self,
        api_key: str,
        merchant_account: str,
        hmac_key: str,
        webhook_url: str,
        webhook_username: str,
        webhook_password: str,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.api_key = api_key
        self.merchant_account = merchant_account
        self.hmac_key = hmac_key
        self.webhook_url = webhook_url
        self.webhook_username = webhook_username
        self.webhook_password = webhook_password
        self.base_url = ""
        self._clock = clock
        self._lock = threading.Lock()
        self._links: dict[str, _Link] = {}
        self._idempotent: dict[str, tuple[str, Reply]] = {}
        self._notifications: dict[str, bytes] = {}  # pspReference -> the exact bytes delivered
        self._received: list[Received] = []
        self._deliveries: list[Delivery] = []
        self._server: ThreadingHTTPServer | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[[Request], Reply]]] = [
            ("POST", re.compile(rf"^/{API_VERSION}/paymentLinks$"), self._create),
            ("GET", re.compile(rf"^/{API_VERSION}/paymentLinks/([^/]+)$"), self._get),
            ("PATCH", re.compile(rf"^/{API_VERSION}/paymentLinks/([^/]+)$"), self._patch),
            ("GET", re.compile(r"^/payByLink/([^/]+)$"), self._page),
            ("POST", re.compile(r"^/_sim/pay/([^/]+)$"), self._pay),
            ("POST", re.compile(r"^/_sim/replay/([^/]+)$"), self._replay),
            ("GET", re.compile(r"^/_sim/links$"), self._list),
            ("POST", re.compile(r"^/_sim/reset$"), self._reset),
        ]

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on a daemon thread (port 0: any free port); returns the base URL (ADYEN_CHECKOUT_URL)."""
        if self._server is not None:
            raise RuntimeError("the Adyen simulator is already running")
        server = ThreadingHTTPServer((host, port), _handler_for(self))
        server.daemon_threads = True
        self.base_url = f"http://{host}:{server.server_address[1]}"
        self._server = server
        threading.Thread(target=server.serve_forever, name="adyen-simulator", daemon=True).start()
        log.info("Adyen simulator on %s, webhooks to %s", self.base_url, self.webhook_url)
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def environment(self) -> dict[str, str]:
        """What points the product's Adyen adapter at this simulator."""
        return {"ADYEN_CHECKOUT_URL": self.base_url}

    def reset(self) -> None:
        with self._lock:
            self._links.clear()
            self._idempotent.clear()
            self._notifications.clear()
            self._received.clear()
            self._deliveries.clear()

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    # -- HTTP ----------------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (the server calls this; tests may too)."""
        path = urlsplit(target).path
        lower = {name.lower(): value for name, value in headers.items()}
        for route_method, pattern, endpoint in self._routes:
            found = pattern.match(path)
            if found and route_method == method:
                try:
                    return endpoint(Request(method, path, found.groups(), lower, body))
                except _Refused as refused:
                    return refused.reply
        return _error(404, "sim_not_found", "Not Found", "internal").reply

    def _checkout_call(self, request: Request) -> None:
        """Record a Checkout API call and check its API key, as Adyen does before anything else."""
        try:
            body = json.loads(request.body) if request.body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = request.body.decode("utf-8", errors="replace")
        kept = {k: v for k, v in request.headers.items() if k not in ("x-api-key", "authorization")}
        with self._lock:
            self._received.append(Received(request.method, request.path, kept, body))
        given = request.headers.get("x-api-key", "")
        if not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise _error(401, *_UNAUTHORIZED, error_type="security")

    def _link(self, link_id: str) -> _Link:
        """The link, its status brought up to date (an active link past expiresAt is expired). Under the lock."""
        link = self._links.get(link_id)
        if link is None:
            # The spec documents no 404 for these operations: an unknown id is a validation error.
            raise _error(422, "sim_link_not_found", f"Payment link {link_id} not found")
        if link.status == "active" and self._clock() >= link.expires_at:
            link.status, link.updated_at = "expired", link.expires_at
        return link

    # -- Checkout API ----------------------------------------------------------------------------------------

    def _create(self, request: Request) -> Reply:
        self._checkout_call(request)
        document = _json_object(request.body)
        key = request.headers.get("idempotency-key")
        fingerprint = hashlib.sha256(request.body).hexdigest()
        with self._lock:
            if key is not None and key in self._idempotent:
                seen, reply = self._idempotent[key]
                if seen != fingerprint:
                    raise _error(422, "sim_idempotency_key_reused", "Idempotency key already used for another request")
                return reply  # Adyen answers a retried request with the original response
            link = self._validated(document)
            self._links[link.document["id"]] = link
            reply = _json(201, link.response())
            if key is not None:
                self._idempotent[key] = (fingerprint, reply)
        return reply

    def _get(self, request: Request) -> Reply:
        self._checkout_call(request)
        with self._lock:
            return _json(200, self._link(request.params[0]).response())

    def _patch(self, request: Request) -> Reply:
        self._checkout_call(request)
        document = _json_object(request.body)
        # UpdatePaymentLinkRequest: {"status": "expired"} and nothing else.
        if set(document) != {"status"} or document["status"] != "expired":
            raise _error(422, "sim_invalid_update", 'Only {"status": "expired"} can be updated')
        with self._lock:
            link = self._link(request.params[0])
            if link.status != "active":
                raise _error(422, "sim_link_not_active", f"Payment link is {link.status} and cannot be updated")
            link.status, link.updated_at = "expired", self._clock()
            return _json(200, link.response())

    def _validated(self, document: dict[str, Any]) -> _Link:
        """A new link from a PaymentLinkRequest, or the refusal Adyen would answer."""
        unknown = sorted(set(document) - REQUEST_FIELDS)
        if unknown:
            raise _error(
                400,
                _UNEXPECTED_INPUT,
                f"Structure of PaymentLinkRequest contains the following unknown fields: [{', '.join(unknown)}]",
            )
        merchant = document.get("merchantAccount")
        if not isinstance(merchant, str) or not merchant:
            raise _required("merchantAccount")
        if merchant != self.merchant_account:
            raise _error(403, *_INVALID_MERCHANT, error_type="security")
        reference = document.get("reference")
        if not isinstance(reference, str) or not reference:
            raise _required("reference")
        _check_amount(document.get("amount"))
        expires_at = self._expiry(document.get("expiresAt"))
        _check_optional(document)
        link_id = "PL" + secrets.token_hex(8).upper()
        response = {
            **document,
            "id": link_id,
            "url": f"{self.base_url}/payByLink/{link_id}",
            "expiresAt": _adyen_time(expires_at),
            "reusable": document.get("reusable", False),
        }
        return _Link(document=response, expires_at=expires_at)

    def _expiry(self, value: Any) -> datetime:
        now = self._clock()
        if value is None:
            return now + DEFAULT_EXPIRY
        try:
            expires_at = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            expires_at = None
        if expires_at is None or expires_at.tzinfo is None:
            raise _error(422, "sim_invalid_expires_at", "expiresAt must be ISO 8601 with a time zone offset")
        if expires_at <= now:
            raise _error(422, "sim_invalid_expires_at", "expiresAt must be in the future")
        if expires_at > now + MAX_EXPIRY:
            raise _error(422, "sim_invalid_expires_at", "The maximum expiry date is 70 days after the link is created")
        return expires_at

    # -- the shopper's side --------------------------------------------------------------------------------

    def _page(self, request: Request) -> Reply:
        with self._lock:
            try:
                link = self._link(request.params[0])
            except _Refused:
                return _html(404, "Not found", "<h1>This payment link does not exist.</h1>")
            document, status = link.response(), link.status
        if status != "active":
            message = "This payment link has expired." if status == "expired" else "This payment link is already paid."
            return _html(200, "Payment link", f"<h1>{html.escape(message)}</h1>")
        amount = document["amount"]
        shown = html.escape(_format_amount(amount["value"], amount["currency"], document.get("shopperLocale")))
        lines = "".join(
            f"<li>{html.escape(str(line.get('description', '')))} × {html.escape(str(line.get('quantity', 1)))}</li>"
            for line in document.get("lineItems", [])
        )
        action = html.escape(f"/_sim/pay/{document['id']}")
        forms = "".join(
            f'<form method="post" action="{action}"><input type="hidden" name="outcome" value="{outcome}">'
            f'<button type="submit">{label}</button></form>'
            for outcome, label in (("authorised", "Pay"), ("refused", "Refuse"))
        )
        content = (
            f"<h1>{html.escape(self.merchant_account)}</h1><p>Reference {html.escape(document['reference'])}</p>"
            f'<p class="amount">{shown}</p><ul>{lines}</ul>{forms}'
        )
        return _html(200, f"Pay {shown}", content)

    def _pay(self, request: Request) -> Reply:
        from_form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        if from_form:
            outcome = parse_qs(request.body.decode("utf-8", errors="replace")).get("outcome", ["authorised"])[0]
        else:
            outcome = _json_object(request.body).get("outcome", "authorised") if request.body else "authorised"
        if outcome not in OUTCOMES:
            raise _error(422, "sim_invalid_outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
        with self._lock:
            link = self._link(request.params[0])
            if link.status != "active":
                if from_form:
                    return _html(409, "Payment link", f"<h1>This payment link is {html.escape(link.status)}.</h1>")
                raise _error(422, "sim_link_not_active", f"Payment link is {link.status} and cannot be paid")
            if outcome == "authorised":
                # A single-use link is completed once a payment is authorised; a refused one stays payable.
                link.status, link.updated_at = "completed", self._clock()
            psp_reference = secrets.token_hex(8).upper()
            self._notifications[psp_reference] = self._notification(link, psp_reference, outcome == "authorised")
            return_url = link.document.get("returnUrl")
        delivery = self._deliver(psp_reference)
        if from_form:
            if outcome == "authorised" and return_url:
                return Reply(303, b"", "text/plain", {"Location": return_url})
            if outcome == "authorised":
                return _html(200, "Payment", "<h1>Payment authorised.</h1>")
            again = html.escape(f"/payByLink/{request.params[0]}")
            return _html(200, "Payment", f'<h1>Payment refused.</h1><p><a href="{again}">Try again</a></p>')
        return _delivery_reply(delivery)

    def _replay(self, request: Request) -> Reply:
        with self._lock:
            known = request.params[0] in self._notifications
        if not known:
            raise _error(404, "sim_notification_not_found", f"No notification with pspReference {request.params[0]}")
        return _delivery_reply(self._deliver(request.params[0]))

    def _list(self, _request: Request) -> Reply:
        with self._lock:
            return _json(200, {"links": [self._link(link_id).response() for link_id in self._links]})

    def _reset(self, _request: Request) -> Reply:
        self.reset()
        return _json(200, {"reset": True})

    # -- webhooks --------------------------------------------------------------------------------------------

    def _notification(self, link: _Link, psp_reference: str, success: bool) -> bytes:
        """A standard AUTHORISATION notification, signed as Adyen signs it. Under the lock."""
        item: dict[str, Any] = {
            "amount": dict(link.document["amount"]),
            "eventCode": "AUTHORISATION",
            "eventDate": self._clock().astimezone(UTC).isoformat(timespec="seconds"),
            "merchantAccountCode": self.merchant_account,
            "merchantReference": link.document["reference"],
            "paymentMethod": "visa",
            "pspReference": psp_reference,
            # Adyen's reason for an authorisation is authCode:cardSummary:expiryDate (here a test card's).
            "reason": f"{secrets.randbelow(900000) + 100000}:1111:03/2030" if success else "Refused",
            "success": "true" if success else "false",
        }
        signature = adyen_util.generate_notification_sig(item, self.hmac_key).decode()
        item["additionalData"] = {"paymentLinkId": link.document["id"], "hmacSignature": signature}
        return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": item}]}).encode()

    def _deliver(self, psp_reference: str) -> Delivery:
        """POST the notification to the product's webhook once (Adyen would retry; /_sim/replay does it by hand)."""
        with self._lock:
            payload = self._notifications[psp_reference]
        try:
            response = requests.post(
                self.webhook_url,
                data=payload,
                headers={"Content-Type": "application/json"},
                auth=(self.webhook_username, self.webhook_password),
                timeout=WEBHOOK_TIMEOUT_SECONDS,
            )
            delivery = Delivery(psp_reference, response.status_code, response.text)
        except requests.RequestException as error:
            delivery = Delivery(psp_reference, None, type(error).__name__)
        with self._lock:
            self._deliveries.append(delivery)
        if not delivery.accepted:
            log.warning("webhook %s answered %s instead of [accepted]", psp_reference, delivery.status)
        return delivery


def _check_amount(amount: Any) -> None:
    if not isinstance(amount, dict):
        raise _required("amount")
    value, currency = amount.get("value"), amount.get("currency")
    if not _is_integer(value) or value < 0:
        raise _error(422, "sim_invalid_amount", "Invalid amount specified: value must be an integer in minor units")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency) or not is_currency(currency):
        raise _error(422, "sim_invalid_currency", "Invalid currency: an ISO 4217 code such as EUR is expected")


def _check_optional(document: dict[str, Any]) -> None:
    for name, shortest, longest in _BOUNDED_STRINGS:
        value = document.get(name)
        if value is not None and (not isinstance(value, str) or not shortest <= len(value) <= longest):
            raise _error(422, "sim_invalid_field", f"{name} must be a string of {shortest} to {longest} characters")
    country = document.get("countryCode")
    if country is not None and (not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country)):
        raise _error(422, "sim_invalid_field", "countryCode must be a two-letter ISO 3166 code")
    if "reusable" in document and not isinstance(document["reusable"], bool):
        raise _error(422, "sim_invalid_field", "reusable must be a boolean")
    lines = document.get("lineItems", [])
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise _error(422, "sim_invalid_field", "lineItems must be a list of objects")
    for line in lines:
        unknown = sorted(set(line) - LINE_ITEM_FIELDS)
        if unknown:
            fields = ", ".join(unknown)
            raise _error(
                400, _UNEXPECTED_INPUT, f"Structure of LineItem contains the following unknown fields: [{fields}]"
            )
        if any(name in line and not _is_integer(line[name]) for name in _LINE_ITEM_INTEGERS):
            raise _error(422, "sim_invalid_field", "lineItems amounts, quantity and taxPercentage must be integers")


def _delivery_reply(delivery: Delivery) -> Reply:
    return _json(
        200,
        {"pspReference": delivery.psp_reference, "webhookStatus": delivery.status, "webhookBody": delivery.body},
    )


def _handler_for(simulator: AdyenSimulator) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = simulator.handle(self.command, self.path, dict(self.headers.items()), body)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log.debug("%s %s", self.address_string(), format % args)

    return _Handler


def start_for_stack(
    settings: config.LocalSettings, webhook_url: str, *, host: str = "127.0.0.1", port: int | None = None
) -> AdyenSimulator:
    """A running simulator with the local stack's Adyen credentials; export `simulator.environment()`."""
    simulator = AdyenSimulator(
        settings.adyen_api_key,
        settings.adyen_merchant_account,
        settings.adyen_hmac_key,
        webhook_url,
        settings.adyen_webhook_username,
        settings.adyen_webhook_password,
        # Adyen's time is the product's local time: tests that move the clock move the provider's too.
        clock=lambda: resources.clock()(),  # noqa: PLW0108 - late: the installed clock changes
    )
    simulator.start(host, port or stack.free_port())
    return simulator
