"""The catalog: bulk import (JSON lines or CSV, all or nothing, idempotent), search, barcode scans, categories."""

from __future__ import annotations

import json
import os

from tests.conftest import World
from tests.e2e.cart_helpers import gtin13


def _import(world: World, body: str, content_type: str, token: str | None = None):
    return world.api.request(
        "POST", "/v1/catalog/import", data=body.encode(), headers={"Content-Type": content_type},
        token=token or world.admin,
    )  # fmt: skip


def test_import_is_all_or_nothing_with_a_report_per_line(world: World) -> None:
    tag = os.urandom(4).hex().upper()
    good = {"sku": f"OK-{tag}", "name": "Ceinture tressée", "price": "89.00", "currency": "EUR"}
    lines = [
        json.dumps(good),
        json.dumps({"sku": f"YEN-{tag}", "name": "Furoshiki", "price": "1500.5", "currency": "JPY"}),  # JPY: no cents
        json.dumps(
            {"sku": f"BAD-{tag}", "price": "10", "currency": "EUR", "gtin": "1234567890123"}
        ),  # no name, bad gtin
        "{not json",
        json.dumps(good),  # the same sku twice
    ]
    response = _import(world, "\n".join(lines), "application/x-ndjson")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {(d["line"], d["field"]) for d in error["details"]} >= {(2, "price"), (3, "name"), (3, "gtin"), (4, ""),
                                                                   (5, "sku")}  # fmt: skip
    assert "Ceinture" not in response.text  # inputs are never echoed
    # Nothing was written, not even the valid first line
    assert world.api.get(f"/v1/products/OK-{tag}", token=world.admin).status_code == 404


def test_import_upserts_idempotently_and_products_are_found(world: World) -> None:
    tag = os.urandom(4).hex().upper()
    gtin = gtin13("3" + str(int.from_bytes(os.urandom(4), "big") % 10**11).zfill(11))
    assert world.api.request("PUT", "/v1/categories/belts", json={"name": "Ceintures"}, token=world.admin).ok
    csv_body = (
        "sku,gtin,name,price,currency,taxCategory,categoryId,imageUrl,availability\n"
        f"BELT-{tag},{gtin},Ceinture tressée Émile {tag},89.00,EUR,standard,belts,https://img.example/b.jpg,"
        f"{world.store_id('paris')}=true\n"
        f"KWD-{tag},,Bracelet {tag},12.345,KWD,standard,,,\n"
    )
    first = _import(world, csv_body, "text/csv")
    assert first.status_code == 200, first.text
    assert first.json() == {"lines": 2, "created": 2, "updated": 0, "unchanged": 0}
    again = _import(world, csv_body, "text/csv; charset=utf-8")
    assert again.json() == {"lines": 2, "created": 0, "updated": 0, "unchanged": 2}
    changed = _import(world, csv_body.replace("89.00", "79.00"), "text/csv")
    assert changed.json() == {"lines": 2, "created": 0, "updated": 1, "unchanged": 1}

    associate = world.token("a-" + tag, "associate", "paris")
    product = world.api.get(f"/v1/products/BELT-{tag}", token=associate).json()
    assert (product["priceMinor"], product["currency"], product["categoryId"]) == (7900, "EUR", "belts")
    assert product["availability"] == {world.store_id("paris"): True}
    assert world.api.get(f"/v1/products/KWD-{tag}", token=associate).json()["priceMinor"] == 12345
    assert world.api.get(f"/v1/products/by-barcode/{gtin}", token=associate).json()["sku"] == f"BELT-{tag}"
    found = world.api.get("/v1/products", params={"q": f"emile ceinture {tag}"}, token=associate).json()["items"]
    assert [p["sku"] for p in found] == [f"BELT-{tag}"]
    assert {c["id"] for c in world.api.get("/v1/categories", token=associate).json()} >= {"belts"}
    # A barcode belongs to one product
    taken = _import(world, json.dumps({"sku": f"OTHER-{tag}", "gtin": gtin, "name": "x", "priceMinor": 1,
                                       "currency": "EUR"}), "application/x-ndjson")  # fmt: skip
    assert taken.status_code == 400
    assert taken.json()["error"]["details"][0]["type"] == "already_exists"


def test_only_admins_import_and_the_format_must_be_known(world: World) -> None:
    manager = world.token("m-" + os.urandom(3).hex(), "manager", "paris")
    assert _import(world, "{}", "application/x-ndjson", token=manager).status_code == 403
    assert _import(world, "<xml/>", "application/xml").status_code == 415
