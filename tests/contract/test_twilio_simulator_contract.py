"""The Twilio simulator and the SMS adapter against Twilio's published API (shared/contracts/twilio_api_v2010.json)
and the webhook parameters Twilio documents.

If the simulator drifted from Twilio, local tests would pass against a Twilio that does not exist: these tests
pin what the adapter sends and what the simulator answers and posts to what Twilio publishes.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from clienteling.adapters.sms import TwilioSms
from openapi_schema_validator import OAS30Validator, validate

from infra.local.simulators.twilio import TwilioSimulator
from tests.conftest import random_fr_landline, random_fr_mobile
from tests.webhook_receiver import WebhookReceiver

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts"
SPEC_PATH = CONTRACTS / "twilio_api_v2010.json"
MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
MESSAGE = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
MESSAGE_SCHEMA = "api.v2010.account.message"
# What SentMessage is made of: the client hands these to the adapter, so the simulator must always send them.
READ_BY_ADAPTER = {"sid", "status", "num_segments", "error_code"}

# Twilio's documented parameters of its request to an incoming-message webhook ("Twilio's request to your
# incoming message Webhook URL"), SMS/MMS ones; SmsStatus and ApiVersion are sent along with them as well.
INBOUND_WEBHOOK_PARAMETERS = {
    "MessageSid",
    "SmsSid",
    "SmsMessageSid",
    "AccountSid",
    "MessagingServiceSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "NumSegments",
    "SmsStatus",
    "ApiVersion",
    "FromCity",
    "FromState",
    "FromZip",
    "FromCountry",
    "ToCity",
    "ToState",
    "ToZip",
    "ToCountry",
}
INBOUND_MEDIA_PARAMETER = re.compile(r"^(MediaContentType|MediaUrl)(\d+)$")
# Twilio's documented parameters of an outbound message status callback ("Outbound Message Status in Status
# Callbacks"); ErrorCode only when the message failed or was undelivered.
STATUS_CALLBACK_PARAMETERS = {
    "AccountSid",
    "ApiVersion",
    "ErrorCode",
    "From",
    "MessageSid",
    "MessageStatus",
    "MessagingServiceSid",
    "RawDlrDoneDate",
    "SmsSid",
    "SmsStatus",
    "To",
}
ERROR_FIELDS = {"code", "message", "more_info", "status"}

ACCOUNT_SID = "AC" + secrets.token_hex(16)
AUTH_TOKEN = secrets.token_hex(16)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        pytest.skip(f"Twilio's OpenAPI description is not at {SPEC_PATH} (shared/contracts beside the repository)")
    return dict(json.loads(SPEC_PATH.read_text()))


def _schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """A component schema that keeps its $refs resolvable (they point into the spec's components)."""
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def _message_properties(spec: dict[str, Any]) -> set[str]:
    return set(spec["components"]["schemas"][MESSAGE_SCHEMA]["properties"])


def _create_request_properties(spec: dict[str, Any]) -> set[str]:
    body = spec["paths"][MESSAGES]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    assert body["schema"]["title"] == "CreateMessageRequest"
    return set(body["schema"]["properties"])


def _check_message(spec: dict[str, Any], resource: dict[str, Any]) -> None:
    assert set(resource) <= _message_properties(spec), set(resource) - _message_properties(spec)
    assert set(resource) >= READ_BY_ADAPTER
    validate(resource, _schema(spec, MESSAGE_SCHEMA), cls=OAS30Validator)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    webhooks = WebhookReceiver()
    webhooks.start()
    yield webhooks
    webhooks.stop()


@pytest.fixture
def simulator(receiver: WebhookReceiver) -> Iterator[TwilioSimulator]:
    twilio = TwilioSimulator(ACCOUNT_SID, AUTH_TOKEN, receiver.base_url)
    twilio.start()
    yield twilio
    twilio.stop()


def _api(simulator: TwilioSimulator, path: str) -> str:
    return simulator.base_url + path.replace("{AccountSid}", ACCOUNT_SID)


def test_the_spec_describes_what_the_simulator_serves(spec: dict[str, Any]) -> None:
    # Given the published description
    # When we look up the operations the simulator implements
    # Then they exist with the shapes used below
    assert "post" in spec["paths"][MESSAGES]
    assert "get" in spec["paths"][MESSAGES]
    assert "get" in spec["paths"][MESSAGE]
    assert MESSAGE_SCHEMA in spec["components"]["schemas"]


def test_every_field_the_adapter_sends_is_in_create_message_request(
    spec: dict[str, Any], simulator: TwilioSimulator, receiver: WebhookReceiver
) -> None:
    # Given the adapter using every option it has
    sms = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, simulator.base_url)
    sms.send(
        from_=random_fr_landline(),
        to=random_fr_mobile(),
        body="Bonjour",
        media_urls=["https://m.example/1.jpg", "https://m.example/2.jpg"],
        status_callback=receiver.base_url + "/webhooks/twilio/status",
        messaging_service_sid="MG" + secrets.token_hex(16),
    )
    sms.send(from_=None, to=random_fr_mobile(), body="Bonjour", media_urls=[], status_callback=None,
             messaging_service_sid="MG" + secrets.token_hex(16))  # fmt: skip

    # When we read the forms the simulator received
    forms = [call.form for call in simulator.api_calls() if call.method == "POST"]

    # Then every field name is a property of the spec's CreateMessageRequest, MediaUrl repeated per media
    assert len(forms) == 2
    sent = {name for form in forms for name, _ in form}
    assert sent <= _create_request_properties(spec), sent - _create_request_properties(spec)
    assert [name for name, _ in forms[0]].count("MediaUrl") == 2
    assert "From" not in dict(forms[1])


