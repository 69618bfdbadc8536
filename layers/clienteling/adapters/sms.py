"""Twilio Programmable Messaging through the official twilio-python client: send texts, download inbound media,
verify webhook signatures.

`twilio.rest` and `requests` cost ~170 ms to import, so they are imported on first use: a function that only
verifies signatures (or never texts) does not pay for them. `twilio.request_validator` is light.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from twilio.request_validator import (  # type: ignore[import-untyped]
    HMAC_SHA1,
    RequestValidator,
    get_signature_algorithm,
)

from clienteling.kernel.observability import logger, redact_phone
from clienteling.kernel.providers import (
    DeliveryStatus,
    InvalidRecipient,
    ProviderUnavailable,
    RecipientOptedOut,
    SentMessage,
    SmsError,
)

TWILIO_API_BASE_URL = "https://api.twilio.com"
MAX_MEDIA_BYTES = 5 * 1024 * 1024  # Twilio's own MMS media limit
DEFAULT_TIMEOUT_SECONDS = 10.0

_OPTED_OUT = 21610  # the recipient texted STOP: Twilio refuses every message until they text START
_INVALID_RECIPIENT = frozenset({21211, 21614})  # not a phone number; not a number that receives texts
_TOO_MANY_REQUESTS = 429


def _refusal(code: int | None, status: int | None) -> SmsError:
    if code == _OPTED_OUT:
        return RecipientOptedOut("The recipient has unsubscribed from texts (STOP).", code=code, status=status)
    if code in _INVALID_RECIPIENT:
        return InvalidRecipient("The recipient's number cannot receive texts.", code=code, status=status)
    if status is not None and (status >= 500 or status == _TOO_MANY_REQUESTS):
        return ProviderUnavailable(f"Twilio is unavailable (HTTP {status}).", code=code, status=status)
    return SmsError(f"Twilio refused the request (code {code}, HTTP {status}).", code=code, status=status)


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class TwilioSms:
    """One Twilio account. `api_base_url` points the client elsewhere than api.twilio.com (the local simulator)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_media_bytes: int = MAX_MEDIA_BYTES,
    ) -> None:
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._api_base_url = (api_base_url or TWILIO_API_BASE_URL).rstrip("/")
        self._timeout = timeout
        self._max_media_bytes = max_media_bytes

    @functools.cached_property
    def _client(self) -> Any:
        from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]  # noqa: PLC0415
        from twilio.rest import Client  # type: ignore[import-untyped]  # noqa: PLC0415

        # The library's default has no timeout: a hung connection would eat the whole Lambda timeout.
        client = Client(self._account_sid, self._auth_token, http_client=TwilioHttpClient(timeout=self._timeout))
        if self._api_base_url != TWILIO_API_BASE_URL:
            # Every URL of the Api domain (create, fetch, next pages) is built from its base_url.
            client.api.base_url = self._api_base_url
            # TWILIO_EDGE/TWILIO_REGION would rewrite the host into <product>.<edge>.<region>.twilio.com.
            client.edge = client.region = None
        return client

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
        """Hand a text (SMS, or MMS with `media_urls`) to Twilio. `from_` may be None with a Messaging Service."""
        from requests import RequestException  # noqa: PLC0415 - loaded with twilio.rest anyway
        from twilio.base.exceptions import (  # type: ignore[import-untyped]  # noqa: PLC0415
            TwilioRestException,
            TwilioServiceException,
        )

        arguments: dict[str, Any] = {"to": to}
        optional = {
            "from_": from_,
            "messaging_service_sid": messaging_service_sid,
            "body": body,
            "media_url": list(media_urls),
            "status_callback": status_callback,
        }
        arguments.update({name: value for name, value in optional.items() if value})
        try:
            message = self._client.api.account.messages.create(**arguments)
        except (TwilioRestException, TwilioServiceException) as error:
            code, status = _as_int(error.code), _as_int(error.status)
            logger.info("sms refused", extra={"provider_code": code, "status": status, "to": redact_phone(to)})
            # Twilio's message can quote the phone number: leave it out of the chain so no traceback logs it.
            raise _refusal(code, status) from None
        except RequestException as error:
            logger.warning("sms provider unreachable", extra={"error": type(error).__name__})
            raise ProviderUnavailable("Twilio could not be reached.") from error
        sent = SentMessage(
            sid=str(message.sid),
            status=provider_status(str(message.status)),
            num_segments=_as_int(message.num_segments),
            error_code=_as_int(message.error_code) if message.error_code is not None else None,
        )
        logger.info(
            "sms accepted",
            extra={
                "message_sid": sent.sid,
                "status": sent.status,
                "segments": sent.num_segments,
                "media": len(media_urls),
                "to": redact_phone(to),
            },
        )
        return sent

    def _is_own_media(self, url: str) -> bool:
        """Basic auth carries the auth token: only ever send it to this account's resources on the API host."""
        target, base = urlsplit(url), urlsplit(self._api_base_url)
        return (target.scheme, target.netloc) == (base.scheme, base.netloc) and target.path.startswith(
            f"/2010-04-01/Accounts/{self._account_sid}/"
        )

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        """Download inbound MMS media (a MediaUrl{N} of a webhook): its bytes and content type.

        Twilio answers with a redirect to a short-lived storage URL; `requests` follows it and drops the
        Authorization header when the host changes, as that URL must not get it.
        """
        if not self._is_own_media(url):
            raise SmsError("The media URL is not a Twilio media URL of this account.")
        import requests  # noqa: PLC0415 - heavy, only functions that download media need it

        try:
            with requests.get(
                url, auth=(self._account_sid, self._auth_token), timeout=self._timeout, stream=True
            ) as response:
                if response.status_code >= 500 or response.status_code == _TOO_MANY_REQUESTS:
                    raise ProviderUnavailable(
                        f"Twilio media is unavailable (HTTP {response.status_code}).", status=response.status_code
                    )
                if response.status_code != 200:
                    raise SmsError(
                        f"Twilio media download was refused (HTTP {response.status_code}).",
                        status=response.status_code,
                    )
                data = self._read_capped(response)
                content_type = response.headers.get("Content-Type") or "application/octet-stream"
        except requests.RequestException as error:
            raise ProviderUnavailable("Twilio media could not be downloaded.") from error
        logger.info("sms media downloaded", extra={"bytes": len(data), "content_type": content_type})
        return data, content_type

    def _read_capped(self, response: Any) -> bytes:
        declared = _as_int(response.headers.get("Content-Length"))
        if declared is not None and declared > self._max_media_bytes:
            raise SmsError(f"The media is larger than {self._max_media_bytes} bytes.")
        data = bytearray()
        for chunk in response.iter_content(chunk_size=64 * 1024):
            data += chunk
            if len(data) > self._max_media_bytes:  # a missing or lying Content-Length
                raise SmsError(f"The media is larger than {self._max_media_bytes} bytes.")
        return bytes(data)


