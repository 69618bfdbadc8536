"""Who may do what: the caller taken from the JWT, and the store-scoping rules every service applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from clienteling.kernel.errors import Forbidden


class Role(StrEnum):
    ASSOCIATE = "associate"
    MANAGER = "manager"
    ADMIN = "admin"


_RANK = {Role.ASSOCIATE: 1, Role.MANAGER: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated associate: `sub`, `cognito:groups` and `custom:stores` of the token."""

    associate_id: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    store_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_manager(self) -> bool:
        return Role.MANAGER in self.roles or self.is_admin

    def has_role(self, role: Role) -> bool:
        return any(_RANK[own] >= _RANK[role] for own in self.roles)

    def can_access_store(self, store_id: str) -> bool:
        """Admins configure every store; everyone else acts only inside the stores of their token."""
        return self.is_admin or store_id in self.store_ids

    def require_role(self, role: Role) -> None:
        if not self.has_role(role):
            raise Forbidden(f"This needs the {role.value} role.")

    def require_store(self, store_id: str, *, role: Role = Role.ASSOCIATE) -> None:
        """Raise Forbidden unless the caller works in `store_id` with at least `role`."""
        self.require_role(role)
        if not self.can_access_store(store_id):
            raise Forbidden("You do not work in this store.")

    def visible_store_ids(self, all_store_ids: list[str]) -> list[str]:
        return all_store_ids if self.is_admin else [s for s in all_store_ids if s in self.store_ids]


def parse_groups(raw: object) -> frozenset[Role]:
    """`cognito:groups` arrives as a JSON list, a list, or API Gateway's flattened "[a b]" string."""
    if isinstance(raw, str):
        text = raw.strip().strip("[]")
        items: list[object] = [part.strip(' "') for part in text.replace(",", " ").split()]
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        items = []
    return frozenset(Role(item) for item in items if isinstance(item, str) and item in Role.__members__.values())


def parse_stores(raw: object) -> frozenset[str]:
    """`custom:stores` is a comma-separated list of store ids."""
    if not isinstance(raw, str):
        return frozenset()
    return frozenset(part.strip() for part in raw.split(",") if part.strip())
