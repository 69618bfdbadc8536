"""Outreach lists and campaigns end to end: the associate app through the gateway, customers' phones through the
Twilio simulator, emails through moto's SES, and the stack's clock moved forward (no sleeping) so one-time
schedules fire, texts go out paced, quiet hours end, and the statistics follow from the bus's events."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import holidays
import requests

from infra.local.stack import RunningStack
from tests.conftest import World, random_fr_mobile, random_us_number
from tests.e2e.messaging_helpers import Phone, eventually

PARIS = ZoneInfo("Europe/Paris")
FR_HOLIDAYS = holidays.country_holidays("FR")


def _next_weekday_at(local_stack: RunningStack, hour: int, minute: int = 0) -> datetime:
    """The next Tuesday-Friday (no French holiday) at hh:mm Paris, at least a day after the stack's time."""
    day = (local_stack.events.clock.now() + timedelta(days=1)).astimezone(PARIS).date()
    while day.weekday() not in (1, 2, 3, 4) or day in FR_HOLIDAYS or (day + timedelta(days=1)) in FR_HOLIDAYS:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def _move_to(local_stack: RunningStack, instant: datetime) -> None:
    """Move the stack's clock: what falls due on the way runs (schedules, queues, events), in order."""
    local_stack.events.drain()
    local_stack.events.clock.set(instant)
    local_stack.events.drain()


def _settle(local_stack: RunningStack, check: Any) -> Any:
    """Wait for the simulator's status callbacks and the events they cause."""

    def done() -> Any:
        local_stack.events.drain()
        return check()

    return eventually(done, timeout=15)


def _customer(
    world: World,
    token: str,
    store: str,
    *,
    phone: str | None,
    email: str | None = None,
    sms: bool = True,
    mail: bool = False,
) -> dict[str, Any]:
    # Names of their own: other suites search customers by name across the business.
    body: dict[str, Any] = {
        "firstName": "Lina",
        "lastName": f"Cmp{os.urandom(3).hex()}",
        "homeStoreId": world.store_id(store),
    }
    if phone:
        body["phoneNumber"] = phone
    if email:
        body["email"] = email
    created = world.api.post("/v1/customers", body, token=token)
    assert created.status_code == 201, created.text
    customer = created.json()
    consents = []
    if sms and phone:
        consents.append({"channel": "sms", "storeId": world.store_id(store)})
    if mail and email:
        consents.append({"channel": "email"})
    for consent in consents:
        recorded = world.api.post(
            f"/v1/customers/{customer['id']}/consents",
            {
                **consent,
                "purpose": "marketing",
                "status": "opted_in",
                "method": "in_store_form",
                "wording": "Oui, envoyez-moi les offres",
                "wordingVersion": "2026-01",
            },
            token=token,
        )
        assert recorded.status_code == 201, recorded.text
    return dict(customer)


def _grant_for(world: World, preview: dict[str, Any]) -> None:
    shortfall = preview["credits"]["shortfall"]
    if shortfall:
        granted = world.api.post(
            "/v1/credits", {"kind": preview["credits"]["kind"], "amount": shortfall}, token=world.admin
        )
        assert granted.status_code == 200, granted.text


def _stats(world: World, token: str, campaign_id: str) -> dict[str, Any]:
    return dict(world.api.get(f"/v1/campaigns/{campaign_id}", token=token).json())