class _FormParams(dict[str, list[str]]):
    """Form fields with repeated keys, in the MultiDict shape RequestValidator reads through `getlist`."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


@dataclass(frozen=True, slots=True)
class SignatureSettings:
    """What X-Twilio-Webhooks-Signature-Settings says (`key=<sharedKeyId>,algorithm=<algorithm>`): which secret
    signed the webhook (a SharedKey's, or the auth token's when the header is absent) and with which HMAC."""

    algorithm: str = HMAC_SHA1
    shared_key_id: str | None = None


def signature_settings(header: str | None) -> SignatureSettings:
    """The header read as twilio-python reads it (`get_signature_algorithm`), with the SharedKey's id."""
    key = None
    for part in (header or "").split(","):
        name, separator, value = part.partition("=")
        if separator and name.strip() == "key" and value.strip():
            key = value.strip()
    return SignatureSettings(algorithm=get_signature_algorithm(header), shared_key_id=key)


def validate_signature(
    secret: str,
    url: str,
    params: Mapping[str, str] | Sequence[tuple[str, str]],
    signature: str,
    algorithm: str | None = None,
) -> bool:
    """Whether X-Twilio-Signature `signature` signs this webhook: the full URL Twilio called and its form fields,
    every value of a repeated field included, with `secret` (the auth token, or the SharedKey's secret the
    signature settings name) and `algorithm` (HMAC_SHA1 by default, HMAC_SHA256; anything else fails).

    RequestValidator also tries the URL with and without its default port (:443/:80), as Twilio signs either.
    """
    if not signature or not secret:  # with an empty secret anyone can sign
        return False
    form = _FormParams()
    for name, value in params.items() if isinstance(params, Mapping) else params:
        form.setdefault(name, []).append(value)
    return bool(RequestValidator(secret).validate(url, form, signature, algorithm=algorithm))


def provider_status(status: str) -> DeliveryStatus:
    """Twilio's message statuses, folded into the product's."""
    folded: dict[str, DeliveryStatus] = {
        "accepted": "queued",
        "scheduled": "queued",
        "queued": "queued",
        "sending": "sent",
        "sent": "sent",
        "delivered": "delivered",
        "read": "read",
        "undelivered": "undelivered",
        "failed": "failed",
        "canceled": "failed",
    }
    return folded.get(status, "queued")
