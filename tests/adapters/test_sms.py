"""TwilioSms with the real twilio-python client against the local Twilio simulator, and the webhooks it posts."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from clienteling.adapters.sms import TwilioSms, validate_signature
from clienteling.kernel.providers import InvalidRecipient, ProviderUnavailable, RecipientOptedOut, SentMessage, SmsError

from infra.local import config, stack
from infra.local.simulators.twilio import TwilioSimulator, start_for_stack
from tests.conftest import random_fr_landline, random_fr_mobile
from tests.webhook_receiver import ReceivedWebhook, WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + secrets.token_hex(16)
AUTH_TOKEN = secrets.token_hex(16)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


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


@pytest.fixture
def sms(simulator: TwilioSimulator) -> TwilioSms:
    return TwilioSms(ACCOUNT_SID, AUTH_TOKEN, simulator.base_url)


def _sim(simulator: TwilioSimulator, path: str, payload: dict[str, Any]) -> requests.Response:
    return requests.post(simulator.base_url + path, json=payload, timeout=30)


def _screen(simulator: TwilioSimulator, phone: str) -> list[dict[str, Any]]:
    response = requests.get(f"{simulator.base_url}/_sim/messages", params={"phone": phone}, timeout=10)
    assert response.status_code == 200
    return list(response.json()["messages"])


def _signed(webhook: ReceivedWebhook) -> bool:
    return validate_signature(AUTH_TOKEN, webhook.url, webhook.form, webhook.signature)


def _media(content: bytes, content_type: str) -> dict[str, str]:
    return {"contentType": content_type, "base64": base64.b64encode(content).decode()}


def test_send_sms_returns_the_queued_message(sms: TwilioSms, simulator: TwilioSimulator) -> None:
    # Given a store number and a customer
    store, customer = random_fr_landline(), random_fr_mobile()

    # When the store texts the customer
    sent = sms.send(
        from_=store, to=customer, body="Bonjour Zoé, votre commande est prête.", media_urls=[], status_callback=None
    )

    # Then Twilio queued one segment, and the customer's phone shows it
    assert re.fullmatch(r"SM[0-9a-f]{32}", sent.sid)
    assert sent == SentMessage(sid=sent.sid, status="queued", num_segments=1, error_code=None)
    (shown,) = _screen(simulator, customer)
    assert shown["sid"] == sent.sid
    assert (shown["from"], shown["direction"], shown["body"]) == (
        store,
        "outbound-api",
        "Bonjour Zoé, votre commande est prête.",
    )


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        pytest.param("a" * 160, 1, id="gsm7-160-fits-one"),
        pytest.param("a" * 161, 2, id="gsm7-161-then-153-per-part"),
        pytest.param("a" * 306, 2, id="gsm7-306"),
        pytest.param("a" * 307, 3, id="gsm7-307"),
        pytest.param("€" * 80, 1, id="gsm7-extension-costs-two"),
        pytest.param("€" * 81, 2, id="gsm7-extension-162"),
        pytest.param("ç" * 70, 1, id="ucs2-70-fits-one"),  # GSM-7 has Ç but no ç
        pytest.param("ç" * 71, 2, id="ucs2-71-then-67-per-part"),
        pytest.param("😀" * 35, 1, id="ucs2-emoji-is-two-units"),
        pytest.param("😀" * 36, 2, id="ucs2-emoji-72-units"),
    ],
)
def test_segments_follow_gsm7_and_ucs2_rules(sms: TwilioSms, body: str, segments: int) -> None:
    # Given a body of a given encoding and length
    # When it is sent
    sent = sms.send(from_=random_fr_landline(), to=random_fr_mobile(), body=body, media_urls=[], status_callback=None)

    # Then Twilio counts segments as carriers bill them
    assert sent.num_segments == segments


def test_send_mms_with_two_media_urls(sms: TwilioSms, simulator: TwilioSimulator) -> None:
    # Given two pictures the store hosts
    store, customer = random_fr_landline(), random_fr_mobile()
    urls = ["https://media.example/look-1.jpg", "https://media.example/look-2.jpg?sig=abc"]

    # When the store sends them with a caption
    sent = sms.send(from_=store, to=customer, body="Les deux looks", media_urls=urls, status_callback=None)

    # Then the message carries both, as one MMS
    resource = requests.get(
        f"{simulator.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sent.sid}.json",
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=10,
    ).json()
    assert (resource["num_media"], resource["num_segments"]) == ("2", "1")
    (shown,) = _screen(simulator, customer)
    assert shown["mediaUrls"] == urls


def test_media_only_message_needs_no_body(sms: TwilioSms) -> None:
    # Given a picture and no text
    # When it is sent
    sent = sms.send(
        from_=random_fr_landline(),
        to=random_fr_mobile(),
        body=None,
        media_urls=["https://m.example/a.png"],
        status_callback=None,
    )

    # Then Twilio accepts it
    assert sent.status == "queued"


def test_status_callbacks_arrive_signed_sent_then_delivered(
    sms: TwilioSms, simulator: TwilioSimulator, receiver: WebhookReceiver
) -> None:
    # Given a status callback URL with our own correlation id in its query
    store, customer = random_fr_landline(), random_fr_mobile()
    callback = f"{receiver.base_url}/webhooks/twilio/status?messageId=01JTEST"

    # When a text is sent
    sent = sms.send(from_=store, to=customer, body="Votre retouche est prête", media_urls=[], status_callback=callback)

    # Then Twilio reports "sent" then "delivered" to that exact URL, signed with the auth token
    first, second = receiver.wait_for(), receiver.wait_for()
    assert [first.fields["MessageStatus"], second.fields["MessageStatus"]] == ["sent", "delivered"]
    for webhook in (first, second):
        assert webhook.url == callback
        assert webhook.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert _signed(webhook)
        assert not validate_signature("another-token", webhook.url, webhook.form, webhook.signature)
        assert webhook.fields["MessageSid"] == webhook.fields["SmsSid"] == sent.sid
        assert webhook.fields["SmsStatus"] == webhook.fields["MessageStatus"]
        assert (webhook.fields["From"], webhook.fields["To"]) == (store, customer)
        assert webhook.fields["AccountSid"] == ACCOUNT_SID
        assert webhook.fields["ApiVersion"] == "2010-04-01"
        assert "ErrorCode" not in webhook.fields
    # And the resource tells the same story
    resource = simulator.message(sent.sid)
    assert resource is not None
    assert resource["status"] == "delivered"


def test_undeliverable_number_reports_30003(
    sms: TwilioSms, simulator: TwilioSimulator, receiver: WebhookReceiver
) -> None:
    # Given a customer whose handset is unreachable
    customer = random_fr_mobile()
    assert _sim(simulator, "/_sim/undeliverable", {"phone": customer}).status_code == 200

    # When a text is sent to them
    sms.send(
        from_=random_fr_landline(),
        to=customer,
        body="Bonjour",
        media_urls=[],
        status_callback=f"{receiver.base_url}/webhooks/twilio/status",
    )

    # Then it is sent but never delivered, with Twilio's error code
    receiver.wait_for(lambda w: w.fields["MessageStatus"] == "sent")
    failed = receiver.wait_for()
    assert (failed.fields["MessageStatus"], failed.fields["ErrorCode"]) == ("undelivered", "30003")
    assert _signed(failed)


def test_carrier_opt_out_maps_to_recipient_opted_out(sms: TwilioSms, simulator: TwilioSimulator) -> None:
    # Given a customer who texted STOP at the carrier
    customer = random_fr_mobile()
    assert _sim(simulator, "/_sim/carrier-opt-out", {"phone": customer}).status_code == 200

    # When the store texts them
    with pytest.raises(RecipientOptedOut) as refused:
        sms.send(from_=random_fr_landline(), to=customer, body="Promo", media_urls=[], status_callback=None)

    # Then Twilio's 21610 is a domain-meaningful, non-retryable error, and nothing reached the phone
    assert (refused.value.code, refused.value.status, refused.value.retryable) == (21610, 400, False)
    assert customer not in str(refused.value)
    assert _screen(simulator, customer) == []

    # And once they are back (START), texts go through again
    assert _sim(simulator, "/_sim/carrier-opt-out", {"phone": customer, "remove": True}).status_code == 200
    assert sms.send(from_=random_fr_landline(), to=customer, body="Re", media_urls=[], status_callback=None).sid


@pytest.mark.parametrize("to", ["0612345678", "+33 6 12 34 56 78", "not-a-number"])
def test_invalid_to_maps_to_invalid_recipient(sms: TwilioSms, to: str) -> None:
    # Given a recipient that is not an E.164 number
    # When the store texts it
    with pytest.raises(InvalidRecipient) as refused:
        sms.send(from_=random_fr_landline(), to=to, body="Bonjour", media_urls=[], status_callback=None)

    # Then Twilio's 21211 maps to InvalidRecipient, whose message does not quote the number
    assert refused.value.code == 21211
    assert to not in str(refused.value)
    assert refused.value.__cause__ is None


def test_other_refusals_keep_twilio_code(sms: TwilioSms) -> None:
    # Given a text with neither a body nor media
    # When it is sent
    with pytest.raises(SmsError) as refused:
        sms.send(from_=random_fr_landline(), to=random_fr_mobile(), body=None, media_urls=[], status_callback=None)

    # Then it is a plain SmsError carrying Twilio's code
    assert type(refused.value) is SmsError
    assert (refused.value.code, refused.value.status) == (21602, 400)


def test_bad_credentials_are_refused(simulator: TwilioSimulator) -> None:
    # Given a wrong auth token
    sms = TwilioSms(ACCOUNT_SID, "not-the-token", simulator.base_url)

    # When sending
    with pytest.raises(SmsError) as refused:
        sms.send(from_=random_fr_landline(), to=random_fr_mobile(), body="Bonjour", media_urls=[], status_callback=None)

    # Then Twilio answers 401 / 20003, which retrying will not fix
    assert (refused.value.code, refused.value.status, refused.value.retryable) == (20003, 401, False)


def test_unreachable_provider_is_retryable() -> None:
    # Given nothing listening where the API should be
    sms = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, f"http://127.0.0.1:{stack.free_port()}")

    # When sending
    with pytest.raises(ProviderUnavailable) as failed:
        sms.send(from_=random_fr_landline(), to=random_fr_mobile(), body="Bonjour", media_urls=[], status_callback=None)

    # Then the error says the same request may succeed later
    assert failed.value.retryable


def test_inbound_mms_reaches_the_webhook_signed_with_three_media(
    sms: TwilioSms, simulator: TwilioSimulator, receiver: WebhookReceiver
) -> None:
    # Given a webhook that answers with a TwiML reply
    store, customer = random_fr_landline(), random_fr_mobile()
    receiver.twiml = "<Response><Message>Merci, bien reçu !</Message></Response>"
    media = [
        _media(PNG, "image/png"),
        _media(b"\xff\xd8\xff\xe0jpeg", "image/jpeg"),
        _media(b"BEGIN:VCARD", "text/vcard"),
    ]

    # When the customer sends three pictures and a text to the store
    answer = _sim(simulator, "/_sim/inbound", {"from": customer, "to": store, "body": "Celle-ci ?", "media": media})

    # Then the webhook got Twilio's form, signed, with three media URLs and their types
    assert answer.status_code == 200, answer.text
    webhook = receiver.wait_for()
    assert webhook.path == "/webhooks/twilio/sms"
    assert _signed(webhook)
    fields = webhook.fields
    assert re.fullmatch(r"MM[0-9a-f]{32}", fields["MessageSid"])
    assert fields["MessageSid"] == fields["SmsSid"] == fields["SmsMessageSid"] == answer.json()["messageSid"]
    assert (fields["From"], fields["To"], fields["Body"], fields["NumMedia"]) == (customer, store, "Celle-ci ?", "3")
    assert (fields["SmsStatus"], fields["FromCountry"], fields["AccountSid"]) == ("received", "FR", ACCOUNT_SID)
    assert [fields[f"MediaContentType{i}"] for i in range(3)] == ["image/png", "image/jpeg", "text/vcard"]
    urls = [fields[f"MediaUrl{i}"] for i in range(3)]
    assert len(set(urls)) == 3
    assert "MediaUrl3" not in fields
    # And the TwiML reply went to the customer from the store number
    assert answer.json()["status"] == 200
    assert answer.json()["replies"] == ["Merci, bien reçu !"]
    screen = _screen(simulator, customer)
    assert [(m["direction"], m["from"], m["body"]) for m in screen] == [
        ("inbound", customer, "Celle-ci ?"),
        ("outbound-reply", store, "Merci, bien reçu !"),
    ]
    assert screen[0]["mediaUrls"] == urls
    # And the adapter downloads each media with the account's credentials
    assert [sms.fetch_media(url) for url in urls] == [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0jpeg", "image/jpeg"),
        (b"BEGIN:VCARD", "text/vcard"),
    ]


def test_media_needs_basic_auth(sms: TwilioSms, simulator: TwilioSimulator, receiver: WebhookReceiver) -> None:
    # Given an inbound picture
    _sim(
        simulator,
        "/_sim/inbound",
        {"from": random_fr_mobile(), "to": random_fr_landline(), "media": [_media(PNG, "image/png")]},
    )
    url = receiver.wait_for().fields["MediaUrl0"]

    # When it is fetched without credentials, or with the wrong ones
    anonymous = requests.get(url, timeout=10)
    wrong = requests.get(url, auth=(ACCOUNT_SID, "wrong"), timeout=10)

    # Then Twilio refuses both, and another account's token does not help the adapter either
    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert anonymous.json()["code"] == 20003
    with pytest.raises(SmsError) as refused:
        TwilioSms(ACCOUNT_SID, "wrong", simulator.base_url).fetch_media(url)
    assert refused.value.status == 401
    # And with them, the adapter gets the bytes through Twilio's redirect
    assert sms.fetch_media(url) == (PNG, "image/png")


def test_fetch_media_never_sends_credentials_elsewhere(sms: TwilioSms, simulator: TwilioSimulator) -> None:
    # Given URLs that are not this account's Twilio media
    foreign = [
        "https://evil.example/2010-04-01/Accounts/" + ACCOUNT_SID + "/Messages/MM1/Media/ME1",
        simulator.base_url + "/2010-04-01/Accounts/AC" + "0" * 32 + "/Messages/MM1/Media/ME1",
    ]

    # When the adapter is asked to fetch them
    # Then it refuses before any request
    for url in foreign:
        with pytest.raises(SmsError):
            sms.fetch_media(url)


def test_fetch_media_caps_the_size(simulator: TwilioSimulator, receiver: WebhookReceiver) -> None:
    # Given an adapter with a 1 KiB cap and a 2 KiB inbound attachment
    sms = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, simulator.base_url, max_media_bytes=1024)
    _sim(
        simulator,
        "/_sim/inbound",
        {"from": random_fr_mobile(), "to": random_fr_landline(), "media": [_media(os.urandom(2048), "image/jpeg")]},
    )
    url = receiver.wait_for().fields["MediaUrl0"]

    # When it is fetched
    # Then the adapter refuses it
    with pytest.raises(SmsError, match="larger than 1024 bytes"):
        sms.fetch_media(url)


def test_replay_posts_the_same_message_sid_again(simulator: TwilioSimulator, receiver: WebhookReceiver) -> None:
    # Given an inbound text that reached the webhook
    customer, store = random_fr_mobile(), random_fr_landline()
    first = _sim(simulator, "/_sim/inbound", {"from": customer, "to": store, "body": "Bonjour"}).json()
    original = receiver.wait_for()

    # When Twilio delivers it again (a retry)
    again = requests.post(f"{simulator.base_url}/_sim/inbound", params={"replay": first["messageSid"]}, timeout=30)

    # Then the webhook gets the very same form and signature, and the phone still shows one message
    assert again.status_code == 200
    assert again.json()["messageSid"] == first["messageSid"]
    replayed = receiver.wait_for()
    assert (replayed.form, replayed.signature) == (original.form, original.signature)
    assert len(_screen(simulator, customer)) == 1


def test_inbound_refuses_incomplete_requests(simulator: TwilioSimulator) -> None:
    # Given inbound requests without numbers, without content, or replaying an unknown message
    # When they are posted
    no_number = _sim(simulator, "/_sim/inbound", {"from": "06", "to": random_fr_landline(), "body": "x"})
    no_content = _sim(simulator, "/_sim/inbound", {"from": random_fr_mobile(), "to": random_fr_landline()})
    unknown = requests.post(f"{simulator.base_url}/_sim/inbound", params={"replay": "SM" + "0" * 32}, timeout=10)

    # Then the simulator says what is wrong instead of posting a malformed webhook
    assert (no_number.status_code, no_content.status_code, unknown.status_code) == (400, 400, 404)


def test_reset_forgets_messages_and_failure_sets(sms: TwilioSms, simulator: TwilioSimulator) -> None:
    # Given a sent message and an opted-out customer
    customer, other = random_fr_mobile(), random_fr_mobile()
    sms.send(from_=random_fr_landline(), to=customer, body="Bonjour", media_urls=[], status_callback=None)
    _sim(simulator, "/_sim/carrier-opt-out", {"phone": other})

    # When the simulator is reset
    assert _sim(simulator, "/_sim/reset", {}).status_code == 200

    # Then both are forgotten
    assert _screen(simulator, customer) == []
    assert sms.send(from_=random_fr_landline(), to=other, body="Bonjour", media_urls=[], status_callback=None).sid


def test_importing_the_adapter_does_not_load_the_twilio_client() -> None:
    # Given a fresh interpreter
    code = (
        "import sys, clienteling.adapters.sms;print(sorted(m for m in ('twilio.rest', 'requests') if m in sys.modules))"
    )

    # When it imports the adapter module
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'layers'}:{ROOT}"},
    )

    # Then neither twilio.rest nor requests is loaded: functions that never text never pay for them
    assert result.stdout.strip() == "[]"


def test_phone_screen_accepts_an_unencoded_plus(sms: TwilioSms, simulator: TwilioSimulator) -> None:
    # Given a text to a customer
    customer = random_fr_mobile()
    sms.send(from_=random_fr_landline(), to=customer, body="Bonjour", media_urls=[], status_callback=None)

    # When a developer types the number into the query string as is (curl ...?phone=+33...)
    response = requests.get(f"{simulator.base_url}/_sim/messages?phone={customer}", timeout=10)

    # Then the "+" that arrived as a space is put back
    assert [m["to"] for m in response.json()["messages"]] == [customer]


def test_start_for_stack_serves_the_local_account(receiver: WebhookReceiver) -> None:
    # Given the local stack's settings
    settings = config.LocalSettings.from_environment()

    # When the stack starts its simulator
    twilio = start_for_stack(settings, receiver.base_url)
    try:
        # Then the adapter configured like the functions (TWILIO_API_BASE_URL) sends through it
        assert twilio.environment() == {"TWILIO_API_BASE_URL": twilio.base_url}
        sms = TwilioSms(settings.twilio_account_sid, settings.twilio_auth_token, twilio.base_url)
        sent = sms.send(
            from_=random_fr_landline(), to=random_fr_mobile(), body="Bonjour", media_urls=[], status_callback=None
        )
        assert sent.status == "queued"
    finally:
        twilio.stop()