def test_a_manager_tags_previews_tests_schedules_and_sees_it_sent_with_stats(
    world: World, local_stack: RunningStack
) -> None:
    api, paris = world.api, world.store_id("paris")
    manager = world.token("camille-" + os.urandom(3).hex(), "manager", "paris")
    phones = [random_fr_mobile() for _ in range(3)]
    people = [_customer(world, manager, "paris", phone=p) for p in phones]
    people.append(_customer(world, manager, "paris", phone=random_fr_mobile(), sms=False))  # never opted in
    tag = "vip-" + os.urandom(3).hex()

    # A manager tags them in bulk by customer number (one unknown number among them)
    tagged = api.post(
        f"/v1/segments/{tag}/customers",
        {"customerNumbers": [p["customerNumber"] for p in people] + ["1234567897"]},
        token=manager,
    )
    assert tagged.status_code == 200, tagged.text
    assert (tagged.json()["changed"], tagged.json()["unknownCustomerNumbers"]) == (4, ["1234567897"])
    counts = api.get("/v1/outreach", params={"storeId": paris}, token=manager).json()
    assert {"tag": tag, "customers": 4, "stores": {paris: 4}} in counts
    listed = api.get(f"/v1/outreach/{tag}", params={"storeId": paris}, token=manager).json()["items"]
    assert {e["reach"] for e in listed} == {"opt_in_request"}

    # And prepares a text for tomorrow 10:00 in the store's time zone
    send_at = _next_weekday_at(local_stack, 10)
    created = api.post(
        "/v1/campaigns",
        {
            "name": "Soldes d'hiver",
            "channel": "sms",
            "storeId": paris,
            "audience": {"tags": [tag]},
            "content": {"fr": "Bonjour {customer.first_name}, -20% ce week-end chez {store.name}."},
            "sendAt": send_at.strftime("%Y-%m-%dT%H:%M:%S"),
        },
        token=manager,
    )
    assert created.status_code == 201, created.text
    campaign = created.json()

    # The preview counts recipients and exclusions, shows the text with its STOP mention, and the credits
    preview = api.post(f"/v1/campaigns/{campaign['id']}/preview", token=manager).json()
    assert (preview["recipients"], preview["excluded"]) == (3, {"no_consent": 1})
    assert preview["deferredByQuietHours"] == 0
    assert preview["sms"]["optOutMention"].startswith("STOP au 0")
    assert preview["sms"]["sample"].endswith(preview["sms"]["optOutMention"])
    assert preview["credits"]["needed"] == 3 * preview["sms"]["maxSegments"]

    # A test goes to the manager's own phone, as a customer would get it
    own = random_fr_mobile()
    test = api.post(f"/v1/campaigns/{campaign['id']}/test", {"phoneNumber": own}, token=manager)
    assert test.status_code == 200, test.text
    assert Phone(local_stack, own).received() == [test.json()["text"]]

    # Without enough credits it cannot be scheduled: 409 with the shortfall
    if preview["credits"]["shortfall"]:
        refused = api.post(f"/v1/campaigns/{campaign['id']}/schedule", token=manager)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "insufficient_credits"
        assert refused.json()["error"]["details"][0]["shortfall"] == preview["credits"]["shortfall"]
    _grant_for(world, preview)
    scheduled = api.post(f"/v1/campaigns/{campaign['id']}/schedule", token=manager)
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled"

    # Nothing goes before its time
    _move_to(local_stack, send_at - timedelta(minutes=1))
    assert all(Phone(local_stack, p).received() == [] for p in phones)

    # When the clock passes 10:00 Paris, every opted-in customer gets it once, and it ends sent
    _move_to(local_stack, send_at + timedelta(minutes=2))
    texts = [Phone(local_stack, p).received() for p in phones]
    assert all(len(t) == 1 and t[0].startswith("Bonjour Lina, -20%") for t in texts), texts
    assert all(t[0].endswith(preview["sms"]["optOutMention"]) for t in texts)
    sent = _settle(local_stack, lambda: (s := _stats(world, manager, campaign["id"]))["stats"]["delivered"] == 3 and s)
    assert sent["status"] == "sent"
    assert (sent["stats"]["recipients"], sent["stats"]["sent"], sent["stats"]["excluded"]) == (3, 3, {"no_consent": 1})

    # The text is in each customer's conversation, which stays out of the open inbox until they answer
    first = people[0]
    listed = api.get(f"/v1/outreach/{tag}", params={"storeId": paris}, token=manager).json()["items"]
    conversation_id = next(e["conversationId"] for e in listed if e["customerId"] == first["id"])
    assert conversation_id is not None
    messages = api.get(f"/v1/conversations/{conversation_id}/messages", token=manager).json()["items"]
    assert [m["campaignId"] for m in messages] == [campaign["id"]]
    open_inbox = api.get(f"/v1/stores/{paris}/inbox", token=manager).json()["items"]
    assert conversation_id not in [c["id"] for c in open_inbox]

    # When one customer answers and another texts STOP, the reply lands in the chat and both are counted
    store_number = world.stores["paris"]["phoneNumber"]
    Phone(local_stack, phones[0]).text(store_number, "Super, j'arrive samedi !")
    open_inbox = api.get(f"/v1/stores/{paris}/inbox", token=manager).json()["items"]
    assert (open_inbox[0]["id"], open_inbox[0]["lastMessagePreview"]) == (conversation_id, "Super, j'arrive samedi !")
    Phone(local_stack, phones[1]).text(store_number, "STOP")
    final = _settle(
        local_stack,
        lambda: (
            (s := _stats(world, manager, campaign["id"]))["stats"]["replies"] == 1 and s["stats"]["optedOut"] == 1 and s
        ),
    )
    assert final["stats"]["replies"] == 1