def test_create_fetch_and_list_answer_the_spec_message_schema(spec: dict[str, Any], simulator: TwilioSimulator) -> None:
    # Given a message created through the API as twilio-python does it
    auth = (ACCOUNT_SID, AUTH_TOKEN)
    customer = random_fr_mobile()
    form = {"To": customer, "From": random_fr_landline(), "Body": "Bonjour 😀"}
    created = requests.post(_api(simulator, MESSAGES), data=form, auth=auth, timeout=10)

    # When it is fetched, and listed by recipient
    fetched = requests.get(_api(simulator, MESSAGE).replace("{Sid}", created.json()["sid"]), auth=auth, timeout=10)
    listed = requests.get(_api(simulator, MESSAGES), params={"To": customer}, auth=auth, timeout=10)

    # Then each answer has the documented status and only the spec's properties, typed as the spec says
    assert (created.status_code, fetched.status_code, listed.status_code) == (201, 200, 200)
    _check_message(spec, created.json())
    _check_message(spec, fetched.json())
    page_schema = spec["paths"][MESSAGES]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = listed.json()
    assert set(page) <= set(page_schema["properties"])
    validate(page, {**page_schema, "components": spec["components"]}, cls=OAS30Validator)
    assert [m["sid"] for m in page["messages"]] == [created.json()["sid"]]
    for message in page["messages"]:
        _check_message(spec, message)


