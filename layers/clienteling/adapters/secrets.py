"""Provider credentials: one JSON secret in Secrets Manager, read through Powertools Parameters and cached
across warm invocations (locally the same secret lives in moto's Secrets Manager).

Fail closed: a key that signs or checks signatures is refused at first use when it is missing, empty or short
(with an empty Twilio auth token or unsubscribe key, anyone can compute a valid signature). The refusal is
`NotConfigured` (503 `not_configured` for an HTTP request, a failed invocation otherwise) with one log line
naming the key, never its value.
"""

from __future__ import annotations

import binascii
from typing import Any

from clienteling.kernel.config import get_settings
from clienteling.kernel.errors import NotConfigured

MIN_KEY_BYTES = 32

# name -> (how many bytes at least, whether the value is hexadecimal and the bytes are the decoded ones)
RULES: dict[str, tuple[int, bool]] = {
    "twilio_auth_token": (MIN_KEY_BYTES, False),  # Twilio's are 32 hexadecimal characters, used as text
    "adyen_hmac_key": (MIN_KEY_BYTES, True),  # 64 hexadecimal characters: 32 bytes
    "unsubscribe_signing_key": (MIN_KEY_BYTES, False),  # ours: 32 random bytes, hex (64 characters)
    "adyen_api_key": (1, False),
    "adyen_webhook_username": (1, False),
    "adyen_webhook_password": (1, False),
}
# Twilio webhook SharedKeys (X-Twilio-Webhooks-Signature-Settings: key=<id>): "twilio_webhook_key.<id>".
TWILIO_WEBHOOK_KEY = "twilio_webhook_key."
_PREFIX_RULES = {TWILIO_WEBHOOK_KEY: (MIN_KEY_BYTES, False)}


class MissingSecret(NotConfigured):
    """The provider secret has no such key, or one too weak to use: a deployment mistake, not a request error."""

    def __init__(self, name: str, reason: str = "missing secret") -> None:
        super().__init__([name], reason)


def _strength(value: str, *, hexadecimal: bool) -> int:
    """How many bytes of key `value` gives (0 for hexadecimal that is not)."""
    if not hexadecimal:
        return len(value.encode())
    try:
        return len(binascii.a2b_hex(value))
    except (binascii.Error, ValueError):
        return 0


def check(name: str, value: str) -> str:
    """`value` if it is strong enough to be secret `name` (RULES), else MissingSecret."""
    prefixed = [rule for prefix, rule in _PREFIX_RULES.items() if name.startswith(prefix)]
    least, hexadecimal = RULES.get(name) or (prefixed[0] if prefixed else (1, False))
    if not value.strip():
        raise MissingSecret(name, "empty secret")
    if _strength(value, hexadecimal=hexadecimal) < least:
        kind = f"{least} bytes of hexadecimal" if hexadecimal else f"{least} bytes"
        raise MissingSecret(name, f"secret shorter than {kind}")
    return value


def _values() -> Any:
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - only functions that need it pay

    settings = get_settings()
    return parameters.get_secret(settings.secrets_name, transform="json", max_age=settings.secrets_max_age_seconds)


def provider_secret(name: str) -> str:
    """Key `name` of the provider secret, checked against RULES at each use (the secret itself is cached)."""
    values = _values()
    if not isinstance(values, dict) or not isinstance(values.get(name), str):
        raise MissingSecret(name)
    return check(name, str(values[name]))


def optional_provider_secret(name: str) -> str | None:
    """Key `name` of the provider secret if the deployment has one (checked like any other), else None: for keys
    a request names (a Twilio SharedKey id), where an unknown one is the request's problem, not ours."""
    values = _values()
    if not isinstance(values, dict) or name not in values:
        return None
    if not isinstance(values[name], str):
        raise MissingSecret(name)
    return check(name, values[name])