def test_quiet_hours_hold_each_recipient_in_their_own_time_zone(world: World, local_stack: RunningStack) -> None:
    # Given a Paris store's customers, one with a French number and one with a San Francisco number
    api, paris = world.api, world.store_id("paris")
    manager = world.token("m-" + os.urandom(3).hex(), "manager", "paris")
    french, american = random_fr_mobile(), random_us_number()
    for phone in (french, american):
        _customer(world, manager, "paris", phone=phone)
    tag = "qh-" + os.urandom(3).hex()
    tagged = api.post(f"/v1/segments/{tag}/customers", _ids(api, manager, [french, american]), token=manager)
    assert tagged.json()["changed"] == 2

    # When a campaign is sent "now" at 20:30 in Paris (11:30 in San Francisco)
    evening = _next_weekday_at(local_stack, 20, 28)
    _move_to(local_stack, evening)
    campaign = api.post(
        "/v1/campaigns",
        {
            "name": "Ce soir",
            "channel": "sms",
            "storeId": paris,
            "audience": {"tags": [tag]},
            "content": {"fr": "Nouvelle collection en boutique"},
        },
        token=manager,
    ).json()
    preview = api.post(f"/v1/campaigns/{campaign['id']}/preview", token=manager).json()
    assert (preview["recipients"], preview["deferredByQuietHours"]) == (2, 1)
    _grant_for(world, preview)
    assert api.post(f"/v1/campaigns/{campaign['id']}/schedule", token=manager).status_code == 200
    _move_to(local_stack, evening + timedelta(minutes=3))

    # Then the Californian got it at once; the French customer did not
    assert len(Phone(local_stack, american).received()) == 1
    assert Phone(local_stack, french).received() == []
    assert _stats(world, manager, campaign["id"])["status"] == "sending"

    # When the clock reaches 08:00 in Paris the next morning, the French text goes, and the campaign is sent
    _move_to(local_stack, (evening + timedelta(days=1)).replace(hour=8, minute=1))
    assert len(Phone(local_stack, french).received()) == 1
    assert _stats(world, manager, campaign["id"])["status"] == "sent"


