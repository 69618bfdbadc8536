"""Callers from JWT claims, and the store-scoping rules."""

from __future__ import annotations

import pytest
from clienteling.edge.callers import caller_from_claims
from clienteling.kernel.access import Caller, Role, parse_groups, parse_stores
from clienteling.kernel.errors import Forbidden, Unauthorized


@pytest.mark.parametrize(
    ("raw", "roles"),
    [
        ("[manager associate]", {Role.MANAGER, Role.ASSOCIATE}),
        (["admin"], {Role.ADMIN}),
        ("[]", set()),
        ("admin", {Role.ADMIN}),
        ('["manager"]', {Role.MANAGER}),
        ("[superuser]", set()),
        (None, set()),
    ],
)
def test_groups_in_every_shape_api_gateway_passes_them(raw: object, roles: set[Role]) -> None:
    assert parse_groups(raw) == roles


def test_stores_claim() -> None:
    assert parse_stores(" a, b ,,c") == {"a", "b", "c"}
    assert parse_stores(None) == frozenset()


def test_caller_needs_a_subject_and_a_role() -> None:
    with pytest.raises(Unauthorized):
        caller_from_claims({"cognito:groups": "[admin]"})
    with pytest.raises(Unauthorized):
        caller_from_claims({"sub": "x", "cognito:groups": "[]"})
    caller = caller_from_claims({"sub": "x", "cognito:groups": "[associate]", "custom:stores": "s1,s2"})
    assert caller.store_ids == {"s1", "s2"}


def test_store_scoping() -> None:
    associate = Caller("a", frozenset({Role.ASSOCIATE}), frozenset({"s1"}))
    manager = Caller("m", frozenset({Role.MANAGER}), frozenset({"s1"}))
    admin = Caller("z", frozenset({Role.ADMIN}))
    associate.require_store("s1")
    with pytest.raises(Forbidden):
        associate.require_store("s2")
    with pytest.raises(Forbidden):
        associate.require_store("s1", role=Role.MANAGER)
    manager.require_store("s1", role=Role.MANAGER)
    admin.require_store("anything", role=Role.ADMIN)
