"""validate_signature against Twilio's documented X-Twilio-Signature example (docs: "Webhooks security")."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from clienteling.adapters.sms import validate_signature

# Twilio's worked example: auth token, the URL Twilio called, the POST fields, and the header it sent.
AUTH_TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def _sign(url: str, fields: list[tuple[str, str]]) -> str:
    """Twilio's algorithm written out: URL, then each name+value sorted by name, HMAC-SHA1, base64."""
    text = url + "".join(name + value for name, value in sorted(fields))
    return base64.b64encode(hmac.new(AUTH_TOKEN.encode(), text.encode(), hashlib.sha1).digest()).decode()


def test_twilio_documented_example_passes() -> None:
    # Given Twilio's documented request and signature
    # When it is validated
    # Then it passes, whether the fields come as a dict or as form pairs
    assert validate_signature(AUTH_TOKEN, URL, PARAMS, SIGNATURE)
    assert validate_signature(AUTH_TOKEN, URL, list(PARAMS.items()), SIGNATURE)


def test_the_documented_signature_is_what_the_algorithm_gives() -> None:
    # Given Twilio's algorithm computed independently of the library
    # When it signs the documented request
    # Then it yields the documented header value
    assert _sign(URL, list(PARAMS.items())) == SIGNATURE


@pytest.mark.parametrize(
    ("signed_url", "received_url"),
    [
        pytest.param(URL, "https://mycompany.com:443/myapp.php?foo=1&bar=2", id="signed-without-port-received-with"),
        pytest.param("https://mycompany.com:443/myapp.php?foo=1&bar=2", URL, id="signed-with-port-received-without"),
    ],
)
def test_the_default_port_does_not_matter(signed_url: str, received_url: str) -> None:
    # Given a signature over the URL with or without :443 (Twilio is not consistent about it)
    signature = _sign(signed_url, list(PARAMS.items()))

    # When it is checked against the URL in the other form
    # Then it passes
    assert validate_signature(AUTH_TOKEN, received_url, PARAMS, signature)


def test_repeated_fields_are_all_signed() -> None:
    # Given a form with a repeated field, signed with every value
    fields = [("Body", "Hi"), ("MediaUrl", "https://a.example/2"), ("MediaUrl", "https://a.example/1")]
    signature = _sign(URL, fields)

    # When it is validated as received, or with one value dropped
    # Then only the complete form passes
    assert validate_signature(AUTH_TOKEN, URL, fields, signature)
    assert not validate_signature(AUTH_TOKEN, URL, fields[:2], signature)


@pytest.mark.parametrize(
    ("token", "url", "params", "signature"),
    [
        pytest.param(AUTH_TOKEN, URL, {**PARAMS, "Digits": "1235"}, SIGNATURE, id="tampered-body"),
        pytest.param(AUTH_TOKEN, URL, {**PARAMS, "Extra": ""}, SIGNATURE, id="added-field"),
        pytest.param(AUTH_TOKEN, "https://mycompany.com/myapp.php?foo=1&bar=3", PARAMS, SIGNATURE, id="tampered-query"),
        pytest.param(AUTH_TOKEN, "https://evil.example/myapp.php?foo=1&bar=2", PARAMS, SIGNATURE, id="other-host"),
        pytest.param(AUTH_TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2", PARAMS, SIGNATURE, id="other-scheme"),
        pytest.param("54321", URL, PARAMS, SIGNATURE, id="wrong-token"),
        pytest.param(AUTH_TOKEN, URL, PARAMS, "", id="no-signature"),
        pytest.param(AUTH_TOKEN, URL, PARAMS, SIGNATURE[:-2] + "A=", id="altered-signature"),
    ],
)
def test_anything_changed_fails(token: str, url: str, params: dict[str, str], signature: str) -> None:
    # Given the documented request with one thing changed
    # When it is validated
    # Then it fails
    assert not validate_signature(token, url, params, signature)


def _sign_sha256(secret: str, url: str, fields: list[tuple[str, str]]) -> str:
    text = url + "".join(name + value for name, value in sorted(set(fields)))
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


SHARED_KEY = "shared-key-secret-0123456789abcdef"


def test_hmac_sha256_is_checked_when_asked() -> None:
    fields = [*PARAMS.items(), ("MediaUrl", "https://a.example/2"), ("MediaUrl", "https://a.example/1")]
    signature = _sign_sha256(SHARED_KEY, URL, fields)

    assert validate_signature(SHARED_KEY, URL, fields, signature, "HMAC_SHA256")
    assert not validate_signature(SHARED_KEY, URL, fields, signature)  # read as HMAC-SHA1
    assert not validate_signature(SHARED_KEY, URL, fields, signature, "HMAC_SHA1")
    assert not validate_signature(SHARED_KEY, URL, fields, signature, "HMAC_MD5")
    assert not validate_signature(AUTH_TOKEN, URL, fields, signature, "HMAC_SHA256")
    assert not validate_signature(SHARED_KEY, URL, fields[:-1], signature, "HMAC_SHA256")


@pytest.mark.parametrize(
    ("header", "algorithm", "key"),
    [
        (None, "HMAC_SHA1", None),
        ("", "HMAC_SHA1", None),
        ("key=webhooks_sharedkey_abc,algorithm=HMAC_SHA256", "HMAC_SHA256", "webhooks_sharedkey_abc"),
        (" algorithm = HMAC_SHA256 , key = k1 ", "HMAC_SHA256", "k1"),
        ("key=k1", "HMAC_SHA1", "k1"),
        ("algorithm=HMAC_MD5,key=k1", "HMAC_MD5", "k1"),
    ],
)
def test_the_signature_settings_header_is_read_as_twilio_python_reads_it(
    header: str | None, algorithm: str, key: str | None
) -> None:
    from clienteling.adapters.sms import signature_settings

    settings = signature_settings(header)
    assert (settings.algorithm, settings.shared_key_id) == (algorithm, key)
