"""Stores through the local gateway: admins configure them, associates read theirs."""

from __future__ import annotations

import pytest

from tests.conftest import World, random_fr_landline, store_body


def test_admin_creates_reads_and_updates_a_store_with_etags(world: World) -> None:
    # Given a store an admin created
    api, admin = world.api, world.admin
    created = api.post("/v1/stores", store_body("Lyon Bellecour", phone="04 78 00 00 00"), token=admin)
    assert created.status_code == 201
    store = created.json()
    assert store["phoneNumber"] == "+33478000000"
    assert store["locale"] == "fr-FR"
    assert created.headers["ETag"] == '"1"'

    # When it is read and updated with the ETag
    read = api.get(f"/v1/stores/{store['id']}", token=admin)
    updated = api.patch(
        f"/v1/stores/{store['id']}",
        {"name": "Lyon Part-Dieu", "taxMode": "exclusive"},
        etag=read.headers["ETag"],
        token=admin,
    )

    # Then the change lands with a new version, and the old ETag is refused
    assert updated.status_code == 200
    assert updated.json()["name"] == "Lyon Part-Dieu"
    assert updated.json()["taxMode"] == "exclusive"
    assert updated.headers["ETag"] == '"2"'
    stale = api.patch(f"/v1/stores/{store['id']}", {"name": "Lost update"}, etag='"1"', token=admin)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "version_conflict"
    assert api.get(f"/v1/stores/{store['id']}", token=admin).json()["name"] == "Lyon Part-Dieu"


def test_update_without_if_match_is_428(world: World) -> None:
    response = world.api.patch(f"/v1/stores/{world.store_id('paris')}", {"name": "x"}, token=world.admin)
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"


def test_store_phone_numbers_are_unique(world: World) -> None:
    phone = random_fr_landline()
    first = world.api.post("/v1/stores", store_body("A", phone=phone), token=world.admin)
    second = world.api.post("/v1/stores", store_body("B", phone=phone), token=world.admin)
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["details"][0]["field"] == "phoneNumber"


def test_changing_a_store_number_frees_the_old_one(world: World) -> None:
    old, new = random_fr_landline(), random_fr_landline()
    store = world.api.post("/v1/stores", store_body("C", phone=old), token=world.admin)
    moved = world.api.patch(f"/v1/stores/{store.json()['id']}", {"phoneNumber": new}, etag='"1"', token=world.admin)
    assert moved.status_code == 200
    reused = world.api.post("/v1/stores", store_body("D", phone=old), token=world.admin)
    assert reused.status_code == 201


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("timeZone", "Mars/Olympus", ["body", "timeZone"]),
        ("locale", "xx-invalid-locale", ["body", "locale"]),
        ("currency", "EURO", ["body", "currency"]),
        ("phoneNumber", "12", ["body", "phoneNumber"]),
        ("taxMode", "sometimes", ["body", "taxMode"]),
        ("name", "", ["body", "name"]),
        ("address", {"line1": "x", "city": "y", "postalCode": "1", "country": "ZZ"}, ["body", "address", "country"]),
    ],
)
def test_bad_store_fields_are_400_with_the_field_path(world: World, field: str, value: object, loc: list[str]) -> None:
    body = store_body("Bad")
    body[field] = value
    response = world.api.post("/v1/stores", body, token=world.admin)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert loc in [d["loc"] for d in error["details"]]


def test_associates_list_only_their_stores(world: World) -> None:
    token = world.token("assoc-1", "associate", "paris")
    listed = world.api.get("/v1/stores", token=token)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["items"]] == [world.store_id("paris")]


def test_admin_lists_every_store_page_by_page(world: World) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = world.api.get("/v1/stores", token=world.admin, params=params).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert {world.store_id("paris"), world.store_id("nyc")} <= set(seen)
    assert len(seen) == len(set(seen))
