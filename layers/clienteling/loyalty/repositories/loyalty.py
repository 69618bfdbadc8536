"""Loyalty in the single table: the customer's account item and points ledger, purchases, reward grants, the
till's transaction log, idempotency markers, and the one BatchGetItem a purchase reads everything with.
Access patterns AP-L1..AP-L12 of docs/data-model.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.directory.ports import Customer, Product, customer_from_item, product_from_item
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import DomainError
from clienteling.kernel.items import dt, dt_or_none, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page
from clienteling.loyalty.domain.gift_cards import GiftCard
from clienteling.loyalty.domain.loyalty import (
    NEVER,
    EntryType,
    LoyaltyAccount,
    PointsEntry,
    TillTransaction,
    TransactionType,
)
from clienteling.loyalty.domain.rewards import FrequentBuyerCard, RewardGrant, RewardProgram

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

LOT = "lot_"
MARKER_RETENTION = timedelta(days=7)
ACCOUNT_ENTITY = "loyalty_account"


@dataclass
class PurchaseSnapshot:
    """Everything a purchase reads, from one BatchGetItem (strongly consistent)."""

    customer: Customer | None = None
    account: LoyaltyAccount | None = None
    programs: dict[str, RewardProgram] = field(default_factory=dict)
    cards: dict[str, FrequentBuyerCard] = field(default_factory=dict)
    grants: dict[str, RewardGrant] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    gift_cards: dict[str, GiftCard] = field(default_factory=dict)
    marker: dict[str, Any] | None = None  # the idempotency marker, when this purchase was recorded already


@dataclass(frozen=True, slots=True)
class AccountChange:
    """One update of the account item, built by the services, written inside their transaction."""

    credit: int = 0  # points added (a lot)
    lot: date | None = None  # when the credit expires (NEVER when points do not expire)
    debit: int = 0  # points taken (oldest lots first); the balance must cover it
    orders: int = 0
    visit_day: date | None = None  # counts one visit
    counters: dict[str, int] = field(default_factory=dict)  # ADD
    expected_counters: dict[str, int] = field(default_factory=dict)  # each still what was read
    first_order_only: bool = False  # no order recorded yet
    indexed_expiry: date | None = None  # index the account by its oldest lot's expiry (AP-L7), if not indexed yet


class LoyaltyRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ reads
    def purchase_snapshot(
        self,
        customer_id: str,
        *,
        program_ids: Iterable[str] = (),
        card_ids: Iterable[str] = (),
        grant_ids: Iterable[str] = (),
        skus: Iterable[str] = (),
        gift_card_numbers: Iterable[str] = (),
        idempotency: tuple[str, str] | None = None,
    ) -> PurchaseSnapshot:
        """AP-L1: the customer, their account, the rewards, grants, products and gift cards a purchase names, and
        its idempotency marker (store id, key). 1 BatchGetItem (strongly consistent; up to 100 keys)."""
        from clienteling.loyalty.repositories.gift_cards import gift_card_from_item  # noqa: PLC0415
        from clienteling.loyalty.repositories.rewards import card_from_item, program_from_item  # noqa: PLC0415

        wanted = [keys.customer(customer_id), keys.loyalty_account(customer_id)]
        wanted += [keys.reward_program(p) for p in dict.fromkeys(program_ids)]
        wanted += [keys.frequent_buyer_card(c) for c in dict.fromkeys(card_ids)]
        wanted += [keys.reward_grant(customer_id, g) for g in dict.fromkeys(grant_ids)]
        wanted += [keys.product(s) for s in dict.fromkeys(skus)]
        wanted += [keys.gift_card(n) for n in dict.fromkeys(gift_card_numbers)]
        if idempotency is not None:
            wanted.append(keys.purchase_idempotency(*idempotency))
        snapshot = PurchaseSnapshot()
        for item in self._batch_get(wanted):
            sk = str(item["SK"])
            if sk == "PROFILE":
                snapshot.customer = customer_from_item(item)
            elif sk == "LOYALTY":
                snapshot.account = account_from_item(item)
            elif sk == "REWARD":
                program = program_from_item(item)
                snapshot.programs[program.id] = program
            elif sk == "FBCARD":
                card = card_from_item(item)
                snapshot.cards[card.id] = card
            elif sk.startswith(keys.GRANT_PREFIX):
                grant = grant_from_item(item)
                snapshot.grants[grant.id] = grant
            elif sk == "PRODUCT":
                product = product_from_item(item)
                snapshot.products[product.sku] = product
            elif sk == "CARD":
                gift_card = gift_card_from_item(item)
                snapshot.gift_cards[gift_card.number] = gift_card
            elif sk == "MARKER":
                snapshot.marker = dict(item)
        if snapshot.customer is not None and snapshot.account is None:
            snapshot.account = LoyaltyAccount(customer_id=customer_id)
        return snapshot

    def _batch_get(self, wanted: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        client = self._table.meta.client
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {self._table.name: {"Keys": list(wanted), "ConsistentRead": True}}
        while request:
            response = client.batch_get_item(RequestItems=request)
            found += response["Responses"].get(self._table.name, [])
            request = response.get("UnprocessedKeys") or {}
        return found

    def account(self, customer_id: str) -> LoyaltyAccount:
        """AP-L2: a customer's account (an empty one if they never earned). 1 GetItem, strongly consistent."""
        item = self._table.get_item(Key=keys.loyalty_account(customer_id), ConsistentRead=True).get("Item")
        return account_from_item(item) if item else LoyaltyAccount(customer_id=customer_id)

    def ledger(self, customer_id: str, *, limit: int, cursor: str | None) -> Page[PointsEntry]:
        """AP-L3: a customer's points ledger, newest first. 1 Query per page."""
        return query_page(
            self._table,
            entry_from_item,
            partition=keys.customer_partition(customer_id),
            sort_key=Key("SK").begins_with(keys.POINTS_PREFIX),
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )

    def ledger_total(self, customer_id: str) -> int:
        """The sum of the whole ledger (checks and tests; the balance item holds it). 1 Query per 1 MB."""
        partition = keys.customer_partition(customer_id)
        total, start = 0, None
        while True:
            request: dict[str, Any] = {
                "KeyConditionExpression": Key("PK").eq(partition) & Key("SK").begins_with(keys.POINTS_PREFIX),
                "ProjectionExpression": "points",
            }
            if start:
                request["ExclusiveStartKey"] = start
            response = self._table.query(**request)
            total += sum(to_int(i["points"]) for i in response["Items"])
            start = response.get("LastEvaluatedKey")
            if not start:
                return total

    def grants(self, customer_id: str) -> list[RewardGrant]:
        """AP-L4: the rewards granted to a customer (birthday rewards). 1 Query."""
        response = self._table.query(
            KeyConditionExpression=Key("PK").eq(keys.customer_partition(customer_id))
            & Key("SK").begins_with(keys.GRANT_PREFIX),
            ScanIndexForward=False,
            Limit=50,
        )
        return [grant_from_item(i) for i in response["Items"]]

    def marker(self, store_id: str, idempotency_key: str) -> dict[str, Any] | None:
        """AP-L5: the purchase an idempotency key recorded. 1 GetItem, strongly consistent."""
        item = self._table.get_item(Key=keys.purchase_idempotency(store_id, idempotency_key), ConsistentRead=True).get(
            "Item"
        )
        return dict(item) if item else None

    def store_transactions(
        self, store_id: str, local_day: date, *, kind: TransactionType | None, limit: int, cursor: str | None
    ) -> Page[TillTransaction]:
        """AP-L6: a store's till transactions of one local day, oldest first, all types (table) or one (GSI2).
        1 Query per page."""
        day = local_day.isoformat()
        if kind is None:
            return query_page(
                self._table,
                transaction_from_item,
                partition=keys.store_transactions(store_id, day),
                limit=limit,
                cursor=cursor,
            )
        return query_page(
            self._table,
            transaction_from_item,
            index="GSI2",
            partition=keys.store_transactions_of_type(store_id, day, kind.value),
            limit=limit,
            cursor=cursor,
        )

    def accounts_expiring(self, day: date, *, cursor: dict[str, Any] | None) -> tuple[list[str], dict[str, Any] | None]:
        """AP-L7: customers whose oldest lot of points expires on or before `day`. 1 Query on GSI2 per page."""
        request: dict[str, Any] = {
            "IndexName": "GSI2",
            "KeyConditionExpression": Key("GSI2PK").eq(keys.POINTS_EXPIRY_INDEX)
            & Key("GSI2SK").lte(keys.points_expiry_rank(day.isoformat(), "\uffff")),
            "ProjectionExpression": "customer_id",
            "Limit": 100,
        }
        if cursor:
            request["ExclusiveStartKey"] = cursor
        response = self._table.query(**request)
        return [str(i["customer_id"]) for i in response["Items"]], response.get("LastEvaluatedKey")

    def customers_born_in(
        self, month: int, *, cursor: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        """AP-L9: customers whose own or a pet's birth month is `month` (lookup entries). 1 Query on GSI1/page."""
        request: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(keys.customer_index_partition("BMONTH", f"{month:02d}")),
            "ProjectionExpression": "customer_id",
            "Limit": 200,
        }
        if cursor:
            request["ExclusiveStartKey"] = cursor
        response = self._table.query(**request)
        return [str(i["customer_id"]) for i in response["Items"]], response.get("LastEvaluatedKey")

    # ------------------------------------------------------------------ transaction items
    def account_op(self, customer_id: str, change: AccountChange, *, error: DomainError) -> transactions.Op:
        """The account's update for one change: balance, lots, counters, each guarded by a condition."""
        sets = ["entity = :entity", "customer_id = :customer"]
        adds = ["version :one"]
        conditions: list[str] = []
        values: dict[str, Any] = {":entity": ACCOUNT_ENTITY, ":customer": customer_id, ":one": 1}
        names: dict[str, str] = {}

        def add(attribute: str, amount: int, label: str) -> None:
            if amount:
                names[f"#{label}"] = attribute
                values[f":{label}"] = amount
                adds.append(f"#{label} :{label}")

        add("points", change.credit - change.debit, "points")
        add("consumed", change.debit, "consumed")
        add("lifetime_earned", change.credit, "lifetime")
        add("orders", change.orders, "orders")
        if change.credit:
            add(LOT + (change.lot or NEVER).isoformat(), change.credit, "lot")
        if change.visit_day is not None:
            add("visits", 1, "visits")
            sets.append("last_visit_day = :visit_day")
            values[":visit_day"] = change.visit_day.isoformat()
        for index, (counter, amount) in enumerate(sorted(change.counters.items())):
            add(counter, amount, f"c{index}")
        if change.debit:
            conditions.append("#points >= :debit")
            names["#points"] = "points"
            values[":debit"] = change.debit
        for index, (counter, expected) in enumerate(sorted(change.expected_counters.items())):
            names[f"#e{index}"] = counter
            values[f":e{index}"] = expected
            clause = f"#e{index} = :e{index}"
            conditions.append(f"(attribute_not_exists(#e{index}) OR {clause})" if expected == 0 else clause)
        if change.first_order_only:
            names["#orders_seen"] = "orders"
            values[":zero"] = 0
            conditions.append("(attribute_not_exists(#orders_seen) OR #orders_seen = :zero)")
        if change.indexed_expiry:
            sets.append("GSI2PK = :expiry_index, GSI2SK = if_not_exists(GSI2SK, :expiry_rank)")
            values[":expiry_index"] = keys.POINTS_EXPIRY_INDEX
            values[":expiry_rank"] = keys.points_expiry_rank(change.indexed_expiry.isoformat(), customer_id)
        expression = "SET " + ", ".join(sets) + " ADD " + ", ".join(adds)
        return transactions.update(
            self._table,
            keys.loyalty_account(customer_id),
            expression,
            values=values,
            names=names or None,
            condition=" AND ".join(conditions) or None,
            error=error,
        )

    def expire_op(
        self,
        account: LoyaltyAccount,
        *,
        expired: int,
        drop: Sequence[date],
        next_expiry: date | None,
        error: DomainError,
    ) -> transactions.Op:
        """AP-L8: take expired points off and drop spent lots, if nobody wrote the account since it was read; the
        account stays indexed (AP-L7) by `next_expiry`, its oldest remaining lot's, or leaves the index (None)."""
        dropped = sum(account.lots[d] for d in drop)
        names: dict[str, str] = {f"#d{i}": LOT + d.isoformat() for i, d in enumerate(drop)}
        names |= {"#points": "points", "#consumed": "consumed", "#version": "version"}
        values: dict[str, Any] = {
            ":one": 1,
            ":read": account.version,
            ":minus": -expired,
            ":consumed": expired - dropped,
        }
        removes = [n for n in names if n.startswith("#d")]
        sets = []
        if next_expiry is None:
            removes += ["GSI2PK", "GSI2SK"]
        else:
            sets.append("GSI2SK = :rank")
            values[":rank"] = keys.points_expiry_rank(next_expiry.isoformat(), account.customer_id)
        expression = "ADD #version :one, #points :minus, #consumed :consumed"
        if sets:
            expression += " SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        return transactions.update(
            self._table,
            keys.loyalty_account(account.customer_id),
            expression,
            values=values,
            names=names or None,
            condition="#version = :read",
            error=error,
        )

    def entry_op(self, entry: PointsEntry) -> transactions.Op:
        item = without_none(
            {
                **keys.points_entry(entry.customer_id, when(entry.at), entry.id),
                "entity": "points_entry",
                "id": entry.id,
                "customer_id": entry.customer_id,
                "type": entry.type.value,
                "points": entry.points,
                "at": when(entry.at),
                "store_id": entry.store_id,
                "purchase_id": entry.purchase_id,
                "order_id": entry.order_id,
                "associate_id": entry.associate_id,
                "reason": entry.reason,
                "expires_on": entry.expires_on.isoformat() if entry.expires_on and entry.expires_on != NEVER else None,
            }
        )
        return transactions.put(self._table, item, condition="attribute_not_exists(PK)")

    def purchase_op(self, customer_id: str, record: dict[str, Any]) -> transactions.Op:
        """The purchase record under the customer's partition (the response the till got, kept for replays)."""
        item = {
            **keys.purchase(customer_id, record["at"], record["id"]),
            "entity": "purchase",
            "id": record["id"],
            "customer_id": customer_id,
            "store_id": record["store_id"],
            "at": record["at"],
            "record": json.dumps(record, separators=(",", ":"), ensure_ascii=False),
        }
        return transactions.put(self._table, item, condition="attribute_not_exists(PK)")

    def marker_op(
        self,
        store_id: str,
        idempotency_key: str,
        *,
        request_hash: str,
        response: str,
        now_epoch: int,
        error: DomainError,
    ) -> transactions.Op:
        """AP-L5: the idempotency marker, in the purchase's transaction: a replay finds it, a duplicate fails."""
        item = {
            **keys.purchase_idempotency(store_id, idempotency_key),
            "entity": "purchase_marker",
            "request_hash": request_hash,
            "response": response,
            "expires_at": now_epoch + int(MARKER_RETENTION.total_seconds()),
        }
        return transactions.put(self._table, item, condition="attribute_not_exists(PK)", error=error)

    def order_marker_op(self, order_id: str, customer_id: str, error: DomainError) -> transactions.Op:
        """AP-L10: a paid order earns once: its marker is written with the points."""
        item = {
            **keys.order_points(order_id),
            "entity": "order_points",
            "order_id": order_id,
            "customer_id": customer_id,
        }
        return transactions.put(self._table, item, condition="attribute_not_exists(PK)", error=error)

    def transaction_op(self, tx: TillTransaction) -> transactions.Op:
        day = tx.local_day.isoformat()
        item = without_none(
            {
                **keys.store_transaction(tx.store_id, day, when(tx.at), tx.id),
                "entity": "till_transaction",
                "GSI2PK": keys.store_transactions_of_type(tx.store_id, day, tx.type.value),
                "GSI2SK": f"{when(tx.at)}#{tx.id}",
                "id": tx.id,
                "type": tx.type.value,
                "store_id": tx.store_id,
                "local_day": day,
                "at": when(tx.at),
                "associate_id": tx.associate_id,
                "currency": tx.currency,
                "customer_id": tx.customer_id,
                "purchase_id": tx.purchase_id,
                "total_minor": tx.total_minor,
                "discount_minor": tx.discount_minor,
                "gift_cards_minor": tx.gift_cards_minor,
                "due_minor": tx.due_minor,
                "points_earned": tx.points_earned,
                "points_redeemed": tx.points_redeemed,
                "rewards": list(tx.rewards) or None,
                "gift_card_last4": list(tx.gift_card_last4) or None,
                "note": tx.note,
            }
        )
        return transactions.put(self._table, item)

    def grant_put_op(self, grant: RewardGrant, *, error: DomainError | None = None) -> transactions.Op:
        """AP-L11: grant a reward once (the id names the program and the period); `error` when already granted."""
        item = {
            **keys.reward_grant(grant.customer_id, grant.id),
            "entity": "reward_grant",
            "id": grant.id,
            "program_id": grant.program_id,
            "customer_id": grant.customer_id,
            "valid_from": grant.valid_from.isoformat(),
            "valid_until": grant.valid_until.isoformat(),
            "reason": grant.reason,
            "created_at": when(grant.created_at),
        }
        return transactions.put(self._table, item, condition="attribute_not_exists(PK)", error=error)

    def grant_use_op(self, grant: RewardGrant, *, purchase_id: str, at_iso: str, error: DomainError) -> transactions.Op:
        return transactions.update(
            self._table,
            keys.reward_grant(grant.customer_id, grant.id),
            "SET used_at = :at, purchase_id = :purchase",
            values={":at": at_iso, ":purchase": purchase_id},
            condition="attribute_exists(PK) AND attribute_not_exists(used_at)",
            error=error,
        )

    def activation_op(self, token: str, customer_id: str, *, expires_epoch: int) -> transactions.Op:
        item = {
            **keys.loyalty_activation(token),
            "entity": "loyalty_activation",
            "customer_id": customer_id,
            "expires_at": expires_epoch,
        }
        return transactions.put(self._table, item, condition="attribute_not_exists(PK)")


