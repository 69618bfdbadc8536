"""Associates: the profile, one membership item per store (for store listings), and an email marker.
Access patterns AP-A1..AP-A4 of docs/data-model.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clienteling.directory.domain.associates import Associate, AssociateSummary, Availability
from clienteling.kernel import keys, transactions
from clienteling.kernel.access import Role
from clienteling.kernel.errors import AlreadyExists, NotFound, StaleVersion
from clienteling.kernel.items import dt, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page
from clienteling.kernel.search_text import fold

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

EMAIL_TAKEN = AlreadyExists("An associate already uses this email.", details=[{"field": "email"}])


class AssociateRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, associate_id: str) -> Associate | None:
        """AP-A1: one associate. 1 GetItem."""
        item = self._table.get_item(Key=keys.associate(associate_id)).get("Item")
        return _from_item(item) if item else None

    def require(self, associate_id: str) -> Associate:
        associate = self.get(associate_id)
        if associate is None:
            raise NotFound("No such associate.")
        return associate

    def list_by_store(self, store_id: str, *, limit: int, cursor: str | None) -> Page[AssociateSummary]:
        """AP-A2: a store's associates by name. 1 Query on GSI1."""
        return query_page(
            self._table,
            _summary_from_item,
            index="GSI1",
            partition=keys.store_associates(store_id),
            limit=limit,
            cursor=cursor,
        )

    def create(self, associate: Associate) -> None:
        """AP-A3: profile, memberships and email marker. 1 TransactWriteItems."""
        ops = [
            transactions.put(
                self._table,
                _to_item(associate),
                condition="attribute_not_exists(PK)",
                error=AlreadyExists("This associate already exists."),
            ),
            transactions.put(
                self._table,
                {**keys.associate_email(associate.email), "associate_id": associate.id},
                condition="attribute_not_exists(PK)",
                error=EMAIL_TAKEN,
            ),
        ]
        ops += [transactions.put(self._table, _membership_item(associate, s)) for s in associate.store_ids]
        transactions.transact(self._table, ops)

    def replace(self, associate: Associate, *, previous: Associate) -> None:
        """AP-A4: save a changed associate if unchanged since `previous`; memberships follow.
        1 TransactWriteItems."""
        ops = [
            transactions.put(
                self._table,
                _to_item(associate),
                condition="version = :expected",
                values={":expected": previous.version},
                error=StaleVersion(),
            )
        ]
        ops += [
            transactions.delete(self._table, keys.associate_membership(associate.id, s))
            for s in set(previous.store_ids) - set(associate.store_ids)
        ]
        ops += [
            transactions.put(self._table, _membership_item(associate, s))
            for s in associate.store_ids
            if s not in previous.store_ids or _summary_changed(previous, associate)
        ]
        transactions.transact(self._table, ops)


def _summary_changed(before: Associate, after: Associate) -> bool:
    return (before.display_name, before.role, before.availability, before.active) != (
        after.display_name,
        after.role,
        after.availability,
        after.active,
    )


def _membership_item(associate: Associate, store_id: str) -> dict[str, Any]:
    return {
        **keys.associate_membership(associate.id, store_id),
        "entity": "associate_membership",
        "GSI1PK": keys.store_associates(store_id),
        "GSI1SK": f"{fold(associate.display_name)}#{associate.id}",
        "associate_id": associate.id,
        "store_id": store_id,
        "display_name": associate.display_name,
        "role": associate.role.value,
        "availability": associate.availability.value,
        "active": associate.active,
    }


def _summary_from_item(item: dict[str, Any]) -> AssociateSummary:
    return AssociateSummary(
        id=item["associate_id"],
        display_name=item["display_name"],
        role=Role(item["role"]),
        availability=Availability(item["availability"]),
        active=bool(item.get("active", True)),
    )


def _to_item(associate: Associate) -> dict[str, Any]:
    return without_none(
        {
            **keys.associate(associate.id),
            "entity": "associate",
            "id": associate.id,
            "display_name": associate.display_name,
            "email": associate.email,
            "role": associate.role.value,
            "store_ids": list(associate.store_ids),
            "availability": associate.availability.value,
            "profile_picture_key": associate.profile_picture_key,
            "identity_username": associate.identity_username,
            "active": associate.active,
            "version": associate.version,
            "created_at": when(associate.created_at),
            "updated_at": when(associate.updated_at),
        }
    )


def _from_item(item: dict[str, Any]) -> Associate:
    return Associate(
        id=item["id"],
        display_name=item["display_name"],
        email=item["email"],
        role=Role(item["role"]),
        store_ids=tuple(item.get("store_ids", [])),
        availability=Availability(item["availability"]),
        version=to_int(item["version"]),
        created_at=dt(item["created_at"]),
        updated_at=dt(item["updated_at"]),
        profile_picture_key=item.get("profile_picture_key"),
        identity_username=item.get("identity_username"),
        active=bool(item.get("active", True)),
    )
