"""Bad requests get clear 4xx JSON answers, never a 500 or a stack trace."""

from __future__ import annotations

import pytest

from infra.local import tokens
from tests.api_client import ApiClient
from tests.conftest import World


def test_health_needs_no_token(api: ApiClient) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("authorization", [None, "Bearer nonsense", "Basic abc"])
def test_missing_or_malformed_token_is_401(api: ApiClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = api.get("/v1/stores", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}  # API Gateway's own answer, as in AWS


def test_token_signed_with_another_key_or_expired_is_401(api: ApiClient) -> None:
    forged = tokens.mint("x", ["admin"], [], secret="another-secret-another-secret-1234")
    expired = tokens.mint("x", ["admin"], [], ttl_seconds=-60)
    assert api.get("/v1/stores", token=forged).status_code == 401
    assert api.get("/v1/stores", token=expired).status_code == 401


def test_token_without_a_role_is_401_in_our_envelope(api: ApiClient) -> None:
    response = api.get("/v1/stores", token=tokens.mint("x", [], []))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_invalid_json_is_400(world: World) -> None:
    response = world.api.request(
        "POST", "/v1/customers", token=world.admin, data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["type"] == "json_invalid"


def test_non_json_body_is_415(world: World) -> None:
    response = world.api.request(
        "POST",
        "/v1/customers",
        token=world.admin,
        data="firstName=a",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_oversized_body_is_413(world: World) -> None:
    response = world.api.post("/v1/customers", {"firstName": "a" * 70_000}, token=world.admin)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unknown_ids_are_404(world: World) -> None:
    for path in ("/v1/customers/01JUNKNOWN0000000000000000", "/v1/associates/01JUNKNOWN0000000000000000"):
        response = world.api.get(path, token=world.admin)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_unknown_route_is_404(api: ApiClient, world: World) -> None:
    assert api.get("/v1/nothing-here", token=world.admin).status_code == 404


@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_bad_query_parameters_are_400(world: World, limit: str) -> None:
    response = world.api.get("/v1/customers", token=world.admin, params={"q": "abc", "limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["loc"] == ["query", "limit"]


def test_two_search_criteria_at_once_are_400(world: World) -> None:
    response = world.api.get("/v1/customers", token=world.admin, params={"q": "abc", "email": "a@b.c"})
    assert response.status_code == 400


def test_malformed_if_match_is_400(world: World) -> None:
    response = world.api.patch(
        f"/v1/stores/{world.store_id('paris')}", {"name": "x"}, etag="yesterday", token=world.admin
    )
    assert response.status_code == 400
