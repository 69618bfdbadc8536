"""Helpers for cart tests: a configured store, a catalog, an opted-in customer, and the Adyen side."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import requests

from infra.local import tokens
from infra.local.stack import RunningStack
from tests.api_client import ApiClient
from tests.conftest import World, random_fr_mobile, random_us_number
from tests.e2e.messaging_helpers import Phone, eventually

PARIS_SETTINGS = {
    "taxRates": [{"category": "standard", "ratePercent": 20}, {"category": "reduced", "ratePercent": 5.5}],
    "shippingOptions": [
        {"id": "colissimo", "name": "Colissimo 48 h", "priceMinor": 990, "countries": ["FR"]},
        {"id": "express", "name": "Express", "priceMinor": 1900},
    ],
    "shippingTaxCategory": "standard",
    "maxDiscountPercent": 20,
    "allowMixedFulfillment": True,
}
NYC_SETTINGS = {
    "taxRates": [{"category": "standard", "ratePercent": 8.875}],
    "shippingOptions": [{"id": "ground", "name": "UPS Ground", "priceMinor": 1500, "countries": ["US"]}],
    "maxDiscountPercent": 15,
    "allowMixedFulfillment": False,
}


def gtin13(stem: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(stem)))
    return stem + str((10 - total % 10) % 10)


@dataclass
class Shop:
    """One store with cart settings, a manager and an associate, products, and an opted-in customer."""

    world: World
    store_key: str
    manager: str
    associate: str
    associate_id: str
    customer: dict[str, Any]
    phone: Phone
    skus: dict[str, str]

    @property
    def api(self) -> ApiClient:
        return self.world.api

    @property
    def store_id(self) -> str:
        return self.world.store_id(self.store_key)

    @property
    def cart_path(self) -> str:
        return f"/v1/carts/{self.store_id}_{self.customer['id']}"

    def cart(self, token: str | None = None) -> requests.Response:
        return self.api.get(
            f"/v1/customers/{self.customer['id']}/cart",
            params={"storeId": self.store_id},
            token=token or self.associate,
        )

    def change(self, method: str, path: str, body: Any = None, *, etag: str | None = None,
               token: str | None = None) -> requests.Response:  # fmt: skip
        if etag is None:
            etag = self.cart().headers["ETag"]
        return self.api.request(
            method, self.cart_path + path, json=body, headers={"If-Match": etag}, token=token or self.associate
        )


def configure_store(world: World, key: str, settings: dict[str, Any]) -> str:
    """Cart settings are the store managers' to set; returns a manager token."""
    manager = world.token("mgr-" + os.urandom(3).hex(), "manager", key)
    path = f"/v1/stores/{world.store_id(key)}"
    etag = world.api.get(path, token=manager).headers["ETag"]
    response = world.api.patch(path, {"cartSettings": settings}, etag=etag, token=manager)
    assert response.status_code == 200, response.text
    return manager


def import_products(
    world: World, store_key: str, currency: str, images_url: str = "https://images.example"
) -> dict[str, str]:
    """Three products priced in `currency`, unique to the test: dress (in stock), bag (not in stock), scarf."""
    suffix = os.urandom(4).hex().upper()
    store_id = world.store_id(store_key)
    stem = str(int.from_bytes(os.urandom(4), "big") % 10**9).zfill(9)
    rows = [
        ("dress", f"DRESS-{suffix}", "Robe portefeuille en soie", "390.00", True, "standard"),
        ("bag", f"BAG-{suffix}", "Sac cabas en cuir grainé", "650.00", False, "standard"),
        ("scarf", f"SCARF-{suffix}", "Carré de soie <imprimé>", "185.50", True, "standard"),
    ]
    lines = [
        json.dumps(
            {
                "sku": sku,
                "gtin": gtin13(f"37{stem}{i}"),
                "name": name,
                "price": price,
                "currency": currency,
                "taxCategory": tax,
                "imageUrl": f"{images_url}/{key}.svg",
                "productUrl": f"https://shop.example/{key}",
                "availability": {store_id: in_stock},
            }
        )
        for i, (key, sku, name, price, in_stock, tax) in enumerate(rows)
    ]
    response = world.api.request(
        "POST",
        "/v1/catalog/import",
        data="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
        token=world.admin,
    )
    assert response.status_code == 200, response.text
    return {key: sku for key, sku, *_ in rows}


def opted_in_customer(world: World, stack: RunningStack, store_key: str, token: str) -> tuple[dict[str, Any], Phone]:
    number = random_fr_mobile() if store_key == "paris" else random_us_number()
    customer = world.api.post(
        "/v1/customers",
        {"firstName": "Zoë", "lastName": "Secretname", "phoneNumber": number,
         "email": f"z{os.urandom(3).hex()}@x.example", "homeStoreId": world.store_id(store_key)},
        token=token,
    ).json()  # fmt: skip
    requested = world.api.post(
        f"/v1/customers/{customer['id']}/opt-in-request",
        {"storeId": world.store_id(store_key), "message": "Bonjour, c'est Léa."},
        token=token,
    )
    assert requested.status_code == 200, requested.text
    phone = Phone(stack, number)
    phone.text(world.stores[store_key]["phoneNumber"], "Oui" if store_key == "paris" else "YES")
    return customer, phone


def make_shop(world: World, stack: RunningStack, store_key: str = "paris") -> Shop:
    settings, currency = (PARIS_SETTINGS, "EUR") if store_key == "paris" else (NYC_SETTINGS, "USD")
    manager = configure_store(world, store_key, settings)
    created = world.api.post(
        "/v1/associates",
        {
            "displayName": "Léa",
            "email": f"lea.{os.urandom(4).hex()}@x.example",
            "storeIds": [world.store_id(store_key)],
        },
        token=world.admin,
    )
    assert created.status_code == 201, created.text
    associate_id = created.json()["id"]
    associate = tokens.mint(associate_id, ["associate"], [world.store_id(store_key)])
    skus = import_products(world, store_key, currency, stack.assets_url)
    customer, phone = opted_in_customer(world, stack, store_key, associate)
    return Shop(world, store_key, manager, associate, associate_id, customer, phone, skus)


def pay(stack: RunningStack, link_id: str, outcome: str = "authorised") -> dict[str, Any]:
    response = requests.post(f"{stack.adyen.base_url}/_sim/pay/{link_id}", json={"outcome": outcome}, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def link_id(payment_url: str) -> str:
    return payment_url.rstrip("/").rsplit("/", 1)[1]


__all__ = ["Shop", "eventually", "link_id", "make_shop", "pay"]