# ---------------------------------------------------------------------- item mapping
def account_from_item(item: dict[str, Any]) -> LoyaltyAccount:
    lots = {date.fromisoformat(k[len(LOT) :]): to_int(v) for k, v in item.items() if k.startswith(LOT)}
    counters = {
        k: to_int(v)
        for k, v in item.items()
        if (k.startswith(("vused_", "fb_", "fbused_"))) and isinstance(v, Decimal | int)
    }
    return LoyaltyAccount(
        customer_id=str(item["customer_id"]),
        points=to_int(item.get("points")),
        consumed=to_int(item.get("consumed")),
        lots={d: n for d, n in lots.items() if n},
        lifetime_earned=to_int(item.get("lifetime_earned")),
        orders=to_int(item.get("orders")),
        visits=to_int(item.get("visits")),
        last_visit_day=date.fromisoformat(str(item["last_visit_day"])) if item.get("last_visit_day") else None,
        counters=counters,
        version=to_int(item.get("version")),
    )


def entry_from_item(item: dict[str, Any]) -> PointsEntry:
    return PointsEntry(
        id=str(item["id"]),
        customer_id=str(item["customer_id"]),
        type=EntryType(str(item["type"])),
        points=to_int(item["points"]),
        at=dt(item["at"]),
        store_id=item.get("store_id"),
        purchase_id=item.get("purchase_id"),
        order_id=item.get("order_id"),
        associate_id=item.get("associate_id"),
        reason=item.get("reason"),
        expires_on=date.fromisoformat(str(item["expires_on"])) if item.get("expires_on") else None,
    )


