"""Customers through the local gateway: create, find, change, consent."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World, random_fr_mobile


def create(world: World, token: str, **fields: Any) -> dict[str, Any]:
    body = {"firstName": "Zoë", "lastName": "Müller", "homeStoreId": world.store_id("paris")} | fields
    response = world.api.post("/v1/customers", body, token=token)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def associate(world: World) -> str:
    return world.token("assoc-paris", "associate", "paris")


def test_create_normalises_phone_and_email_and_numbers_the_customer(world: World, associate: str) -> None:
    phone = random_fr_mobile()
    national = "0" + phone[3:]
    customer = create(world, associate, phoneNumber=" ".join([national[:2], national[2:]]), email="Zoe@Example.COM")
    assert customer["phoneNumber"] == phone
    assert customer["email"] == "zoe@example.com"
    assert len(customer["customerNumber"]) == 10
    assert customer["consents"] == []
    assert customer["version"] == 1


@pytest.mark.parametrize("query", ["zoe", "ZOË", "zo", "muller", "MÜLL", "zoe mul", "mul zo"])
def test_name_search_ignores_case_and_accents(world: World, associate: str, query: str) -> None:
    marker = "Qx" + world.store_id("paris")[-6:].lower()  # a unique surname so other tests don't interfere
    customer = create(world, associate, firstName="Zoë", lastName=f"Müller {marker}")
    found = world.api.get("/v1/customers", token=associate, params={"q": f"{query} {marker}"})
    assert found.status_code == 200
    assert customer["id"] in [c["id"] for c in found.json()["items"]]


def test_search_by_phone_in_any_format_email_internal_id_and_number(world: World, associate: str) -> None:
    phone = random_fr_mobile()
    internal = "INT-" + phone[-8:]
    customer = create(world, associate, phoneNumber=phone, email=f"c{phone[-8:]}@example.com", internalId=internal)
    national = "0" + phone[3:]
    spaced = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    for params in (
        {"phone": phone},
        {"phone": spaced},
        {"phone": "0033" + phone[3:]},
        {"email": f"C{phone[-8:]}@EXAMPLE.com"},
        {"internalId": internal},
        {"customerNumber": customer["customerNumber"]},
    ):
        found = world.api.get("/v1/customers", token=associate, params=params)
        assert [c["id"] for c in found.json()["items"]] == [customer["id"]], params


def test_search_paginates_with_opaque_cursors(world: World, associate: str) -> None:
    surname = "Pagin" + world.store_id("paris")[-5:].lower()
    ids = {create(world, associate, firstName=f"P{i}", lastName=surname)["id"] for i in range(5)}
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"q": surname, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = world.api.get("/v1/customers", token=associate, params=params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert set(seen) == ids
    assert len(seen) == len(ids)


def test_a_cursor_from_another_query_is_refused(world: World, associate: str) -> None:
    for i in range(3):
        create(world, associate, firstName="Cur", lastName=f"Sor{i}")
    page = world.api.get("/v1/customers", token=associate, params={"q": "sor", "limit": 1}).json()
    assert page["nextCursor"]
    other = world.api.get("/v1/customers", token=associate, params={"q": "zzz", "cursor": page["nextCursor"]})
    assert other.status_code == 400
    assert other.json()["error"]["code"] == "invalid_cursor"
    garbage = world.api.get("/v1/customers", token=associate, params={"q": "zzz", "cursor": "not-a-cursor"})
    assert garbage.status_code == 400


def test_listing_a_store_needs_to_work_there(world: World, associate: str) -> None:
    create(world, associate)
    own = world.api.get("/v1/customers", token=associate, params={"storeId": world.store_id("paris")})
    assert own.status_code == 200
    assert len(own.json()["items"]) == 1
    other = world.api.get("/v1/customers", token=associate, params={"storeId": world.store_id("nyc")})
    assert other.status_code == 403


def test_update_with_etag_reindexes_and_frees_the_old_phone(world: World, associate: str) -> None:
    phone = random_fr_mobile()
    customer = create(world, associate, phoneNumber=phone, lastName="Avant")
    updated = world.api.patch(
        f"/v1/customers/{customer['id']}", {"lastName": "Après", "phoneNumber": None}, etag='"1"', token=associate
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["phoneNumber"] is None
    assert updated.headers["ETag"] == '"2"'
    by_old_phone = world.api.get("/v1/customers", token=associate, params={"phone": phone}).json()
    assert by_old_phone["items"] == []
    other = create(world, associate, phoneNumber=phone)
    assert other["phoneNumber"] == phone
    stale = world.api.patch(f"/v1/customers/{customer['id']}", {"notes": "late"}, etag='"1"', token=associate)
    assert stale.status_code == 409


def test_unique_phone_and_internal_id(world: World, associate: str) -> None:
    phone = random_fr_mobile()
    create(world, associate, phoneNumber=phone, internalId=f"U{phone[-8:]}")
    same_phone = world.api.post(
        "/v1/customers",
        {"firstName": "A", "lastName": "B", "phoneNumber": phone, "homeStoreId": world.store_id("paris")},
        token=associate,
    )
    assert same_phone.status_code == 409
    assert same_phone.json()["error"]["details"] == [{"field": "phoneNumber"}]
    same_id = world.api.post(
        "/v1/customers",
        {"firstName": "A", "lastName": "B", "internalId": f"U{phone[-8:]}", "homeStoreId": world.store_id("paris")},
        token=associate,
    )
    assert same_id.status_code == 409


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phoneNumber": "12345"}, "phoneNumber"),
        ({"phoneNumber": "01 42 68 53 00"}, "phoneNumber"),  # a Paris landline cannot receive texts
        ({"email": "not-an-email"}, "email"),
        ({"firstName": "   "}, "firstName"),
        ({"birthDate": "2999-01-01"}, "birthDate"),
        ({"gender": "robot"}, "gender"),
        ({"tags": ["has space"]}, "tags.0"),
        ({"pets": [{"name": "Rex", "species": "dog", "birthMonth": 13}]}, "pets.0.birthMonth"),
        ({"unknownField": 1}, "unknownField"),
    ],
)
def test_bad_customer_input_is_400_and_creates_nothing(
    world: World, associate: str, fields: dict[str, Any], field: str
) -> None:
    body = {"firstName": "Bad", "lastName": "Input" + field.replace(".", ""), "homeStoreId": world.store_id("paris")}
    response = world.api.post("/v1/customers", body | fields, token=associate)
    assert response.status_code == 400, response.text
    assert field in [d["field"] for d in response.json()["error"]["details"]]
    listed = world.api.get("/v1/customers", token=associate, params={"storeId": world.store_id("paris")})
    assert listed.json()["items"] == []


def test_consent_is_recorded_with_proof_and_audited(world: World, associate: str) -> None:
    customer = create(world, associate, phoneNumber=random_fr_mobile(), email="consent@example.com")
    path = f"/v1/customers/{customer['id']}/consents"
    opted_in = world.api.post(
        path,
        {
            "channel": "email",
            "purpose": "marketing",
            "status": "opted_in",
            "method": "in_store_form",
            "wording": "Send me offers by email",
            "wordingVersion": "v3",
        },
        token=associate,
    )
    assert opted_in.status_code == 201, opted_in.text
    assert opted_in.json()["consents"][0]["status"] == "opted_in"
    store_out = world.api.post(
        path,
        {
            "channel": "sms",
            "purpose": "conversational",
            "status": "opted_out",
            "method": "verbal",
            "storeId": world.store_id("paris"),
        },
        token=associate,
    )
    assert store_out.status_code == 201
    history = world.api.get(f"{path}/history", token=associate).json()["items"]
    assert [(e["channel"], e["previous"], e["status"]) for e in history] == [
        ("sms", "not_asked", "opted_out"),
        ("email", "not_asked", "opted_in"),
    ]
    assert history[1]["wording"] == "Send me offers by email"
    assert history[1]["associateId"] == "assoc-paris"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "email", "purpose": "marketing", "status": "opted_in", "method": "in_store_form"}, "wording"),
        (
            {
                "channel": "email",
                "purpose": "marketing",
                "status": "opted_in",
                "method": "verbal",
                "wording": "w",
                "wordingVersion": "1",
            },
            "method",
        ),
        ({"channel": "sms", "purpose": "marketing", "status": "pending", "method": "in_store_form"}, "status"),
        ({"channel": "sms", "purpose": "marketing", "status": "opted_out", "method": "sms_keyword"}, "method"),
        (
            {"channel": "email", "purpose": "marketing", "status": "opted_out", "method": "verbal", "storeId": "x"},
            "storeId",
        ),
    ],
)
def test_consent_without_proper_proof_is_refused(
    world: World, associate: str, change: dict[str, Any], field: str
) -> None:
    customer = create(world, associate, phoneNumber=random_fr_mobile(), email="p@example.com")
    response = world.api.post(f"/v1/customers/{customer['id']}/consents", change, token=associate)
    assert response.status_code == 400, response.text
    assert field in [d["field"] for d in response.json()["error"]["details"]]
    assert world.api.get(f"/v1/customers/{customer['id']}/consents/history", token=associate).json()["items"] == []


def test_consent_for_another_store_is_403(world: World, associate: str) -> None:
    customer = create(world, associate, phoneNumber=random_fr_mobile())
    response = world.api.post(
        f"/v1/customers/{customer['id']}/consents",
        {
            "channel": "sms",
            "purpose": "marketing",
            "status": "opted_out",
            "method": "verbal",
            "storeId": world.store_id("nyc"),
        },
        token=associate,
    )
    assert response.status_code == 403


@pytest.mark.parametrize("query", ["m", "mu", " m ", "m  ", "é"])
def test_name_search_needs_three_characters(world: World, associate: str, query: str) -> None:
    # Given customers in the business
    create(world, associate, firstName="Mia", lastName="Martin")

    # When an associate searches with fewer than 3 characters (the old `?q=m` listed everyone)
    response = world.api.get("/v1/customers", token=associate, params={"q": query})

    # Then it is a clear 400 on q, and nothing is listed
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["loc"] for d in error["details"]] == [["query", "q"]]
    assert "items" not in response.json()


def test_other_stores_customers_come_back_reduced_unless_admin(world: World, associate: str) -> None:
    # Given a customer of Paris (the associate's store) and one of New York, with the same surname
    marker = "Rd" + world.store_id("paris")[-6:].lower()
    own_phone = random_fr_mobile()
    own = create(world, associate, firstName="Zoë", lastName=f"{marker} Paris", phoneNumber=own_phone)
    body = {
        "firstName": "Mia",
        "lastName": f"{marker} Newyork",
        "homeStoreId": world.store_id("nyc"),
        "phoneNumber": "+12125550147",
        "email": f"{marker}n@example.com",
        "notes": "Prefers texts after 6pm",
    }
    other = world.api.post("/v1/customers", body, token=world.admin).json()

    # When the Paris associate searches by name, by the other's phone, email or card number
    by_name = world.api.get("/v1/customers", token=associate, params={"q": marker}).json()["items"]
    exact = [
        world.api.get("/v1/customers", token=associate, params=params).json()["items"]
        for params in (
            {"phone": "+12125550147"},
            {"email": f"{marker}n@example.com"},
            {"customerNumber": other["customerNumber"]},
        )
    ]

    # Then their own store's customer is a summary with contact details; New York's is reduced, whatever the search
    shown = {c["homeStoreId"]: c for c in by_name}
    assert shown[world.store_id("paris")]["view"] == "summary"
    assert shown[world.store_id("paris")]["id"] == own["id"]
    assert shown[world.store_id("paris")]["phoneNumber"] == own_phone
    reduced = {
        "view": "reduced",
        "customerNumber": other["customerNumber"],
        "firstName": "Mia",
        "lastName": f"{marker} Newyork",
        "homeStoreId": world.store_id("nyc"),
    }
    assert shown[world.store_id("nyc")] == reduced
    assert exact == [[reduced]] * 3

    # And an admin sees everyone in full
    for_admin = world.api.get("/v1/customers", token=world.admin, params={"q": marker}).json()["items"]
    assert sorted(c["view"] for c in for_admin) == ["summary", "summary"]
    assert {c["id"] for c in for_admin} == {own["id"], other["id"]}
    assert "+12125550147" in [c["phoneNumber"] for c in for_admin]
