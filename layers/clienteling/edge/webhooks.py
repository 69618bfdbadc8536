"""Public webhooks: the signature is checked on the raw request before anything in it is read."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from clienteling.adapters.payments import verify_basic_auth, verify_notification
from clienteling.adapters.secrets import TWILIO_WEBHOOK_KEY, optional_provider_secret, provider_secret
from clienteling.adapters.sms import SignatureSettings, signature_settings, validate_signature
from clienteling.kernel.config import get_settings
from clienteling.kernel.errors import Forbidden, Unauthorized, ValidationFailed
from clienteling.kernel.observability import logger


def raw_body(event: APIGatewayProxyEventV2) -> bytes:
    """HTTP APIs base64-encode form bodies; JSON arrives as text."""
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode()


def public_url(event: APIGatewayProxyEventV2) -> str:
    """The URL the provider called, as it sees it: the configured public base URL, the path and the query."""
    query = event.raw_query_string
    return get_settings().public_base_url.rstrip("/") + event.raw_path + (f"?{query}" if query else "")


def _twilio_signing_secret(settings: SignatureSettings) -> str | None:
    """The secret a Twilio webhook says it was signed with: a SharedKey we hold, else (no key named) the auth
    token. None for a SharedKey this deployment does not have."""
    if settings.shared_key_id is None:
        return provider_secret("twilio_auth_token")
    return optional_provider_secret(TWILIO_WEBHOOK_KEY + settings.shared_key_id)


def verified_twilio_form(event: APIGatewayProxyEventV2) -> dict[str, str]:
    """The form Twilio posted, once X-Twilio-Signature proves Twilio sent it: signed over every field as posted,
    repeated ones included, with the algorithm and key X-Twilio-Webhooks-Signature-Settings names (HMAC-SHA1 with
    the auth token without it), as twilio-python's RequestValidator checks it.

    The form handed on keeps the first value of a repeated field (Twilio's own fields come once).
    """
    signature = event.headers.get("x-twilio-signature") or ""
    pairs = parse_qsl(raw_body(event).decode("utf-8", errors="replace"), keep_blank_values=True)
    settings = signature_settings(event.headers.get("x-twilio-webhooks-signature-settings"))
    secret = _twilio_signing_secret(settings) if signature else None
    if secret is None or not validate_signature(secret, public_url(event), pairs, signature, settings.algorithm):
        logger.warning(
            "twilio webhook with a bad or missing signature",
            extra={
                "path": event.raw_path,
                "algorithm": settings.algorithm,
                "shared_key_known": secret is not None if settings.shared_key_id else None,
            },
        )
        raise Forbidden("The request signature is not valid.")
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def verified_adyen_items(event: APIGatewayProxyEventV2) -> list[dict[str, Any]]:
    """The NotificationRequestItems Adyen posted, once basic auth and every item's HMAC signature check out.

    Nothing of the body is used before that: a forged or tampered notification is refused whole (Adyen retries
    what we refuse, so a real one is never lost to a configuration mistake, it shows up as failing instead).
    """
    if not verify_basic_auth(
        event.headers.get("authorization"),
        provider_secret("adyen_webhook_username"),
        provider_secret("adyen_webhook_password"),
    ):
        logger.warning("adyen webhook with bad or missing credentials")
        raise Unauthorized("Bad webhook credentials.")
    try:
        document = json.loads(raw_body(event) or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed("The body is not a JSON Adyen notification.") from error
    entries = document.get("notificationItems") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValidationFailed("The body is not an Adyen notification.")
    items = [e.get("NotificationRequestItem") if isinstance(e, dict) else None for e in entries]
    key = provider_secret("adyen_hmac_key")
    if not all(isinstance(item, dict) and verify_notification(item, key) for item in items):
        logger.warning("adyen notification with a bad HMAC signature", extra={"items": len(items)})
        raise Forbidden("A notification's HMAC signature is not valid.")
    return [item for item in items if isinstance(item, dict)]
