"""Send later: a one-time EventBridge Scheduler schedule per message, quiet hours, cancel, consent at send time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from functions.scheduled_messages import lambda_handler as deliver
from infra.local.clock import Clock
from infra.local.gateway import LambdaContext
from infra.local.runtime import install_clock
from infra.local.stack import RunningStack
from tests.conftest import World, random_fr_mobile
from tests.e2e.messaging_helpers import Phone

# A Wednesday, 10:00 in Paris (CET, UTC+1)
T0 = datetime(2027, 1, 13, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(local_stack: RunningStack) -> Iterator[Clock]:
    manual = Clock.manual(T0)
    install_clock(manual)
    yield manual
    install_clock(local_stack.events.clock)


@pytest.fixture
def chat(world: World, local_stack: RunningStack, clock: Clock) -> dict[str, Any]:
    token = world.token("lea", "associate", "paris")
    phone = Phone(local_stack, random_fr_mobile())
    customer = world.api.post(
        "/v1/customers",
        {"firstName": "Inès", "lastName": "Later", "phoneNumber": phone.number, "homeStoreId": world.store_id("paris")},
        token=token,
    ).json()
    asked = world.api.post(
        f"/v1/customers/{customer['id']}/opt-in-request",
        {"storeId": world.store_id("paris"), "message": "Bonjour Inès"},
        token=token,
    )
    phone.text(world.stores["paris"]["phoneNumber"], "OUI")
    return {"token": token, "phone": phone, "conversation": asked.json()["conversationId"], "customer": customer}


def schedules() -> dict[str, str]:
    client = boto3.client("scheduler")
    listed = client.list_schedules(GroupName="clienteling")["Schedules"]
    return {
        s["Name"]: client.get_schedule(Name=s["Name"], GroupName="clienteling")["ScheduleExpression"] for s in listed
    }


def fire(conversation: str, scheduled: str) -> str:
    context: Any = LambdaContext(function_name="ScheduledMessagesFunction")
    return str(deliver({"conversationId": conversation, "scheduledId": scheduled}, context)["state"])


def test_a_message_goes_out_at_its_time(world: World, chat: dict[str, Any], clock: Clock) -> None:
    path = f"/v1/conversations/{chat['conversation']}/scheduled-messages"
    response = world.api.post(
        path, {"body": "Vos retouches sont prêtes !", "sendAt": "2027-01-13T15:00:00+01:00"}, token=chat["token"]
    )
    assert response.status_code == 200, response.text
    scheduled = response.json()
    assert scheduled["state"] == "scheduled"
    assert scheduled["scheduledFor"] == "2027-01-13T14:00:00Z"
    assert schedules()[f"msg-{scheduled['id']}"] == "at(2027-01-13T14:00:00)"
    assert "Vos retouches sont prêtes !" not in chat["phone"].received()

    clock.set(datetime(2027, 1, 13, 14, 0, tzinfo=UTC))
    assert fire(chat["conversation"], scheduled["id"]) == "sent"
    assert "Vos retouches sont prêtes !" in chat["phone"].received()
    listed = world.api.get(path, token=chat["token"]).json()["items"]
    assert listed[0]["state"] == "sent"
    assert listed[0]["messageId"]
    # a second firing (Scheduler delivers at least once) sends nothing more
    assert fire(chat["conversation"], scheduled["id"]) == "sent"
    assert chat["phone"].received().count("Vos retouches sont prêtes !") == 1


def test_quiet_hours_move_it_to_the_next_allowed_time(world: World, chat: dict[str, Any]) -> None:
    # Saturday 21:30 in Paris: no marketing-style sends after 20:00, nor on Sundays: Monday 08:00
    response = world.api.post(
        f"/v1/conversations/{chat['conversation']}/scheduled-messages",
        {"body": "Bonne semaine !", "sendAt": "2027-01-16T21:30:00+01:00"},
        token=chat["token"],
    )
    assert response.json()["scheduledFor"] == "2027-01-18T07:00:00Z"
    assert response.json()["requestedFor"] == "2027-01-16T20:30:00Z"


def test_a_cancelled_message_never_goes(world: World, chat: dict[str, Any], clock: Clock) -> None:
    path = f"/v1/conversations/{chat['conversation']}/scheduled-messages"
    scheduled = world.api.post(
        path, {"body": "Annulé", "sendAt": "2027-01-13T16:00:00+01:00"}, token=chat["token"]
    ).json()
    cancelled = world.api.request("DELETE", f"{path}/{scheduled['id']}", token=chat["token"])
    assert cancelled.json()["state"] == "cancelled"
    assert f"msg-{scheduled['id']}" not in schedules()
    clock.set(datetime(2027, 1, 13, 15, 0, tzinfo=UTC))
    assert fire(chat["conversation"], scheduled["id"]) == "cancelled"
    assert "Annulé" not in chat["phone"].received()
    again = world.api.request("DELETE", f"{path}/{scheduled['id']}", token=chat["token"])
    assert again.status_code == 409


def test_consent_is_checked_again_when_it_goes(world: World, chat: dict[str, Any], clock: Clock) -> None:
    path = f"/v1/conversations/{chat['conversation']}/scheduled-messages"
    scheduled = world.api.post(
        path, {"body": "Trop tard", "sendAt": "2027-01-13T17:00:00+01:00"}, token=chat["token"]
    ).json()
    chat["phone"].text(world.stores["paris"]["phoneNumber"], "STOP")
    clock.set(datetime(2027, 1, 13, 16, 0, tzinfo=UTC))
    assert fire(chat["conversation"], scheduled["id"]) == "failed"
    assert world.api.get(path, token=chat["token"]).json()["items"][0]["reason"] == "opted_out"
    assert "Trop tard" not in chat["phone"].received()


@pytest.mark.parametrize("send_at", ["2027-01-13T09:00:00+01:00", "2029-01-13T09:00:00+01:00", "2027-01-13T15:00:00"])
def test_bad_times_are_refused(world: World, chat: dict[str, Any], send_at: str) -> None:
    response = world.api.post(
        f"/v1/conversations/{chat['conversation']}/scheduled-messages",
        {"body": "x", "sendAt": send_at},
        token=chat["token"],
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["loc"] == ["body", "sendAt"]


def test_other_stores_cannot_schedule(world: World, chat: dict[str, Any]) -> None:
    outsider = world.token("nyc", "associate", "nyc")
    response = world.api.post(
        f"/v1/conversations/{chat['conversation']}/scheduled-messages",
        {"body": "x", "sendAt": (T0 + timedelta(hours=2)).isoformat()},
        token=outsider,
    )
    assert response.status_code == 404
