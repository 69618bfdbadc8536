"""Adyen Pay by Link (Checkout API) through Adyen's own Python library, and checks of Adyen's webhook calls.

The library is imported on first use only: it pulls in `requests` and every Adyen service (about 150 ms),
which functions that never talk to Adyen should not pay for at cold start.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from clienteling.kernel.providers import ACTIVE, EXPIRED, LineItem, PaymentLink, PaymentProviderError

ENVIRONMENTS = ("test", "live")
# Adyen link ids are "PL" + hex; anything else must not reach the URL path the library builds.
_LINK_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
# Adyen answers these when it is the one failing or throttling: the same call may succeed later.
_RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Statuses that say "not with these credentials or this id": reading the link would not help either.
_NOT_A_STATE_PROBLEM = frozenset({401, 403, 404})


class AdyenPaymentLinks:
    """Create, read and expire Pay by Link links with the Adyen library's Checkout PaymentLinksApi.

    `checkout_base_url` replaces Adyen's Checkout host (e.g. the local simulator's `http://127.0.0.1:8123`);
    the API version path (`/v72`) stays the library's own, so the simulator sees exactly what Adyen would.
    Live without a base URL needs Adyen's `live_endpoint_prefix` (Customer Area > Developers > API URLs).
    """

    def __init__(
        self,
        api_key: str,
        merchant_account: str,
        environment: str = "test",
        checkout_base_url: str | None = None,
        *,
        live_endpoint_prefix: str | None = None,
        timeout_seconds: int = 10,
    ) -> None:
        if environment not in ENVIRONMENTS:
            raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {environment!r}")
        if environment == "live" and checkout_base_url is None and not live_endpoint_prefix:
            raise ValueError("the live environment needs live_endpoint_prefix (or a checkout_base_url)")
        self._api_key = api_key
        self._merchant_account = merchant_account
        self._environment = environment
        self._checkout_base_url = checkout_base_url.rstrip("/") if checkout_base_url else None
        self._live_endpoint_prefix = live_endpoint_prefix
        # API Gateway gives up on a request after 30 s: a slow Adyen call must fail well before that.
        self._timeout_seconds = timeout_seconds
        self._service: Any = None

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
        """POST /paymentLinks: a single-use link for `amount_minor` (Adyen's minor units: cents, yen, fils).

        Pass an `idempotency_key` that is stable across retries of the same attempt, so a timeout followed by
        a retry cannot leave the customer with two payable links.
        """
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        request: dict[str, Any] = {
            "merchantAccount": self._merchant_account,
            "reference": reference,
            "amount": {"value": amount_minor, "currency": currency},
            "expiresAt": expires_at.astimezone(UTC).replace(microsecond=0).isoformat(),
            "returnUrl": return_url,
            "shopperLocale": shopper_locale,
            "countryCode": country_code,
            "reusable": False,
            "lineItems": [_line_item(item) for item in line_items],
        }
        if shopper_reference is not None:
            request["shopperReference"] = shopper_reference
        service = self._links_api()
        return _payment_link(_call(lambda: service.payment_links(request, idempotency_key=idempotency_key)))

    def get_link(self, link_id: str) -> PaymentLink:
        """GET /paymentLinks/{linkId}."""
        _check_link_id(link_id)
        service = self._links_api()
        return _payment_link(_call(lambda: service.get_payment_link(link_id)))

    def expire_link(self, link_id: str) -> PaymentLink:
        """PATCH /paymentLinks/{linkId} {"status": "expired"}. A link that is no longer active is returned as is."""
        _check_link_id(link_id)
        service = self._links_api()
        try:
            return _payment_link(_call(lambda: service.update_payment_link({"status": EXPIRED}, link_id)))
        except PaymentProviderError as refusal:
            if refusal.retryable or refusal.status in _NOT_A_STATE_PROBLEM:
                raise
            # Adyen refuses to expire a link that is already expired or paid, with a code it does not document:
            # read the link, and report its state when it is indeed no longer active.
            current = self._current(link_id)
            if current is None or current.status == ACTIVE:
                raise
            return current

    def _current(self, link_id: str) -> PaymentLink | None:
        try:
            return self.get_link(link_id)
        except PaymentProviderError:
            return None

    def _links_api(self) -> Any:
        """The library's PaymentLinksApi, built on first use (see the module docstring)."""
        if self._service is None:
            from Adyen.client import AdyenClient  # noqa: PLC0415 - heavy import, on first use only
            from Adyen.services.checkout import PaymentLinksApi  # noqa: PLC0415

            client = AdyenClient(
                xapikey=self._api_key,
                platform=self._environment,
                live_endpoint_prefix=self._live_endpoint_prefix,
                http_timeout=self._timeout_seconds,
                application_name="clienteling",
            )
            service = PaymentLinksApi(client=client)
            if self._checkout_base_url is not None:
                # Adyen 16 has no client setting for a custom host (live_endpoint_prefix only builds
                # *.adyenpayments.com URLs); every generated service reads its public `baseUrl` attribute.
                service.baseUrl = self._checkout_base_url + urlsplit(service.baseUrl).path
            self._service = service
        return self._service


def verify_notification(item: Mapping[str, Any], hmac_key: str) -> bool:
    """True when a NotificationRequestItem carries the HMAC signature Adyen computes with `hmac_key` (hex).

    Uses the library's `is_valid_hmac_notification`. A missing or malformed signature is False; a key that is
    not hex is a configuration error and raises ValueError rather than rejecting every webhook quietly.
    """
    try:
        key = binascii.a2b_hex(hmac_key)
    except (binascii.Error, TypeError) as error:
        raise ValueError("the Adyen HMAC key must be hexadecimal") from error
    if not key:
        raise ValueError("the Adyen HMAC key is empty: every signature would be forgeable")
    from Adyen.util import is_valid_hmac_notification  # noqa: PLC0415 - heavy import, on first use only

    additional = item.get("additionalData")
    if not isinstance(additional, Mapping) or not isinstance(additional.get("hmacSignature"), str):
        return False
    try:
        return bool(is_valid_hmac_notification(dict(item), hmac_key))
    except (KeyError, TypeError, ValueError):
        return False  # no signature, or no amount to sign: not a notification Adyen signed


def verify_basic_auth(header: str | None, username: str, password: str) -> bool:
    """True when an Authorization header carries HTTP Basic credentials equal to `username`:`password`."""
    if not header or not username or not password:
        return False
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    given_user, separator, given_password = decoded.partition(b":")
    # Both comparisons always run, so the time taken does not tell which half was wrong.
    user_ok = hmac.compare_digest(given_user, username.encode())
    password_ok = hmac.compare_digest(given_password, password.encode())
    return bool(separator) and user_ok and password_ok


def _check_link_id(link_id: str) -> None:
    if not _LINK_ID.match(link_id):
        raise ValueError("not an Adyen payment link id")


def _line_item(item: LineItem) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": item.id,
        "description": item.description,
        "quantity": item.quantity,
        "amountIncludingTax": item.amount_including_tax_minor,
        "amountExcludingTax": item.amount_excluding_tax_minor,
        "taxAmount": item.tax_amount_minor,
        "taxPercentage": item.tax_percentage_basis_points,
    }
    if item.image_url is not None:
        line["imageUrl"] = item.image_url
    if item.product_url is not None:
        line["productUrl"] = item.product_url
    return line


