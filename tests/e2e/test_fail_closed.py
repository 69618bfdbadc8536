"""Fail closed, through the local gateway: a function whose setting is missing, or whose signing key is empty or
short, refuses with 503 `not_configured` and one log line naming what is missing, and never accepts a signature
anyone could have computed."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities import parameters
from clienteling.kernel.config import get_settings

from infra.local import config
from infra.local.stack import RunningStack
from tests.api_client import ApiClient
from tests.conftest import World, random_fr_mobile

SECRETS = config.LocalNames().secrets


def _refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and "not configured" in r.getMessage()]


def _set_secret(name: str, value: str) -> None:
    client = boto3.client("secretsmanager")
    values = json.loads(client.get_secret_value(SecretId=SECRETS)["SecretString"])
    values[name] = value
    client.put_secret_value(SecretId=SECRETS, SecretString=json.dumps(values))
    parameters.clear_caches()  # as a new container would read it


@pytest.fixture
def restore_secret(local_stack: RunningStack) -> Iterator[None]:
    client = boto3.client("secretsmanager")
    original = client.get_secret_value(SecretId=SECRETS)["SecretString"]
    yield
    client.put_secret_value(SecretId=SECRETS, SecretString=original)
    parameters.clear_caches()


# ------------------------------------------------------------------------------------------------ settings
@pytest.mark.parametrize("variable", ["PUBLIC_BASE_URL", "TABLE_NAME"])
def test_a_function_without_a_required_setting_answers_503_naming_it_in_one_log_line(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, variable: str
) -> None:
    # Given the deployment lost one variable (its template parameter left empty, or removed)
    monkeypatch.setenv(variable, "")
    get_settings.cache_clear()
    try:
        # When an associate calls the API
        response = world.api.get("/v1/stores", token=world.admin)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    # Then the function refuses: 503 not_configured in the JSON envelope, the variable named in the log only
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "not_configured"
    assert variable not in response.text
    [line] = _refusals(caplog)
    assert variable in line.getMessage()
    # And once configured again, it works (the refusal is not cached)
    assert world.api.get("/v1/stores", token=world.admin).status_code == 200


# ------------------------------------------------------------------------------------------------ secrets
@pytest.mark.parametrize("weak", ["", "0123456789abcdef0123456789abcde"], ids=["empty", "31-bytes"])
def test_a_twilio_webhook_with_a_weak_auth_token_is_refused_not_trusted(
    world: World, local_stack: RunningStack, restore_secret: None, caplog: pytest.LogCaptureFixture, weak: str
) -> None:
    # Given a deployment whose Twilio auth token is empty (or short), and a request signed with that token
    _set_secret("twilio_auth_token", weak)
    url = f"{local_stack.api_url}/webhooks/twilio/sms"
    form = {"MessageSid": "SM" + "0" * 32, "From": random_fr_mobile(), "To": "+33142685300", "Body": "STOP"}
    from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

    signature = RequestValidator(weak).compute_signature(url, form)

    # When it is posted
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)

    # Then it is refused with 503 not_configured, and the log names the key (never its value)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "not_configured"
    [line] = _refusals(caplog)
    assert "twilio_auth_token" in line.getMessage()
    assert not weak or weak not in line.getMessage()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("adyen_webhook_password", ""),
        ("adyen_hmac_key", ""),
        ("adyen_hmac_key", "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA0"),  # 31 bytes
        ("adyen_hmac_key", "not-hexadecimal-but-long-enough-to-look-like-a-key-0123456789"),
    ],
    ids=["empty-password", "empty-hmac-key", "short-hmac-key", "hmac-key-not-hex"],
)
def test_an_adyen_webhook_with_a_weak_key_is_refused(
    local_stack: RunningStack, restore_secret: None, caplog: pytest.LogCaptureFixture, name: str, value: str
) -> None:
    settings = config.LocalSettings.from_environment()
    _set_secret(name, value)
    credentials = (
        f"{settings.adyen_webhook_username}:{value if name.endswith('password') else settings.adyen_webhook_password}"
    )
    response = requests.post(
        f"{local_stack.api_url}/webhooks/adyen",
        json={"live": "false", "notificationItems": [{"NotificationRequestItem": {"eventCode": "AUTHORISATION"}}]},
        headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()},
        timeout=30,
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "not_configured"
    [line] = _refusals(caplog)
    assert name in line.getMessage()


def test_an_unsubscribe_link_with_a_short_signing_key_is_refused(
    api: ApiClient, local_stack: RunningStack, restore_secret: None, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an unsubscribe key of 31 bytes, and a link signed with it
    from clienteling.campaigns.domain import unsubscribe

    weak = "x" * 31
    _set_secret("unsubscribe_signing_key", weak)
    link = f"{local_stack.api_url}/email/unsubscribe/{unsubscribe.sign(weak.encode(), 'C' * 26, 'K' * 26)}"

    # When the page is opened or the one-click POST comes
    # Then both refuse, and nothing is verified against the weak key
    opened = requests.get(link, timeout=30)
    one_click = requests.post(link, data="List-Unsubscribe=One-Click", timeout=30)
    for response in (opened, one_click):
        assert response.status_code == 503, response.text
        assert "not_configured" in response.text
    assert all("unsubscribe_signing_key" in line.getMessage() for line in _refusals(caplog))
    assert _refusals(caplog)


def test_the_local_defaults_satisfy_the_rules() -> None:
    from clienteling.adapters.secrets import check

    defaults = config.LocalSettings.from_environment().provider_secrets()
    assert {name: check(name, value) for name, value in defaults.items()} == defaults
