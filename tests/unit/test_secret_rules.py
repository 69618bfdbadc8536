"""Signing keys too weak to be secret are refused, not used: with an empty key anyone can sign."""

from __future__ import annotations

import pytest
from clienteling.adapters.secrets import MissingSecret, check
from clienteling.adapters.sms import validate_signature
from clienteling.campaigns.domain import unsubscribe
from clienteling.kernel.errors import NotConfigured

TWILIO_TOKEN = "0123456789abcdef0123456789abcdef"  # the shape of Twilio's: 32 hexadecimal characters
ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("twilio_auth_token", "", "empty secret"),
        ("twilio_auth_token", "   ", "empty secret"),
        ("twilio_auth_token", TWILIO_TOKEN[:-1], "secret shorter than 32 bytes"),
        ("unsubscribe_signing_key", "k" * 31, "secret shorter than 32 bytes"),
        ("adyen_hmac_key", ADYEN_KEY[:-2], "secret shorter than 32 bytes of hexadecimal"),
        ("adyen_hmac_key", "z" * 64, "secret shorter than 32 bytes of hexadecimal"),
        ("adyen_api_key", "", "empty secret"),
        ("adyen_webhook_password", "", "empty secret"),
    ],
)
def test_weak_secrets_are_refused_by_name(name: str, value: str, reason: str) -> None:
    with pytest.raises(MissingSecret) as refused:
        check(name, value)
    assert isinstance(refused.value, NotConfigured)
    assert refused.value.missing == (name,)
    assert refused.value.reason == reason
    assert value.strip() == "" or value not in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("twilio_auth_token", TWILIO_TOKEN),
        ("unsubscribe_signing_key", "k" * 32),
        ("adyen_hmac_key", ADYEN_KEY),
        ("adyen_api_key", "AQE1hmfxL4"),
        ("adyen_webhook_password", "p"),
    ],
)
def test_strong_enough_secrets_are_used(name: str, value: str) -> None:
    assert check(name, value) == value


def test_the_signature_checks_themselves_refuse_an_empty_key() -> None:
    url, form = "https://api.example/webhooks/twilio/sms", {"Body": "STOP"}
    from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

    assert not validate_signature("", url, form, RequestValidator("").compute_signature(url, form))
    with pytest.raises(ValueError, match="empty"):
        unsubscribe.sign(b"", "C1", "K1")
    with pytest.raises(ValueError, match="empty"):
        unsubscribe.verify(b"", "QzEuSzE.AAAAAAAAAAAAAAAAAAAAAA")
