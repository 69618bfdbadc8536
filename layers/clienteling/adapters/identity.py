"""The identity provider (Cognito user pool): sign-in accounts whose token claims carry role and stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from clienteling.kernel.access import Role
from clienteling.kernel.errors import AlreadyExists

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.client import CognitoIdentityProviderClient

STORES_ATTRIBUTE = "custom:stores"


class IdentityDirectory(Protocol):
    def create_user(self, *, email: str, display_name: str, role: Role, store_ids: list[str]) -> tuple[str, str]:
        """Create a sign-in account; returns (subject, username)."""

    def update_access(self, username: str, *, role: Role, store_ids: list[str]) -> None: ...

    def set_enabled(self, username: str, *, enabled: bool) -> None: ...

    def delete_user(self, username: str) -> None: ...


class CognitoDirectory:
    """Cognito: the role is the user's only group, the stores a comma-separated custom attribute."""

    def __init__(self, client: CognitoIdentityProviderClient, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def create_user(self, *, email: str, display_name: str, role: Role, store_ids: list[str]) -> tuple[str, str]:
        try:
            response = self._client.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": display_name},
                    {"Name": STORES_ATTRIBUTE, "Value": ",".join(store_ids)},
                ],
                DesiredDeliveryMediums=["EMAIL"],
            )
        except self._client.exceptions.UsernameExistsException as error:
            raise AlreadyExists("An associate already uses this email.", details=[{"field": "email"}]) from error
        user = response["User"]
        username = user["Username"]
        subject = next(a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub")
        self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=username, GroupName=role.value)
        return subject, username

    def update_access(self, username: str, *, role: Role, store_ids: list[str]) -> None:
        self._client.admin_update_user_attributes(
            UserPoolId=self._pool,
            Username=username,
            UserAttributes=[{"Name": STORES_ATTRIBUTE, "Value": ",".join(store_ids)}],
        )
        groups = self._client.admin_list_groups_for_user(UserPoolId=self._pool, Username=username)["Groups"]
        for group in groups:
            if group["GroupName"] != role.value:
                self._client.admin_remove_user_from_group(
                    UserPoolId=self._pool, Username=username, GroupName=group["GroupName"]
                )
        self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=username, GroupName=role.value)

    def set_enabled(self, username: str, *, enabled: bool) -> None:
        if enabled:
            self._client.admin_enable_user(UserPoolId=self._pool, Username=username)
        else:
            self._client.admin_disable_user(UserPoolId=self._pool, Username=username)
            self._client.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)

    def delete_user(self, username: str) -> None:
        self._client.admin_delete_user(UserPoolId=self._pool, Username=username)
