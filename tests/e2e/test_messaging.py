"""SMS conversations end to end: the associate app through the gateway, the customer through the Twilio
simulator, which posts signed webhooks to the gateway and runs status callbacks, as Twilio would."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests

from infra.local import config, tokens
from infra.local.stack import RunningStack
from tests.conftest import World, random_fr_mobile, random_us_number
from tests.e2e.messaging_helpers import Phone, eventually


@pytest.fixture
def shop(world: World) -> dict[str, Any]:
    """A Paris store with two associates (made through the API) and a customer with a mobile number."""
    api = world.api
    people = {}
    for key in ("lea", "tom"):
        response = api.post(
            "/v1/associates",
            {
                "displayName": key.title(),
                "email": f"{key}.{os.urandom(4).hex()}@x.example",
                "storeIds": [world.store_id("paris")],
            },
            token=world.admin,
        )
        assert response.status_code == 201, response.text
        people[key] = response.json()["id"]
    phone = random_fr_mobile()
    lea = tokens.mint(people["lea"], ["associate"], [world.store_id("paris")])
    customer = api.post(
        "/v1/customers",
        {"firstName": "Zoë", "lastName": "Martin", "phoneNumber": phone, "homeStoreId": world.store_id("paris")},
        token=lea,
    ).json()
    return {
        "lea": lea,
        "lea_id": people["lea"],
        "tom_id": people["tom"],
        "tom": tokens.mint(people["tom"], ["associate"], [world.store_id("paris")]),
        "customer": customer,
        "phone": phone,
        "store": world.stores["paris"],
    }


def _conversation_id(world: World, token: str) -> str:
    inbox = world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=token).json()["items"]
    assert len(inbox) == 1
    return str(inbox[0]["id"])


def _consent(world: World, token: str, customer_id: str) -> str:
    customer = world.api.get(f"/v1/customers/{customer_id}", token=token).json()
    states = {(c["channel"], c["purpose"], c["storeId"]): c["status"] for c in customer["consents"]}
    return str(states.get(("sms", "conversational", world.store_id("paris")), "not_asked"))


def test_opt_in_then_chat_then_stop(world: World, shop: dict[str, Any], local_stack: RunningStack) -> None:
    api, lea, customer = world.api, shop["lea"], shop["customer"]
    phone = Phone(local_stack, shop["phone"])
    store_number = shop["store"]["phoneNumber"]

    # Given a customer who never opted in: texting them is refused
    conversation_less = api.post(
        f"/v1/customers/{customer['id']}/opt-in-request",
        {"storeId": world.store_id("paris"), "message": "Bonjour Zoë, c'est Léa."},
        token=lea,
    )
    assert conversation_less.status_code == 200, conversation_less.text
    conversation_id = conversation_less.json()["conversationId"]
    refused = api.post(f"/v1/conversations/{conversation_id}/messages", {"body": "Nouveautés !"}, token=lea)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "consent_required"

    # The customer got the introduction with the store's opt-in wording, and consent is pending
    request_text = eventually(lambda: [b for b in phone.received() if "Bonjour Zoë" in b])[0]
    assert "OUI" in request_text
    assert "STOP" in request_text
    assert _consent(world, lea, customer["id"]) == "pending"

    # When the customer answers OUI through their phone
    answer = phone.text(store_number, "Oui")
    assert answer["status"] == 200
    assert _consent(world, lea, customer["id"]) == "opted_in"

    # Then the conversation is open in the store inbox with one unread message
    inbox = api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=lea).json()["items"]
    assert [(c["id"], c["unreadCount"], c["status"]) for c in inbox] == [(conversation_id, 1, "open")]
    assert api.get("/v1/inbox/unread", token=lea).json()["stores"] == [
        {"storeId": world.store_id("paris"), "unread": 1}
    ]

    # And the associate can now write; the answer reports encoding and segments, and the status moves on
    sent = api.post(
        f"/v1/conversations/{conversation_id}/messages", {"body": "Merci Zoë ! Votre robe est arrivée."}, token=lea
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["encoding"] == "UCS-2"  # ë is not in the GSM alphabet
    assert sent.json()["segments"] == 1
    message_id = sent.json()["id"]

    def delivered() -> bool:
        page = api.get(f"/v1/conversations/{conversation_id}/messages", token=lea).json()["items"]
        return any(m["id"] == message_id and m["status"] == "delivered" for m in page)

    eventually(delivered)
    assert "Merci Zoë ! Votre robe est arrivée." in phone.received()

    # Reading clears the unread count
    assert api.post(f"/v1/conversations/{conversation_id}/read", token=lea).json()["unreadCount"] == 0
    assert api.get("/v1/inbox/unread", token=lea).json()["stores"][0]["unread"] == 0

    # When the customer texts STOP, consent ends and sending is refused
    phone.text(store_number, "STOP")
    assert _consent(world, lea, customer["id"]) == "opted_out"
    refused = api.post(f"/v1/conversations/{conversation_id}/messages", {"body": "?"}, token=lea)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "opted_out"
    history = api.get(f"/v1/customers/{customer['id']}/consents/history", token=lea).json()["items"]
    assert {(e["purpose"], e["status"], e["method"]) for e in history[:2]} == {
        ("conversational", "opted_out", "sms_keyword"),
        ("marketing", "opted_out", "sms_keyword"),
    }
    assert all(e["messageId"] for e in history[:2])  # the proof points at the text that caused it


def test_keywords_the_provider_does_not_know_are_answered_by_the_product(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    phone = Phone(local_stack, shop["phone"])
    # Twilio answers STOP itself (default store setting): the product must not answer it twice
    assert phone.text(shop["store"]["phoneNumber"], "STOP")["replies"] == []
    # ARRÊT is not a Twilio keyword: the product confirms the opt-out itself, in French
    replies = phone.text(shop["store"]["phoneNumber"], "Arrête")["replies"]
    assert len(replies) == 1
    assert "ne recevrez plus" in replies[0]


def test_an_unknown_number_becomes_an_unidentified_customer(world: World, local_stack: RunningStack) -> None:
    lea = world.token("lea", "associate", "paris")
    stranger = random_fr_mobile()
    Phone(local_stack, stranger).text(world.stores["paris"]["phoneNumber"], "Bonjour, vous avez du 38 ?")
    found = world.api.get("/v1/customers", params={"phone": stranger}, token=lea).json()["items"]
    assert len(found) == 1
    customer = world.api.get(f"/v1/customers/{found[0]['id']}", token=lea).json()
    assert customer["unidentified"] is True
    inbox = world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=lea).json()["items"]
    assert inbox[0]["lastMessagePreview"] == "Bonjour, vous avez du 38 ?"


def test_a_redelivered_message_is_stored_once(world: World, shop: dict[str, Any], local_stack: RunningStack) -> None:
    phone = Phone(local_stack, shop["phone"])
    first = phone.text(shop["store"]["phoneNumber"], "Bonjour !")
    for _ in range(5):
        again = phone.replay(first["messageSid"])
        assert again["status"] == 200
        assert again["twiml"] == first["twiml"]
    conversation_id = _conversation_id(world, shop["lea"])
    messages = world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["lea"]).json()["items"]
    assert [m["body"] for m in messages] == ["Bonjour !"]
    assert world.api.get(f"/v1/conversations/{conversation_id}", token=shop["lea"]).json()["unreadCount"] == 1


def test_a_forged_webhook_is_refused_and_stores_nothing(world: World, shop: dict[str, Any], local_gateway: str) -> None:
    form = {"MessageSid": "SM" + "0" * 32, "From": shop["phone"], "To": shop["store"]["phoneNumber"], "Body": "hi"}
    for signature in (None, "bm90IGEgc2lnbmF0dXJl"):
        headers = {"X-Twilio-Signature": signature} if signature else {}
        response = requests.post(f"{local_gateway}/webhooks/twilio/sms", data=form, headers=headers, timeout=10)
        assert response.status_code == 403
    inbox = world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=shop["lea"]).json()["items"]
    assert inbox == []


def _inbound_raw(stack: RunningStack, payload: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{stack.twilio.base_url}/_sim/inbound", json=payload, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_signed_webhook_with_a_repeated_field_is_accepted(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    # Given Twilio posts a form where a field name repeats, signed over every value
    payload = {
        "from": shop["phone"],
        "to": shop["store"]["phoneNumber"],
        "body": "Bonjour, deux questions",
        "extraFields": [["AddOns", '{"status":"successful"}'], ["AddOns", '{"status":"failed"}']],
    }

    # When it reaches the webhook
    answer = _inbound_raw(local_stack, payload)

    # Then the signature checks out (the pairs were not collapsed before the check) and the text is stored
    assert answer["status"] == 200, answer
    conversation_id = _conversation_id(world, shop["lea"])
    messages = world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["lea"]).json()["items"]
    assert [m["body"] for m in messages] == ["Bonjour, deux questions"]


def test_a_webhook_signed_with_hmac_sha256_and_a_shared_key_is_accepted(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    # Given Twilio signs with the account's SharedKey in HMAC-SHA256 (X-Twilio-Webhooks-Signature-Settings)
    payload = {
        "from": shop["phone"],
        "to": shop["store"]["phoneNumber"],
        "body": "Signé en SHA-256",
        "signatureAlgorithm": "HMAC_SHA256",
    }

    # When it is posted, and posted again (a redelivery is signed the same way)
    first = _inbound_raw(local_stack, payload)
    again = _inbound_raw(local_stack, {"replay": first["messageSid"]})

    # Then both pass, and the text is stored once
    assert first["status"] == 200, first
    assert again["status"] == 200, again
    conversation_id = _conversation_id(world, shop["lea"])
    messages = world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["lea"]).json()["items"]
    assert [m["body"] for m in messages] == ["Signé en SHA-256"]


def test_sha256_signatures_are_checked_with_the_key_and_algorithm_they_name(
    world: World, shop: dict[str, Any], local_gateway: str
) -> None:
    from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

    settings = config.LocalSettings.from_environment()
    url = f"{local_gateway}/webhooks/twilio/sms"
    form = {"MessageSid": "SM" + "1" * 32, "From": shop["phone"], "To": shop["store"]["phoneNumber"], "Body": "x"}
    shared = RequestValidator(settings.twilio_webhook_key).compute_signature(url, form, "HMAC_SHA256")
    with_token = RequestValidator(settings.twilio_auth_token).compute_signature(url, form, "HMAC_SHA256")
    cases = [
        # a SharedKey signature without the header that says so: checked as HMAC-SHA1 with the auth token
        (shared, None),
        # a key this deployment does not have
        (shared, "key=webhooks_sharedkey_unknown,algorithm=HMAC_SHA256"),
        # the right key named, the wrong algorithm named
        (shared, f"key={settings.twilio_webhook_key_id},algorithm=HMAC_SHA1"),
        # an algorithm nobody supports
        (shared, f"key={settings.twilio_webhook_key_id},algorithm=HMAC_MD5"),
        # signed with the auth token, while the header names the SharedKey
        (with_token, f"key={settings.twilio_webhook_key_id},algorithm=HMAC_SHA256"),
    ]
    for signature, signature_settings in cases:
        headers = {"X-Twilio-Signature": signature}
        if signature_settings:
            headers["X-Twilio-Webhooks-Signature-Settings"] = signature_settings
        response = requests.post(url, data=form, headers=headers, timeout=10)
        assert response.status_code == 403, (signature_settings, response.text)
    inbox = world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=shop["lea"]).json()["items"]
    assert inbox == []
    # And the real thing passes
    headers = {
        "X-Twilio-Signature": shared,
        "X-Twilio-Webhooks-Signature-Settings": f"key={settings.twilio_webhook_key_id},algorithm=HMAC_SHA256",
    }
    assert requests.post(url, data=form, headers=headers, timeout=10).status_code == 200


def test_mms_is_kept_with_every_image(world: World, shop: dict[str, Any], local_stack: RunningStack) -> None:
    phone = Phone(local_stack, shop["phone"])
    phone.text(shop["store"]["phoneNumber"], "Regardez", media=3)
    conversation_id = _conversation_id(world, shop["lea"])
    (message,) = world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["lea"]).json()["items"]
    assert len(message["media"]) == 3
    assert all(m["url"] is None or "twilio" not in m["url"] for m in message["media"])  # never the provider's


def test_transfer_to_an_available_colleague(world: World, shop: dict[str, Any], local_stack: RunningStack) -> None:
    phone = Phone(local_stack, shop["phone"])
    phone.text(shop["store"]["phoneNumber"], "Bonjour")
    conversation_id = _conversation_id(world, shop["lea"])
    taken = world.api.post(
        f"/v1/conversations/{conversation_id}/assignment", {"associateId": shop["lea_id"]}, token=shop["lea"]
    )
    assert taken.json()["assigneeId"] == shop["lea_id"]
    assert [c["id"] for c in world.api.get("/v1/inbox", token=shop["lea"]).json()["items"]] == [conversation_id]
    assert world.api.get("/v1/inbox/unread", token=shop["lea"]).json()["totalMine"] == 1

    moved = world.api.post(
        f"/v1/conversations/{conversation_id}/transfer",
        {"associateId": shop["tom_id"], "note": "Elle cherche une robe en 38"},
        token=shop["lea"],
    )
    assert moved.status_code == 200, moved.text
    assert world.api.get("/v1/inbox", token=shop["lea"]).json()["items"] == []
    assert [c["id"] for c in world.api.get("/v1/inbox", token=shop["tom"]).json()["items"]] == [conversation_id]
    assert world.api.get("/v1/inbox/unread", token=shop["tom"]).json()["totalMine"] == 1
    notes = [
        m
        for m in world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["tom"]).json()["items"]
        if m["direction"] == "note"
    ]
    assert notes[0]["body"] == "Elle cherche une robe en 38"


def test_other_stores_cannot_see_the_conversation(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    Phone(local_stack, shop["phone"]).text(shop["store"]["phoneNumber"], "Bonjour")
    conversation_id = _conversation_id(world, shop["lea"])
    outsider = world.token("nyc-associate", "associate", "nyc")
    assert world.api.get(f"/v1/conversations/{conversation_id}", token=outsider).status_code == 404
    assert world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=outsider).status_code == 403
    assert (
        world.api.post(f"/v1/conversations/{conversation_id}/messages", {"body": "x"}, token=outsider).status_code
        == 404
    )


def _opted_in_conversation(world: World, store: str, phone: Phone, token: str, customer_id: str) -> str:
    """Opt-in request answered YES: a conversation the associate may write in."""
    request = world.api.post(
        f"/v1/customers/{customer_id}/opt-in-request",
        {"storeId": world.store_id(store), "message": "Hi, it's the store."},
        token=token,
    )
    assert request.status_code == 200, request.text
    phone.text(world.stores[store]["phoneNumber"], "YES")
    return str(request.json()["conversationId"])


def _upload(world: World, token: str) -> str:
    slot = world.api.post("/v1/media/uploads", {"contentType": "image/png", "size": 68}, token=token).json()
    body = b"\x89PNG\r\n\x1a\n" + bytes(60)
    assert requests.put(slot["uploadUrl"], data=body, headers=slot["headers"], timeout=10).status_code == 200
    return str(slot["key"])


def test_pictures_go_by_mms_to_us_numbers_only(world: World, local_stack: RunningStack) -> None:
    # Given an associate of both stores, a US customer and a French customer, both opted in
    token = tokens.mint("both-stores", ["associate"], [world.store_id("paris"), world.store_id("nyc")])
    us_phone, fr_phone = Phone(local_stack, random_us_number()), Phone(local_stack, random_fr_mobile())
    us = world.api.post(
        "/v1/customers",
        {"firstName": "Mia", "lastName": "Lee", "phoneNumber": us_phone.number, "homeStoreId": world.store_id("nyc")},
        token=token,
    ).json()
    fr = world.api.post(
        "/v1/customers",
        {"firstName": "Zoé", "lastName": "Roy", "phoneNumber": fr_phone.number, "homeStoreId": world.store_id("paris")},
        token=token,
    ).json()
    us_conversation = _opted_in_conversation(world, "nyc", us_phone, token, us["id"])
    fr_conversation = _opted_in_conversation(world, "paris", fr_phone, token, fr["id"])
    key = _upload(world, token)

    # When the same picture is sent to both
    to_us = world.api.post(
        f"/v1/conversations/{us_conversation}/messages", {"body": "Look", "mediaKeys": [key]}, token=token
    )
    to_fr = world.api.post(
        f"/v1/conversations/{fr_conversation}/messages", {"body": "Regardez", "mediaKeys": [key]}, token=token
    )

    # Then the US customer gets it from our bucket, and France is a clear 422
    assert to_us.status_code == 200, to_us.text
    received = eventually(lambda: [m for m in us_phone.inbox() if m["body"] == "Look"])[0]
    assert len(received["mediaUrls"]) == 1
    assert requests.get(received["mediaUrls"][0], timeout=10).content.startswith(b"\x89PNG")
    assert to_fr.status_code == 422
    assert to_fr.json()["error"]["details"][0]["type"] == "mms_unsupported"


def test_someone_elses_upload_cannot_be_sent(world: World, local_stack: RunningStack) -> None:
    token = world.token("owner", "associate", "nyc")
    other = world.token("other", "associate", "nyc")
    phone = Phone(local_stack, random_us_number())
    customer = world.api.post(
        "/v1/customers",
        {"firstName": "A", "lastName": "B", "phoneNumber": phone.number, "homeStoreId": world.store_id("nyc")},
        token=other,
    ).json()
    conversation = _opted_in_conversation(world, "nyc", phone, other, customer["id"])
    key = _upload(world, token)
    response = world.api.post(f"/v1/conversations/{conversation}/messages", {"mediaKeys": [key]}, token=other)
    assert response.status_code == 422


def test_events_notify_the_store_and_copy_pictures_to_our_bucket(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    # Given an unassigned conversation: a customer texts two pictures
    phone = Phone(local_stack, shop["phone"])
    phone.text(shop["store"]["phoneNumber"], "Et celle-ci ?", media=2)

    # When the events committed with the text are published and consumed
    local_stack.events.drain()

    # Then both associates of the store are notified, and the pictures are now ours, behind presigned links
    for token in (shop["lea"], shop["tom"]):
        notifications = world.api.get("/v1/notifications", token=token).json()["items"]
        assert notifications[0]["kind"] == "new_message"
        assert notifications[0]["text"] == "New message from Zoë Martin"
    conversation_id = _conversation_id(world, shop["lea"])
    (message,) = world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["lea"]).json()["items"]
    assert [m["state"] for m in message["media"]] == ["stored", "stored"]
    for media in message["media"]:
        assert media["url"].startswith(os.environ["AWS_ENDPOINT_URL_S3"])
        assert requests.get(media["url"], timeout=10).content.startswith(b"\x89PNG")

    # And a redelivery of the same events notifies nobody twice
    local_stack.events.drain()
    assert len(world.api.get("/v1/notifications", token=shop["lea"]).json()["items"]) == 1


def test_an_assigned_conversation_notifies_only_its_available_assignee(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    phone = Phone(local_stack, shop["phone"])
    phone.text(shop["store"]["phoneNumber"], "Bonjour")
    conversation_id = _conversation_id(world, shop["lea"])
    world.api.post(
        f"/v1/conversations/{conversation_id}/assignment", {"associateId": shop["lea_id"]}, token=shop["lea"]
    )
    local_stack.events.drain()
    before = {k: len(world.api.get("/v1/notifications", token=shop[k]).json()["items"]) for k in ("lea", "tom")}

    phone.text(shop["store"]["phoneNumber"], "Vous êtes là ?")
    local_stack.events.drain()

    after = {k: len(world.api.get("/v1/notifications", token=shop[k]).json()["items"]) for k in ("lea", "tom")}
    assert after == {"lea": before["lea"] + 1, "tom": before["tom"]}


def test_search_by_name_phone_or_a_word_written(world: World, shop: dict[str, Any], local_stack: RunningStack) -> None:
    phone = Phone(local_stack, shop["phone"])
    phone.text(shop["store"]["phoneNumber"], "Avez-vous la robe émeraude en 38 ?")
    conversation_id = _conversation_id(world, shop["lea"])
    world.api.post(f"/v1/conversations/{conversation_id}/status", {"status": "closed"}, token=shop["lea"])
    path = f"/v1/stores/{world.store_id('paris')}/conversations"
    for query in ("emeraude", "ÉMER", "martin", "zoe", shop["phone"], "0" + shop["phone"][3:]):
        found = world.api.get(path, params={"q": query}, token=shop["lea"]).json()["items"]
        assert [c["id"] for c in found] == [conversation_id], query
        assert found[0]["status"] == "closed"
    assert world.api.get(path, params={"q": "chaussures"}, token=shop["lea"]).json()["items"] == []
    outsider = world.token("nyc", "associate", "nyc")
    assert world.api.get(path, params={"q": "robe"}, token=outsider).status_code == 403


def test_topics_show_in_the_inbox(world: World, shop: dict[str, Any], local_stack: RunningStack) -> None:
    Phone(local_stack, shop["phone"]).text(shop["store"]["phoneNumber"], "Bonjour")
    conversation_id = _conversation_id(world, shop["lea"])
    tagged = world.api.request(
        "PUT",
        f"/v1/conversations/{conversation_id}/topics",
        json={"topics": ["Wedding", "alterations", "wedding"]},
        token=shop["lea"],
    )
    assert tagged.status_code == 200, tagged.text
    inbox = world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=shop["lea"]).json()["items"]
    assert inbox[0]["topics"] == ["alterations", "wedding"]


def test_a_blocked_customer_is_kept_but_raises_nothing(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    phone = Phone(local_stack, shop["phone"])
    phone.text(shop["store"]["phoneNumber"], "Bonjour")
    conversation_id = _conversation_id(world, shop["lea"])
    world.api.post(f"/v1/conversations/{conversation_id}/read", token=shop["lea"])
    blocked = world.api.post(f"/v1/conversations/{conversation_id}/block", {"blocked": True}, token=shop["lea"])
    assert blocked.json()["blocked"] is True
    local_stack.events.drain()
    before = len(world.api.get("/v1/notifications", token=shop["tom"]).json()["items"])

    answer = phone.text(shop["store"]["phoneNumber"], "Vous m'entendez ?")
    local_stack.events.drain()

    assert answer["replies"] == []
    messages = world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["lea"]).json()["items"]
    assert messages[-1]["body"] == "Vous m'entendez ?"  # kept
    assert world.api.get(f"/v1/conversations/{conversation_id}", token=shop["lea"]).json()["unreadCount"] == 0
    assert len(world.api.get("/v1/notifications", token=shop["tom"]).json()["items"]) == before
    refused = world.api.post(f"/v1/conversations/{conversation_id}/messages", {"body": "?"}, token=shop["lea"])
    assert refused.status_code == 409


def test_the_inbox_is_ordered_by_latest_activity_and_paginated(world: World, local_stack: RunningStack) -> None:
    lea = world.token("lea", "associate", "paris")
    phones = [Phone(local_stack, random_fr_mobile()) for _ in range(5)]
    for phone in phones:
        phone.text(world.stores["paris"]["phoneNumber"], f"Bonjour de {phone.number}")
    phones[1].text(world.stores["paris"]["phoneNumber"], "Encore moi")  # back to the top
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", params=params, token=lea).json()
        seen += [c["phoneNumber"] for c in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    expected = [phones[1].number] + [p.number for p in reversed(phones) if p is not phones[1]]
    assert seen == expected


def test_a_text_through_a_messaging_service_is_routed_like_any_other(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    response = requests.post(
        f"{local_stack.twilio.base_url}/_sim/inbound",
        json={
            "from": shop["phone"],
            "to": shop["store"]["phoneNumber"],
            "body": "Via un service",
            "messagingServiceSid": "MG" + "1" * 32,
        },
        timeout=30,
    )
    assert response.json()["status"] == 200
    conversation_id = _conversation_id(world, shop["lea"])
    messages = world.api.get(f"/v1/conversations/{conversation_id}/messages", token=shop["lea"]).json()["items"]
    assert messages[0]["body"] == "Via un service"


def test_an_opt_out_in_other_words_stops_marketing_and_asks_the_associate(
    world: World, shop: dict[str, Any], local_stack: RunningStack
) -> None:
    phone = Phone(local_stack, shop["phone"])
    phone.text(shop["store"]["phoneNumber"], "Merci d'arrêter de m'envoyer des messages")
    conversation_id = _conversation_id(world, shop["lea"])
    conversation = world.api.get(f"/v1/conversations/{conversation_id}", token=shop["lea"]).json()
    assert conversation["flags"] == ["opt_out_intent"]
    customer = world.api.get(f"/v1/customers/{shop['customer']['id']}", token=shop["lea"]).json()
    marketing = [c for c in customer["consents"] if c["purpose"] == "marketing"]
    assert [(c["status"], c["method"]) for c in marketing] == [("opted_out", "sms_intent")]

    # The associate confirms: the customer wants no texts at all
    resolved = world.api.post(
        f"/v1/conversations/{conversation_id}/opt-out-intent", {"stopChat": True}, token=shop["lea"]
    )
    assert resolved.json()["flags"] == []
    assert _consent(world, shop["lea"], shop["customer"]["id"]) == "opted_out"
    again = world.api.post(
        f"/v1/conversations/{conversation_id}/opt-out-intent", {"stopChat": False}, token=shop["lea"]
    )
    assert again.status_code == 409


def test_saved_replies_fill_their_placeholders(world: World, shop: dict[str, Any], local_stack: RunningStack) -> None:
    manager = world.token("mgr", "manager", "paris")
    template = world.api.post(
        "/v1/templates",
        {
            "name": "Nouveautés",
            "storeId": world.store_id("paris"),
            "bodies": {
                "fr": "Bonjour {customer.first_name}, c'est {associate.display_name} de {store.name} !",
                "en": "Hi {customer.first_name}!",
            },
        },
        token=manager,
    )
    assert template.status_code == 201, template.text
    bad = world.api.post(
        "/v1/templates",
        {"name": "x", "storeId": world.store_id("paris"), "bodies": {"fr": "Bonjour {customer.email}"}},
        token=manager,
    )
    assert bad.status_code == 400
    associate_only = world.api.post(
        "/v1/templates", {"name": "x", "storeId": world.store_id("paris"), "bodies": {"fr": "x"}}, token=shop["lea"]
    )
    assert associate_only.status_code == 403

    phone = Phone(local_stack, shop["phone"])
    conversation_id = _opted_in_conversation(world, "paris", phone, shop["lea"], shop["customer"]["id"])
    sent = world.api.post(
        f"/v1/conversations/{conversation_id}/messages", {"templateId": template.json()["id"]}, token=shop["lea"]
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["body"] == f"Bonjour Zoë, c'est Lea de {shop['store']['name']} !"
