"""The Cognito adapter against moto's in-process mock (unit test of an AWS adapter)."""

from __future__ import annotations

import boto3
import pytest
from clienteling.adapters.identity import CognitoDirectory
from clienteling.kernel.access import Role
from clienteling.kernel.errors import AlreadyExists
from moto import mock_aws


@pytest.fixture
def directory(monkeypatch: pytest.MonkeyPatch):
    for name in ("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool = client.create_user_pool(
            PoolName="t",
            UsernameAttributes=["email"],
            Schema=[{"Name": "stores", "AttributeDataType": "String", "Mutable": True}],
        )
        pool_id = pool["UserPool"]["Id"]
        for group in ("associate", "manager", "admin"):
            client.create_group(UserPoolId=pool_id, GroupName=group)
        yield CognitoDirectory(client, pool_id), client, pool_id


def _attributes(client, pool_id: str, username: str) -> dict[str, str]:
    user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def _groups(client, pool_id: str, username: str) -> set[str]:
    return {g["GroupName"] for g in client.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)["Groups"]}


def test_create_user_puts_role_in_groups_and_stores_in_the_claim(directory) -> None:
    adapter, client, pool_id = directory
    subject, username = adapter.create_user(
        email="lea@x.example", display_name="Léa", role=Role.MANAGER, store_ids=["s1", "s2"]
    )
    assert subject
    assert _attributes(client, pool_id, username)["custom:stores"] == "s1,s2"
    assert _groups(client, pool_id, username) == {"manager"}


def test_update_access_replaces_the_group_and_stores(directory) -> None:
    adapter, client, pool_id = directory
    _, username = adapter.create_user(email="a@x.example", display_name="A", role=Role.ASSOCIATE, store_ids=["s1"])
    adapter.update_access(username, role=Role.MANAGER, store_ids=["s2"])
    assert _groups(client, pool_id, username) == {"manager"}
    assert _attributes(client, pool_id, username)["custom:stores"] == "s2"


def test_duplicate_email_is_a_conflict(directory) -> None:
    adapter, _, _ = directory
    adapter.create_user(email="dup@x.example", display_name="A", role=Role.ASSOCIATE, store_ids=["s1"])
    with pytest.raises(AlreadyExists):
        adapter.create_user(email="dup@x.example", display_name="B", role=Role.ASSOCIATE, store_ids=["s1"])


def test_disable_and_enable(directory) -> None:
    adapter, client, pool_id = directory
    _, username = adapter.create_user(email="d@x.example", display_name="D", role=Role.ASSOCIATE, store_ids=["s1"])
    adapter.set_enabled(username, enabled=False)
    assert client.admin_get_user(UserPoolId=pool_id, Username=username)["Enabled"] is False
    adapter.set_enabled(username, enabled=True)
    assert client.admin_get_user(UserPoolId=pool_id, Username=username)["Enabled"] is True
