"""Associates: onboarding rules, availability, profile pictures through presigned S3 uploads."""

from __future__ import annotations

import os

import requests

from infra.local import tokens
from tests.conftest import World

PNG = b"\x89PNG\r\n\x1a\n" + bytes(56)


def onboard(world: World, token: str, store: str, role: str = "associate") -> requests.Response:
    body = {
        "displayName": "Léa Martin",
        "email": f"lea.{os.urandom(4).hex()}@shop.example",
        "role": role,
        "storeIds": [world.store_id(store)],
    }
    return world.api.post("/v1/associates", body, token=token)


def test_admin_onboards_a_manager_who_onboards_an_associate(world: World) -> None:
    manager = onboard(world, world.admin, "paris", role="manager")
    assert manager.status_code == 201, manager.text
    manager_token = tokens.mint(manager.json()["id"], ["manager"], [world.store_id("paris")])
    associate = onboard(world, manager_token, "paris")
    assert associate.status_code == 201
    assert associate.json()["role"] == "associate"
    assert associate.json()["availability"] == "available"
    listed = world.api.get("/v1/associates", params={"storeId": world.store_id("paris")}, token=manager_token)
    assert {a["id"] for a in listed.json()["items"]} == {manager.json()["id"], associate.json()["id"]}


def test_managers_cannot_grant_manager_and_emails_are_unique(world: World) -> None:
    manager_token = world.token("mgr", "manager", "paris")
    assert onboard(world, manager_token, "paris", role="manager").status_code == 403
    first = onboard(world, world.admin, "paris")
    same_email = world.api.post(
        "/v1/associates",
        {"displayName": "Twin", "email": first.json()["email"], "storeIds": [world.store_id("paris")]},
        token=world.admin,
    )
    assert same_email.status_code == 409


def test_manager_keeps_memberships_of_stores_they_do_not_manage(world: World) -> None:
    both = world.api.post(
        "/v1/associates",
        {
            "displayName": "Both",
            "email": f"b{os.urandom(4).hex()}@x.example",
            "storeIds": [world.store_id("paris"), world.store_id("nyc")],
        },
        token=world.admin,
    ).json()
    manager_token = world.token("mgr", "manager", "paris")
    changed = world.api.patch(
        f"/v1/associates/{both['id']}", {"storeIds": [world.store_id("paris")]}, etag='"1"', token=manager_token
    )
    assert changed.status_code == 200
    assert set(changed.json()["storeIds"]) == {world.store_id("paris"), world.store_id("nyc")}


def test_associate_sets_availability_and_uploads_a_picture(world: World) -> None:
    created = onboard(world, world.admin, "paris").json()
    me = tokens.mint(created["id"], ["associate"], [world.store_id("paris")])
    unavailable = world.api.patch("/v1/associates/me", {"availability": "unavailable"}, etag='"1"', token=me)
    assert unavailable.status_code == 200
    assert unavailable.json()["availability"] == "unavailable"
    listed = world.api.get("/v1/associates", params={"storeId": world.store_id("paris")}, token=me).json()
    assert listed["items"][0]["availability"] == "unavailable"

    upload = world.api.post(
        "/v1/associates/me/profile-picture", {"contentType": "image/png", "size": len(PNG)}, token=me
    )
    assert upload.status_code == 200
    slot = upload.json()
    assert requests.put(slot["uploadUrl"], data=PNG, headers=slot["headers"], timeout=10).status_code == 200
    with_picture = world.api.patch("/v1/associates/me", {"profilePictureKey": slot["key"]}, etag='"2"', token=me)
    assert with_picture.status_code == 200, with_picture.text
    picture = requests.get(with_picture.json()["profilePictureUrl"], timeout=10)
    assert picture.content == PNG


def test_picture_rules(world: World) -> None:
    created = onboard(world, world.admin, "paris").json()
    me = tokens.mint(created["id"], ["associate"], [world.store_id("paris")])
    too_big = world.api.post(
        "/v1/associates/me/profile-picture", {"contentType": "image/png", "size": 3_000_000}, token=me
    )
    assert too_big.status_code == 400
    wrong_type = world.api.post("/v1/associates/me/profile-picture", {"contentType": "image/gif", "size": 10}, token=me)
    assert wrong_type.status_code == 400
    not_uploaded = world.api.patch(
        "/v1/associates/me", {"profilePictureKey": f"associates/{created['id']}/profile/none.png"}, etag='"1"', token=me
    )
    assert not_uploaded.status_code == 400
    someone_else = world.api.patch(
        "/v1/associates/me", {"profilePictureKey": "associates/other/profile/x.png"}, etag='"1"', token=me
    )
    assert someone_else.status_code == 400


def test_me_without_a_profile_is_404(world: World) -> None:
    response = world.api.get("/v1/associates/me", token=world.token("ghost", "associate", "paris"))
    assert response.status_code == 404
