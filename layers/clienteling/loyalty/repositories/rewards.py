"""Rewards programs, frequent-buyer cards and the loyalty earning rule in the single table.
Access patterns AP-R1..AP-R4 of docs/data-model.md."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import StaleVersion
from clienteling.kernel.items import dt, to_int, when, without_none
from clienteling.kernel.search_text import fold
from clienteling.loyalty.domain.points import EarningRule
from clienteling.loyalty.domain.rewards import FrequentBuyerCard, RequiredField, RewardProgram, RewardType, StoreScope

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class RewardsRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    # ------------------------------------------------------------------ programs
    def get_program(self, program_id: str) -> RewardProgram | None:
        """AP-R1: one program. 1 GetItem."""
        item = self._table.get_item(Key=keys.reward_program(program_id)).get("Item")
        return program_from_item(item) if item else None

    def programs(self, _: str = "") -> list[RewardProgram]:
        """AP-R2: every program by title (a retailer has tens). 1 Query on GSI1 per 1 MB."""
        return [program_from_item(i) for i in self._all(keys.REWARDS_INDEX)]

    def save_program_op(self, program: RewardProgram, *, previous_version: int) -> transactions.Op:
        """AP-R3: create (version 1, if absent) or replace if still at the version read (else StaleVersion)."""
        return self._save_op(program_to_item(program), previous_version)

    # ------------------------------------------------------------------ frequent-buyer cards
    def get_card(self, card_id: str) -> FrequentBuyerCard | None:
        """AP-R1: one frequent-buyer card. 1 GetItem."""
        item = self._table.get_item(Key=keys.frequent_buyer_card(card_id)).get("Item")
        return card_from_item(item) if item else None

    def cards(self, _: str = "") -> list[FrequentBuyerCard]:
        """AP-R2: every frequent-buyer card by title. 1 Query on GSI1 per 1 MB."""
        return [card_from_item(i) for i in self._all(keys.FREQUENT_BUYER_CARDS_INDEX)]

    def save_card_op(self, card: FrequentBuyerCard, *, previous_version: int) -> transactions.Op:
        """AP-R3: as for programs."""
        return self._save_op(card_to_item(card), previous_version)

    # ------------------------------------------------------------------ earning rule
    def earning_rule(self, _: str = "") -> EarningRule:
        """AP-R4: the business's earning rule (defaults when never saved). 1 GetItem."""
        return self.versioned_earning_rule()[0]

    def versioned_earning_rule(self) -> tuple[EarningRule, int]:
        """AP-R4: the rule and its version (0: never saved, the defaults apply). 1 GetItem."""
        item: dict[str, Any] | None = self._table.get_item(Key=keys.loyalty_settings()).get("Item")
        if not item:
            return EarningRule(), 0
        return EarningRule(
            points_per_unit=Decimal(str(item["points_per_unit"])),
            category_multipliers={str(k): Decimal(str(v)) for k, v in item.get("category_multipliers", {}).items()},
            expiry_days=to_int(item["expiry_days"]) if item.get("expiry_days") is not None else None,
        ), to_int(item["version"])

    def save_earning_rule_op(self, rule: EarningRule, *, version: int, updated_at: datetime) -> transactions.Op:
        """AP-R4: save the rule as `version` if nobody saved since the version before it (else StaleVersion)."""
        item = without_none(
            {
                **keys.loyalty_settings(),
                "entity": "loyalty_settings",
                "points_per_unit": rule.points_per_unit,
                "category_multipliers": dict(rule.category_multipliers),
                "expiry_days": rule.expiry_days,
                "version": version,
                "updated_at": when(updated_at),
            }
        )
        return self._save_op(item, version - 1)

    # ------------------------------------------------------------------ helpers
    def _save_op(self, item: dict[str, Any], previous_version: int) -> transactions.Op:
        condition = "attribute_not_exists(PK)" if previous_version == 0 else "version = :v"
        values = None if previous_version == 0 else {":v": previous_version}
        return transactions.put(self._table, item, condition=condition, values=values, error=StaleVersion())

    def _all(self, partition: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            request: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq(partition)}
            if start:
                request["ExclusiveStartKey"] = start
            response = self._table.query(**request)
            items += response["Items"]
            start = response.get("LastEvaluatedKey")
            if not start:
                return items


