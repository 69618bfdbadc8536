"""Writes that can race are conditional: exactly one of two concurrent writers wins, on DynamoDB Local."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from clienteling.directory import wiring as directory_wiring
from clienteling.directory.contracts.customers import CustomerCreate, CustomerUpdate
from clienteling.directory.contracts.stores import StoreCreate
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.errors import AlreadyExists, StaleVersion

from tests.conftest import random_fr_landline, random_fr_mobile, store_body

ADMIN = Caller("admin", frozenset({Role.ADMIN}))


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Run actions at the same moment on threads; return each result or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _store() -> str:
    return directory_wiring.store_service().create(ADMIN, StoreCreate.model_validate(store_body("Race store"))).id


def test_two_updates_from_the_same_version_one_wins() -> None:
    # Given a customer both associates read at version 1
    service = directory_wiring.customer_service()
    store_id = _store()
    customer = service.create(ADMIN, CustomerCreate(first_name="Ann", last_name="Race", home_store_id=store_id))

    # When both save a change from that version at once
    results = race(
        lambda: service.update(ADMIN, customer.id, CustomerUpdate(notes="from A"), expected_version=1),
        lambda: service.update(ADMIN, customer.id, CustomerUpdate(notes="from B"), expected_version=1),
    )

    # Then one saved and the other was told its version is stale; nothing was overwritten
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert sum(isinstance(r, StaleVersion) for r in results) == 1
    saved = service.get(ADMIN, customer.id)
    assert saved.version == 2
    assert saved.notes == winners[0].notes


def test_two_customers_with_the_same_phone_at_once_one_wins() -> None:
    service = directory_wiring.customer_service()
    store_id = _store()
    phone = random_fr_mobile()
    results = race(
        *[
            (
                lambda n=n: service.create(
                    ADMIN,
                    CustomerCreate(first_name=f"P{n}", last_name="Same", home_store_id=store_id, phone_number=phone),
                )
            )
            for n in range(4)
        ]
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert sum(isinstance(r, AlreadyExists) for r in results) == 3
    page = service.find(ADMIN, phone=phone, limit=10, cursor=None)
    assert len(page.items) == 1


def test_two_stores_claiming_the_same_number_at_once_one_wins() -> None:
    phone = random_fr_landline()
    service = directory_wiring.store_service()

    def create() -> Any:
        body = store_body("Twin", phone=phone)
        return service.create(ADMIN, StoreCreate.model_validate(body))

    results = race(create, create)
    assert sum(isinstance(r, AlreadyExists) for r in results) == 1
