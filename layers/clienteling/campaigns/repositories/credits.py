"""Messaging credits: one balance item per kind (SMS, email) and an append-only journal of every change.

A consumption is an UpdateItem conditional on the balance covering it, in the transaction of the change that
needs the credits (scheduling a campaign), so the balance never goes below zero, whatever runs at the same time.
Access patterns AP-CR1..AP-CR4 of docs/data-model.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clienteling.campaigns.domain.credits import CreditKind, EntryReason, LedgerEntry
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import Conflict
from clienteling.kernel.ids import new_id
from clienteling.kernel.items import dt, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class NotEnoughCredits(Conflict):
    code = "insufficient_credits"
    default_message = "The messaging credits do not cover this."


class CreditRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        return self._table

    def balances(self) -> dict[CreditKind, int]:
        """AP-CR1: both balances. 1 BatchGetItem."""
        response = self._table.meta.client.batch_get_item(
            RequestItems={self._table.name: {"Keys": [keys.credit_balance(k.value) for k in CreditKind]}}
        )
        found = dict.fromkeys(CreditKind, 0)
        for item in response["Responses"].get(self._table.name, []):
            found[CreditKind(str(item["kind"]))] = to_int(item.get("balance", 0))
        return found

    def change_ops(self, entry: LedgerEntry) -> list[transactions.Op]:
        """AP-CR2: change a balance and journal it. A negative delta is conditional on the balance covering it."""
        balance: dict[str, Any] = {":d": entry.delta, ":k": entry.kind.value, ":e": "credit_balance"}
        condition = None
        if entry.delta < 0:
            balance[":need"] = -entry.delta
            condition = "balance >= :need"
        return [
            transactions.update(
                self._table,
                keys.credit_balance(entry.kind.value),
                "SET kind = :k, entity = :e ADD balance :d",
                values=balance,
                condition=condition,
                error=NotEnoughCredits(),
            ),
            transactions.put(self._table, _entry_to_item(entry), condition="attribute_not_exists(PK)"),
        ]

    def entries(self, kind: CreditKind, *, limit: int, cursor: str | None) -> Page[LedgerEntry]:
        """AP-CR3: the journal of a kind, newest first. 1 Query per page."""
        return query_page(
            self._table,
            _entry_from_item,
            partition=keys.credit_log_partition(kind.value),
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )


def entry(kind: CreditKind, delta: int, reason: EntryReason, *, at: Any, **details: Any) -> LedgerEntry:
    return LedgerEntry(id=new_id(), kind=kind, at=at, delta=delta, reason=reason, **details)


def _entry_to_item(entry: LedgerEntry) -> dict[str, Any]:
    return without_none(
        {
            **keys.credit_entry(entry.kind.value, when(entry.at), entry.id),
            "entity": "credit_entry",
            "id": entry.id,
            "kind": entry.kind.value,
            "at": when(entry.at),
            "delta": entry.delta,
            "reason": entry.reason.value,
            "campaign_id": entry.campaign_id,
            "associate_id": entry.associate_id,
            "note": entry.note,
            "messages": entry.messages,
        }
    )


def _entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        id=str(item["id"]),
        kind=CreditKind(str(item["kind"])),
        at=dt(item["at"]),
        delta=to_int(item["delta"]),
        reason=EntryReason(str(item["reason"])),
        campaign_id=item.get("campaign_id"),
        associate_id=item.get("associate_id"),
        note=item.get("note"),
        messages=to_int(item["messages"]) if item.get("messages") is not None else None,
    )
