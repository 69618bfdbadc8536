"""Auto-archiving at its exact boundaries, on a manual clock: inactivity, opt-out, unanswered opt-in requests;
an archived conversation comes back to the top when the customer writes again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from functions.archive_conversations import lambda_handler as sweep_handler
from infra.local.clock import Clock
from infra.local.gateway import LambdaContext
from infra.local.runtime import install_clock
from infra.local.stack import RunningStack
from tests.conftest import World, random_fr_mobile
from tests.e2e.messaging_helpers import Phone

T0 = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def clock(local_stack: RunningStack) -> Iterator[Clock]:
    manual = Clock.manual(T0)
    install_clock(manual)
    yield manual
    install_clock(local_stack.events.clock)


def sweep() -> dict[str, Any]:
    context: Any = LambdaContext(function_name="ArchiveConversations")  # the runtime's stand-in for Lambda's
    return dict(sweep_handler({"source": "aws.scheduler"}, context))


def status(world: World, token: str, conversation_id: str) -> str:
    return str(world.api.get(f"/v1/conversations/{conversation_id}", token=token).json()["status"])


def open_inbox(world: World, token: str) -> list[str]:
    inbox = world.api.get(f"/v1/stores/{world.store_id('paris')}/inbox", token=token).json()["items"]
    return [c["id"] for c in inbox]


@pytest.fixture
def texting(world: World, local_stack: RunningStack, clock: Clock) -> dict[str, Any]:
    token = world.token("lea", "associate", "paris")
    phone = Phone(local_stack, random_fr_mobile())
    phone.text(world.stores["paris"]["phoneNumber"], "Bonjour")
    (conversation_id,) = open_inbox(world, token)
    return {"token": token, "phone": phone, "conversation": conversation_id}


def test_four_months_without_activity_archives_to_the_second(
    world: World, clock: Clock, texting: dict[str, Any]
) -> None:
    due = T0 + relativedelta(months=4)
    clock.set(due - SECOND)
    assert sweep()["done"] == 0
    assert status(world, texting["token"], texting["conversation"]) == "open"

    clock.set(due)
    report = sweep()
    assert report["done"] == 1
    assert status(world, texting["token"], texting["conversation"]) == "archived"
    assert texting["conversation"] not in open_inbox(world, texting["token"])
    archived = world.api.get(
        f"/v1/stores/{world.store_id('paris')}/inbox", params={"status": "archived"}, token=texting["token"]
    ).json()["items"]
    assert [c["id"] for c in archived] == [texting["conversation"]]

    # Idempotent: nothing more to do
    assert sweep()["examined"] == 0


def test_a_text_brings_an_archived_conversation_back_to_the_top(
    world: World, clock: Clock, texting: dict[str, Any], local_stack: RunningStack
) -> None:
    other = Phone(local_stack, random_fr_mobile())
    clock.set(T0 + timedelta(days=30))
    other.text(world.stores["paris"]["phoneNumber"], "Moi aussi")
    clock.set(T0 + relativedelta(months=4))
    sweep()
    assert texting["conversation"] not in open_inbox(world, texting["token"])

    back = T0 + relativedelta(months=4) + timedelta(days=3)
    clock.set(back)
    texting["phone"].text(world.stores["paris"]["phoneNumber"], "Je reviens !")

    inbox = open_inbox(world, texting["token"])
    assert inbox[0] == texting["conversation"]
    # and it is due again four months from this text
    clock.set(back + relativedelta(months=4) - SECOND)
    sweep()
    assert status(world, texting["token"], texting["conversation"]) == "open"


def test_two_days_after_an_opt_out(world: World, clock: Clock, texting: dict[str, Any]) -> None:
    clock.set(T0 + timedelta(days=10))
    texting["phone"].text(world.stores["paris"]["phoneNumber"], "STOP")
    stopped = T0 + timedelta(days=10)
    clock.set(stopped + timedelta(days=2) - SECOND)
    sweep()
    assert status(world, texting["token"], texting["conversation"]) == "open"
    clock.set(stopped + timedelta(days=2))
    sweep()
    assert status(world, texting["token"], texting["conversation"]) == "archived"


def test_seven_days_after_an_unanswered_opt_in_request(world: World, clock: Clock, local_stack: RunningStack) -> None:
    token = world.token("lea", "associate", "paris")
    phone = Phone(local_stack, random_fr_mobile())
    customer = world.api.post(
        "/v1/customers",
        {"firstName": "Ana", "lastName": "Silent", "phoneNumber": phone.number, "homeStoreId": world.store_id("paris")},
        token=token,
    ).json()
    asked = world.api.post(
        f"/v1/customers/{customer['id']}/opt-in-request",
        {"storeId": world.store_id("paris"), "message": "Bonjour Ana"},
        token=token,
    )
    conversation_id = asked.json()["conversationId"]
    clock.set(T0 + timedelta(days=7) - SECOND)
    sweep()
    assert status(world, token, conversation_id) == "open"
    clock.set(T0 + timedelta(days=7))
    sweep()
    assert status(world, token, conversation_id) == "archived"


def test_an_answered_opt_in_request_waits_four_months(world: World, clock: Clock, local_stack: RunningStack) -> None:
    token = world.token("lea", "associate", "paris")
    phone = Phone(local_stack, random_fr_mobile())
    customer = world.api.post(
        "/v1/customers",
        {"firstName": "Bo", "lastName": "Yes", "phoneNumber": phone.number, "homeStoreId": world.store_id("paris")},
        token=token,
    ).json()
    asked = world.api.post(
        f"/v1/customers/{customer['id']}/opt-in-request",
        {"storeId": world.store_id("paris"), "message": "Bonjour Bo"},
        token=token,
    )
    conversation_id = asked.json()["conversationId"]
    clock.set(T0 + timedelta(days=1))
    phone.text(world.stores["paris"]["phoneNumber"], "Oui")
    clock.set(T0 + timedelta(days=8))
    sweep()
    assert status(world, token, conversation_id) == "open"