def grant_from_item(item: dict[str, Any]) -> RewardGrant:
    return RewardGrant(
        id=str(item["id"]),
        program_id=str(item["program_id"]),
        customer_id=str(item["customer_id"]),
        valid_from=date.fromisoformat(str(item["valid_from"])),
        valid_until=date.fromisoformat(str(item["valid_until"])),
        reason=str(item.get("reason", "")),
        created_at=dt(item["created_at"]),
        used_at=dt_or_none(item.get("used_at")),
        purchase_id=item.get("purchase_id"),
    )


def transaction_from_item(item: dict[str, Any]) -> TillTransaction:
    return TillTransaction(
        id=str(item["id"]),
        type=TransactionType(str(item["type"])),
        store_id=str(item["store_id"]),
        local_day=date.fromisoformat(str(item["local_day"])),
        at=dt(item["at"]),
        associate_id=str(item["associate_id"]),
        currency=item.get("currency"),
        customer_id=item.get("customer_id"),
        purchase_id=item.get("purchase_id"),
        total_minor=to_int(item.get("total_minor")),
        discount_minor=to_int(item.get("discount_minor")),
        gift_cards_minor=to_int(item.get("gift_cards_minor")),
        due_minor=to_int(item.get("due_minor")),
        points_earned=to_int(item.get("points_earned")),
        points_redeemed=to_int(item.get("points_redeemed")),
        rewards=tuple(str(r) for r in item.get("rewards", [])),
        gift_card_last4=tuple(str(r) for r in item.get("gift_card_last4", [])),
        note=item.get("note"),
    )
