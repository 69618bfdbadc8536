"""Public webhooks: the signature is checked on the raw request before anything in it is read."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from clienteling.adapters.payments import verify_basic_auth, verify_notification
from clienteling.adapters.secrets import provider_secret
from clienteling.adapters.sms import validate_signature
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


def verified_twilio_form(event: APIGatewayProxyEventV2) -> dict[str, str]:
    """The form Twilio posted, once X-Twilio-Signature proves Twilio sent it with our auth token."""
    signature = event.headers.get("x-twilio-signature") or ""
    params = dict(parse_qsl(raw_body(event).decode("utf-8", errors="replace"), keep_blank_values=True))
    if not signature or not validate_signature(
        provider_secret("twilio_auth_token"), public_url(event), params, signature
    ):
        logger.warning("twilio webhook with a bad or missing signature", extra={"path": event.raw_path})
        raise Forbidden("The request signature is not valid.")
    return params


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
