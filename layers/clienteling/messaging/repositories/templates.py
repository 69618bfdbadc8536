"""Saved replies. Access patterns AP-T1..AP-T3 of docs/data-model.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import NotFound, StaleVersion
from clienteling.kernel.items import dt, to_int, when, without_none
from clienteling.kernel.search_text import fold
from clienteling.messaging.domain.templates import Template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class TemplateRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, template_id: str) -> Template | None:
        """AP-T1: one template. 1 GetItem."""
        item = self._table.get_item(Key=keys.template(template_id)).get("Item")
        return _from_item(item) if item else None

    def require(self, template_id: str) -> Template:
        found = self.get(template_id)
        if found is None:
            raise NotFound("No such template.")
        return found

    def list_for(self, store_id: str | None) -> list[Template]:
        """AP-T2: the templates of a store (or the business-wide ones), by name. 1 Query on GSI1 per scope."""
        response = self._table.query(
            IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(keys.templates_index(store_id))
        )
        return [_from_item(i) for i in response["Items"]]

    def save(self, template: Template, *, previous_version: int | None) -> None:
        """AP-T3: create, or replace if unchanged since `previous_version`. 1 TransactWriteItems."""
        condition, values = (
            ("attribute_not_exists(PK)", None)
            if previous_version is None
            else ("version = :v", {":v": previous_version})
        )
        transactions.transact(
            self._table,
            [
                transactions.put(
                    self._table, _to_item(template), condition=condition, values=values, error=StaleVersion()
                )
            ],
        )

    def delete(self, template_id: str) -> None:
        transactions.transact(
            self._table,
            [
                transactions.delete(
                    self._table,
                    keys.template(template_id),
                    condition="attribute_exists(PK)",
                    error=NotFound("No such template."),
                )
            ],
        )


def _to_item(template: Template) -> dict[str, Any]:
    return without_none(
        {
            **keys.template(template.id),
            "entity": "template",
            "GSI1PK": keys.templates_index(template.store_id),
            "GSI1SK": f"{fold(template.name)}#{template.id}",
            "id": template.id,
            "name": template.name,
            "bodies": template.bodies,
            "store_id": template.store_id,
            "version": template.version,
            "created_at": when(template.created_at),
            "updated_at": when(template.updated_at),
            "created_by": template.created_by,
        }
    )


def _from_item(item: dict[str, Any]) -> Template:
    return Template(
        id=item["id"],
        name=item["name"],
        bodies=dict(item["bodies"]),
        store_id=item.get("store_id"),
        version=to_int(item["version"]),
        created_at=dt(item["created_at"]),
        updated_at=dt(item["updated_at"]),
        created_by=item.get("created_by"),
    )
