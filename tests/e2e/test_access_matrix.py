"""Role x endpoint x own/other store: who may do what, enforced by the services, seen through HTTP."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
import requests

from infra.local import tokens
from tests.conftest import World, random_fr_mobile, store_body

Call = Callable[[World, str, str], requests.Response]


def _customer(world: World, store: str) -> dict[str, Any]:
    token = tokens.mint("setup", ["admin"], [])
    body = {
        "firstName": "Matrix",
        "lastName": "Case",
        "homeStoreId": world.store_id(store),
        "phoneNumber": random_fr_mobile(),
    }
    return dict(world.api.post("/v1/customers", body, token=token).json())


def _associate(world: World, store: str) -> dict[str, Any]:
    body = {
        "displayName": "Colleague",
        "email": f"c{os.urandom(4).hex()}@shop.example",
        "storeIds": [world.store_id(store)],
    }
    response = world.api.post("/v1/associates", body, token=world.admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


CASES: dict[str, Call] = {
    "read store": lambda w, tok, s: w.api.get(f"/v1/stores/{w.store_id(s)}", token=tok),
    "update store": lambda w, tok, s: w.api.patch(
        f"/v1/stores/{w.store_id(s)}", {"name": "Renamed"}, etag='"1"', token=tok
    ),
    "create store": lambda w, tok, s: w.api.post("/v1/stores", store_body("New"), token=tok),
    "create customer": lambda w, tok, s: w.api.post(
        "/v1/customers", {"firstName": "A", "lastName": "B", "homeStoreId": w.store_id(s)}, token=tok
    ),
    "list store customers": lambda w, tok, s: w.api.get("/v1/customers", params={"storeId": w.store_id(s)}, token=tok),
    "move customer to store": lambda w, tok, s: w.api.patch(
        f"/v1/customers/{_customer(w, 'paris')['id']}", {"homeStoreId": w.store_id(s)}, etag='"1"', token=tok
    ),
    "record store consent": lambda w, tok, s: w.api.post(
        f"/v1/customers/{_customer(w, 'paris')['id']}/consents",
        {"channel": "sms", "purpose": "marketing", "status": "opted_out", "method": "verbal", "storeId": w.store_id(s)},
        token=tok,
    ),
    "list associates": lambda w, tok, s: w.api.get("/v1/associates", params={"storeId": w.store_id(s)}, token=tok),
    "onboard associate": lambda w, tok, s: w.api.post(
        "/v1/associates",
        {"displayName": "New", "email": f"n{os.urandom(4).hex()}@shop.example", "storeIds": [w.store_id(s)]},
        token=tok,
    ),
    "read colleague": lambda w, tok, s: w.api.get(f"/v1/associates/{_associate(w, s)['id']}", token=tok),
    "change colleague": lambda w, tok, s: w.api.patch(
        f"/v1/associates/{_associate(w, s)['id']}", {"displayName": "Changed"}, etag='"1"', token=tok
    ),
    "set cart settings": lambda w, tok, s: w.api.patch(
        f"/v1/stores/{w.store_id(s)}", {"cartSettings": {"maxDiscountPercent": 10}}, etag='"1"', token=tok
    ),
    "read customer cart": lambda w, tok, s: w.api.get(
        f"/v1/customers/{_customer(w, 'paris')['id']}/cart", params={"storeId": w.store_id(s)}, token=tok
    ),
    "import catalog": lambda w, tok, s: w.api.request(
        "POST",
        "/v1/catalog/import",
        data=json.dumps(
            {
                "sku": f"M-{os.urandom(4).hex()}",
                "name": "Matrix",
                "priceMinor": 100,
                "currency": "EUR",
                "availability": {w.store_id(s): True},
            }
        ),
        headers={"Content-Type": "application/x-ndjson"},
        token=tok,
    ),
}

# Expected status for (case, role, own store?). Admins act everywhere.
ALLOWED = {
    "read store": {
        ("associate", True): 200,
        ("manager", True): 200,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "update store": {
        ("associate", True): 403,
        ("manager", True): 403,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "create store": {
        ("associate", True): 403,
        ("manager", True): 403,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "create customer": {
        ("associate", True): 201,
        ("manager", True): 201,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "list store customers": {
        ("associate", True): 200,
        ("manager", True): 200,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "move customer to store": {
        ("associate", True): 200,
        ("manager", True): 200,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "record store consent": {
        ("associate", True): 201,
        ("manager", True): 201,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "list associates": {
        ("associate", True): 200,
        ("manager", True): 200,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "onboard associate": {
        ("associate", True): 403,
        ("manager", True): 201,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "read colleague": {
        ("associate", True): 200,
        ("manager", True): 200,
        ("associate", False): 404,
        ("manager", False): 404,
    },
    "change colleague": {
        ("associate", True): 403,
        ("manager", True): 200,
        ("associate", False): 403,
        ("manager", False): 404,
    },
    "set cart settings": {
        ("associate", True): 403,
        ("manager", True): 200,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "read customer cart": {
        ("associate", True): 200,
        ("manager", True): 200,
        ("associate", False): 403,
        ("manager", False): 403,
    },
    "import catalog": {
        ("associate", True): 403,
        ("manager", True): 403,
        ("associate", False): 403,
        ("manager", False): 403,
    },
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("role", ["associate", "manager", "admin"])
@pytest.mark.parametrize("own", [True, False], ids=["own-store", "other-store"])
def test_access(world: World, case: str, role: str, own: bool) -> None:
    token = world.admin if role == "admin" else world.token(f"{role}-matrix", role, "paris")
    target = "paris" if own else "nyc"
    response = CASES[case](world, token, target)
    if role == "admin":
        assert response.status_code < 300, response.text
        return
    expected = ALLOWED[case][(role, own)]
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.json()["error"]["code"] in {"forbidden", "not_found"}


@pytest.mark.parametrize("role", ["associate", "manager", "admin"])
@pytest.mark.parametrize("own", [True, False], ids=["own-store", "other-store"])
def test_search_shows_contact_details_of_own_stores_customers_only(world: World, role: str, own: bool) -> None:
    """GET /v1/customers answers everyone 200; what a found customer shows depends on the caller's stores."""
    token = world.admin if role == "admin" else world.token(f"{role}-matrix", role, "paris")
    customer = _customer(world, "paris" if own else "nyc")
    found = world.api.get("/v1/customers", params={"customerNumber": customer["customerNumber"]}, token=token)
    assert found.status_code == 200, found.text
    [shown] = found.json()["items"]
    if role == "admin" or own:
        assert (shown["view"], shown["id"], shown["phoneNumber"]) == (
            "summary",
            customer["id"],
            customer["phoneNumber"],
        )
    else:
        assert shown["view"] == "reduced"
        assert set(shown) == {"view", "customerNumber", "firstName", "lastName", "homeStoreId"}