def test_inbound_messages_are_spec_messages_too(
    spec: dict[str, Any], simulator: TwilioSimulator, receiver: WebhookReceiver
) -> None:
    # Given an inbound MMS
    media = [{"contentType": "image/png", "base64": base64.b64encode(b"png").decode()}]
    answer = requests.post(
        simulator.base_url + "/_sim/inbound",
        json={"from": random_fr_mobile(), "to": random_fr_landline(), "body": "Hi", "media": media},
        timeout=30,
    ).json()

    # When it is fetched through the API
    url = _api(simulator, MESSAGE).replace("{Sid}", answer["messageSid"])
    fetched = requests.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10)

    # Then it is a spec message with direction inbound
    _check_message(spec, fetched.json())
    assert (fetched.json()["direction"], fetched.json()["status"], fetched.json()["num_media"]) == (
        "inbound",
        "received",
        "1",
    )


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        pytest.param({"From": "+33142685300", "Body": "x"}, 400, 21604, id="to-required"),
        pytest.param({"To": "0612345678", "From": "+33142685300", "Body": "x"}, 400, 21211, id="to-invalid"),
        pytest.param({"To": "+33612345678", "Body": "x"}, 400, 21603, id="from-required"),
        pytest.param({"To": "+33612345678", "From": "+0142", "Body": "x"}, 400, 21606, id="from-invalid"),
        pytest.param({"To": "+33612345678", "From": "+33142685300"}, 400, 21602, id="body-required"),
        pytest.param({"To": "+33612345678", "From": "+33142685300", "Body": "x" * 1601}, 400, 21617, id="too-long"),
    ],
)
def test_refusals_have_twilio_error_shape(
    simulator: TwilioSimulator, form: dict[str, str], status: int, code: int
) -> None:
    # Given an invalid create request
    # When it is posted
    response = requests.post(_api(simulator, MESSAGES), data=form, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10)

    # Then the answer is Twilio's error JSON with Twilio's code
    assert response.status_code == status
    assert set(response.json()) == ERROR_FIELDS
    assert (response.json()["code"], response.json()["status"]) == (code, status)
    assert response.json()["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_unauthenticated_requests_get_twilio_401(simulator: TwilioSimulator) -> None:
    # Given no credentials, wrong ones, and right ones on another account's path
    attempts = [
        requests.get(_api(simulator, MESSAGES), timeout=10),
        requests.get(_api(simulator, MESSAGES), auth=(ACCOUNT_SID, "wrong"), timeout=10),
        requests.get(
            simulator.base_url + "/2010-04-01/Accounts/AC" + "0" * 32 + "/Messages.json",
            auth=(ACCOUNT_SID, AUTH_TOKEN),
            timeout=10,
        ),
    ]

    # When they are answered
    # Then each is 401 / 20003 in Twilio's shape, with a Basic challenge
    for response in attempts:
        assert response.status_code == 401
        assert set(response.json()) == ERROR_FIELDS
        assert response.json()["code"] == 20003
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_inbound_webhook_uses_only_documented_parameters(simulator: TwilioSimulator, receiver: WebhookReceiver) -> None:
    # Given an inbound MMS through a Messaging Service, with two media
    media = [{"contentType": "image/jpeg", "base64": base64.b64encode(b"jpeg").decode()}] * 2
    payload = {
        "from": random_fr_mobile(),
        "to": random_fr_landline(),
        "body": "Bonjour",
        "media": media,
        "messagingServiceSid": "MG" + secrets.token_hex(16),
    }

    # When the simulator posts it to the webhook
    requests.post(simulator.base_url + "/_sim/inbound", json=payload, timeout=30)
    webhook = receiver.wait_for()

    # Then every parameter is one Twilio documents, media ones numbered below NumMedia, sent once each
    names = [name for name, _ in webhook.form]
    assert len(names) == len(set(names))
    plain = {name for name in names if not INBOUND_MEDIA_PARAMETER.match(name)}
    assert plain <= INBOUND_WEBHOOK_PARAMETERS, plain - INBOUND_WEBHOOK_PARAMETERS
    numbered = [INBOUND_MEDIA_PARAMETER.match(name) for name in names]
    indexes = sorted({int(found[2]) for found in numbered if found})
    assert indexes == list(range(int(webhook.fields["NumMedia"]))) == [0, 1]
    assert {f"MediaUrl{i}" for i in indexes} | {f"MediaContentType{i}" for i in indexes} <= set(names)
    # And the ones a handler relies on are there
    assert {"MessageSid", "AccountSid", "From", "To", "Body", "NumMedia", "MessagingServiceSid"} <= plain
    assert webhook.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_status_callbacks_use_only_documented_parameters(simulator: TwilioSimulator, receiver: WebhookReceiver) -> None:
    # Given a message to an unreachable handset, so both success and failure fields show
    customer = random_fr_mobile()
    simulator.set_undeliverable(customer)
    sms = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, simulator.base_url)

    # When it is sent with a status callback
    sms.send(
        from_=random_fr_landline(),
        to=customer,
        body="Bonjour",
        media_urls=[],
        status_callback=receiver.base_url + "/webhooks/twilio/status",
    )
    callbacks = [receiver.wait_for(), receiver.wait_for()]

    # Then every parameter is a documented one
    for callback in callbacks:
        names = {name for name, _ in callback.form}
        assert names <= STATUS_CALLBACK_PARAMETERS, names - STATUS_CALLBACK_PARAMETERS
        assert {"MessageSid", "MessageStatus", "AccountSid", "To", "From"} <= names
    assert [c.fields.get("ErrorCode") for c in callbacks] == [None, "30003"]