def test_a_provider_outage_is_retried_then_dead_lettered_and_refunded(world: World, local_stack: RunningStack) -> None:
    api, nyc = world.api, world.store_id("nyc")
    manager = world.token("m-" + os.urandom(3).hex(), "manager", "nyc")
    phone = random_us_number()
    customer = _customer(world, manager, "nyc", phone=phone)
    noon = _next_weekday_at(local_stack, 18)  # 12:00 in New York
    _move_to(local_stack, noon)
    requests.post(f"{local_stack.twilio.base_url}/_sim/unavailable", json={"phone": phone}, timeout=10)
    try:
        campaign = api.post(
            "/v1/campaigns",
            {"name": "Outage", "channel": "sms", "storeId": nyc, "content": {"en": "Hi!"}},
            token=manager,
        ).json()
        preview = api.post(f"/v1/campaigns/{campaign['id']}/preview", token=manager).json()
        _grant_for(world, preview)
        before = api.get("/v1/credits", token=manager).json()["sms"]
        assert api.post(f"/v1/campaigns/{campaign['id']}/schedule", token=manager).status_code == 200

        # When it starts and Twilio keeps answering 503 for that number
        _move_to(local_stack, noon + timedelta(minutes=3))

        # Then the sender tried three times (the queue's maxReceiveCount) and the message is in the DLQ
        mine = [
            i
            for i in local_stack.events.invocations("CampaignSenderFunction")
            if customer["id"] in str(i.event) and campaign["id"] in str(i.event)
        ]
        assert [i.outcome for i in mine][-3:] == ["partial", "partial", "partial"]
        sqs = boto3.client("sqs")
        dead = sqs.receive_message(QueueUrl=local_stack.events.queue_url("CampaignSendDlq"), MaxNumberOfMessages=10)
        assert any(campaign["id"] in m["Body"] for m in dead.get("Messages", []))
        # And the failure is counted and its credits came back
        final = _stats(world, manager, campaign["id"])
        assert (final["status"], final["stats"]["failed"], final["stats"]["sent"]) == ("sent", 1, 0)
        assert api.get("/v1/credits", token=manager).json()["sms"] == before
    finally:
        requests.post(
            f"{local_stack.twilio.base_url}/_sim/unavailable", json={"phone": phone, "remove": True}, timeout=10
        )


def email_campaign_link(world: World, local_stack: RunningStack) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A Paris customer opted in to marketing emails gets an email campaign: (customer, campaign id, email)."""
    api, paris = world.api, world.store_id("paris")
    admin = world.admin
    address = f"zoe.{os.urandom(4).hex()}@example.com"
    customer = _customer(world, admin, "paris", phone=None, email=address, mail=True)
    campaign = api.post(
        "/v1/campaigns",
        {
            "name": "Lettre",
            "channel": "email",
            "storeId": paris,
            "content": {"fr": "Bonjour {customer.first_name}"},
            "subject": {"fr": "Nos nouveautés"},
        },
        token=admin,
    ).json()
    preview = api.post(f"/v1/campaigns/{campaign['id']}/preview", token=admin).json()
    assert preview["credits"]["kind"] == "email"
    _grant_for(world, preview)
    assert api.post(f"/v1/campaigns/{campaign['id']}/schedule", token=admin).status_code == 200
    _move_to(local_stack, local_stack.events.clock.now() + timedelta(minutes=3))
    (email,) = api.get("/_local/emails", params={"to": address}).json()["emails"]
    return customer, str(campaign["id"]), dict(email)


def email_consent(world: World, customer_id: str) -> list[dict[str, Any]]:
    """The customer's email marketing consent decisions, newest first."""
    history = world.api.get(f"/v1/customers/{customer_id}/consents/history", token=world.admin).json()["items"]
    return [e for e in history if (e["channel"], e["purpose"]) == ("email", "marketing")]