def _call(operation: Callable[[], Any]) -> dict[str, Any]:
    """Run one library call; its exceptions (and the HTTP client's) become PaymentProviderError."""
    from Adyen.exceptions import AdyenAPIResponseError, AdyenError  # noqa: PLC0415 - see _links_api

    try:
        result = operation()
    except AdyenAPIResponseError as error:
        raise _response_error(error) from error
    except AdyenError as error:  # raised before any request: missing credentials, live prefix
        raise PaymentProviderError(f"Adyen client misconfigured: {error.message}", retryable=False) from error
    except OSError as error:  # requests' and urllib's connection errors and timeouts are OSErrors
        raise PaymentProviderError(f"Adyen unreachable: {type(error).__name__}", retryable=True) from error
    message = result.message
    if not isinstance(message, dict):
        raise PaymentProviderError("Adyen answered without a JSON object", retryable=False)
    return message


def _response_error(error: Any) -> PaymentProviderError:
    """Adyen's error body is {"status", "errorCode", "message", "errorType", "pspReference"}."""
    status = error.status_code if isinstance(error.status_code, int) else None
    body = error.message if isinstance(error.message, dict) else {}
    error_code = body.get("errorCode") or error.error_code or None
    text = body.get("message") or "no message"
    return PaymentProviderError(
        f"Adyen answered {status} ({error_code}): {text}",
        retryable=status is None or status in _RETRYABLE_STATUSES,
        status=status,
        error_code=str(error_code) if error_code is not None else None,
        psp_reference=body.get("pspReference") or error.psp or None,
    )


def _payment_link(message: Mapping[str, Any]) -> PaymentLink:
    try:
        amount = message["amount"]
        expires_at = message.get("expiresAt")
        return PaymentLink(
            id=str(message["id"]),
            url=str(message["url"]),
            status=str(message["status"]),
            reference=str(message["reference"]),
            expires_at=_instant(expires_at) if expires_at else None,
            amount_minor=int(amount["value"]),
            currency=str(amount["currency"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PaymentProviderError(f"Adyen answered an unexpected payment link: {error!r}", retryable=False) from error


def _instant(text: str) -> datetime:
    """Adyen writes instants with an offset ("...Z", "...+01:00"); one without is read as UTC."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