def _scope_to_item(scope: StoreScope) -> dict[str, Any]:
    return {
        "store_ids": list(scope.store_ids) if scope.store_ids is not None else None,
        "excluded_store_ids": list(scope.excluded_store_ids) or None,
    }


def _scope_from_item(item: dict[str, Any]) -> StoreScope:
    stores = item.get("store_ids")
    return StoreScope(
        store_ids=tuple(str(s) for s in stores) if stores is not None else None,
        excluded_store_ids=tuple(str(s) for s in item.get("excluded_store_ids", [])),
    )


def program_to_item(program: RewardProgram) -> dict[str, Any]:
    return without_none(
        {
            **keys.reward_program(program.id),
            "entity": "reward_program",
            "GSI1PK": keys.REWARDS_INDEX,
            "GSI1SK": f"{fold(program.title)}#{program.id}",
            "id": program.id,
            "type": program.type.value,
            "title": program.title,
            "cost_points": program.cost_points,
            **_scope_to_item(program.scope),
            "percent": program.percent,
            "gift_name": program.gift_name,
            "welcome": program.welcome or None,
            "per_visit": program.per_visit,
            "pro_only": program.pro_only or None,
            "required_fields": [f.value for f in program.required_fields] or None,
            "birthday": program.birthday or None,
            "active": program.active,
            "version": program.version,
            "created_at": when(program.created_at),
            "updated_at": when(program.updated_at),
        }
    )


def program_from_item(item: dict[str, Any]) -> RewardProgram:
    return RewardProgram(
        id=str(item["id"]),
        type=RewardType(str(item["type"])),
        title=str(item["title"]),
        cost_points=to_int(item["cost_points"]),
        scope=_scope_from_item(item),
        version=to_int(item["version"]),
        created_at=dt(item["created_at"]),
        updated_at=dt(item["updated_at"]),
        percent=Decimal(str(item["percent"])) if item.get("percent") is not None else None,
        gift_name=item.get("gift_name"),
        welcome=bool(item.get("welcome")),
        per_visit=to_int(item["per_visit"]) if item.get("per_visit") else None,
        pro_only=bool(item.get("pro_only")),
        required_fields=tuple(RequiredField(str(f)) for f in item.get("required_fields", [])),
        birthday=bool(item.get("birthday")),
        active=bool(item.get("active", True)),
    )


def card_to_item(card: FrequentBuyerCard) -> dict[str, Any]:
    return without_none(
        {
            **keys.frequent_buyer_card(card.id),
            "entity": "frequent_buyer_card",
            "GSI1PK": keys.FREQUENT_BUYER_CARDS_INDEX,
            "GSI1SK": f"{fold(card.title)}#{card.id}",
            "id": card.id,
            "title": card.title,
            "buy_count": card.buy_count,
            "sku": card.sku,
            "category_id": card.category_id,
            **_scope_to_item(card.scope),
            "active": card.active,
            "version": card.version,
            "created_at": when(card.created_at),
            "updated_at": when(card.updated_at),
        }
    )


def card_from_item(item: dict[str, Any]) -> FrequentBuyerCard:
    return FrequentBuyerCard(
        id=str(item["id"]),
        title=str(item["title"]),
        buy_count=to_int(item["buy_count"]),
        scope=_scope_from_item(item),
        version=to_int(item["version"]),
        created_at=dt(item["created_at"]),
        updated_at=dt(item["updated_at"]),
        sku=item.get("sku"),
        category_id=item.get("category_id"),
        active=bool(item.get("active", True)),
    )