def test_an_email_campaign_unsubscribes_in_one_click(world: World, local_stack: RunningStack) -> None:
    admin = world.admin
    customer, campaign_id, email = email_campaign_link(world, local_stack)
    campaign = {"id": campaign_id}

    # The email arrived with its link and RFC 8058 headers
    assert email["subject"] == "Nos nouveautés"
    assert email["listUnsubscribePost"] == "List-Unsubscribe=One-Click"
    link = email["listUnsubscribe"]
    assert link in email["text"]
    opted_in = email_consent(world, customer["id"])

    # Opening the link (a mail scanner does, for every link) shows a confirmation page and changes nothing
    for _ in range(2):
        page = requests.get(link, timeout=10)
        assert page.status_code == 200
        assert "Voulez-vous ne plus recevoir nos emails marketing" in page.text
        assert '<form method="post">' in page.text
    requests.head(link, timeout=10)
    assert email_consent(world, customer["id"]) == opted_in

    # The one-click POST (the mail client's button, RFC 8058) opts out, with the link as proof
    done = requests.post(link, data="List-Unsubscribe=One-Click", timeout=10)
    assert done.status_code == 200
    assert "désabonné" in done.text
    history = email_consent(world, customer["id"])
    assert (history[0]["status"], history[0]["method"]) == ("opted_out", "email_link")
    assert requests.post(link, data="List-Unsubscribe=One-Click", timeout=10).status_code == 200  # already: fine
    assert len(email_consent(world, customer["id"])) == len(history)
    assert "déjà" in requests.get(link, timeout=10).text
    forged = requests.get(link[:-3] + "AAA", timeout=10)
    assert forged.status_code == 400
    assert requests.post(link[:-3] + "AAA", timeout=10).status_code == 400
    # And the campaign counts the opt-out
    _settle(local_stack, lambda: _stats(world, admin, campaign["id"])["stats"]["optedOut"] == 1)


def test_who_may_run_campaigns_and_see_outreach(world: World) -> None:
    api, paris, nyc = world.api, world.store_id("paris"), world.store_id("nyc")
    associate = world.token("a-" + os.urandom(3).hex(), "associate", "paris")
    paris_manager = world.token("pm-" + os.urandom(3).hex(), "manager", "paris")
    nyc_manager = world.token("nm-" + os.urandom(3).hex(), "manager", "nyc")
    body = {"name": "X", "channel": "sms", "storeId": paris, "content": {"fr": "Bonjour"}}

    assert api.post("/v1/campaigns", body, token=associate).status_code == 403
    assert api.post("/v1/campaigns", body, token=nyc_manager).status_code == 403
    assert api.post("/v1/campaigns", {**body, "storeId": None}, token=paris_manager).status_code == 403
    assert api.post("/v1/campaigns", {**body, "storeId": None}, token=world.admin).status_code == 201
    mine = api.post("/v1/campaigns", body, token=paris_manager).json()
    assert api.get(f"/v1/campaigns/{mine['id']}", token=nyc_manager).status_code == 404
    assert api.post(f"/v1/campaigns/{mine['id']}/preview", token=associate).status_code == 403
    assert api.post("/v1/credits", {"kind": "sms", "amount": 5}, token=paris_manager).status_code == 403
    assert api.get("/v1/credits", token=associate).status_code == 403
    assert api.post("/v1/segments/vip/customers", {"customerIds": ["x"]}, token=associate).status_code == 403
    assert api.get("/v1/outreach", params={"storeId": paris}, token=associate).status_code == 200
    assert api.get("/v1/outreach", params={"storeId": nyc}, token=associate).status_code == 403
    assert api.get("/v1/outreach/vip", params={"storeId": nyc}, token=associate).status_code == 403
    assert api.get("/v1/outreach/vip", token=associate).status_code == 200  # their one store
    assert api.get("/v1/outreach/vip", token=paris_manager).status_code == 200  # global outreach
    bad = api.post("/v1/campaigns", {**body, "content": {"fr": "{associate.display_name}"}}, token=paris_manager)
    assert bad.status_code == 400


def _ids(api: Any, token: str, phones: list[str]) -> dict[str, list[str]]:
    found = [api.get("/v1/customers", params={"phone": p}, token=token).json()["items"][0]["id"] for p in phones]
    return {"customerIds": found}
