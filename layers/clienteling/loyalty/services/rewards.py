"""Rewards programs, frequent-buyer cards and the earning rule: managers set them up, associates read them.

Scoping: a program or card offered in every store (storeIds null), or in stores outside the manager's own,
needs an admin; a manager sets up and changes those of their own stores only.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

from clienteling.kernel.access import Caller, Role
from clienteling.kernel.cache import TtlCache
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Forbidden, NotFound, StaleVersion
from clienteling.kernel.ids import new_id
from clienteling.kernel.unit_of_work import StartWork
from clienteling.loyalty.domain.points import EarningRule
from clienteling.loyalty.domain.rewards import FrequentBuyerCard, RewardProgram, StoreScope
from clienteling.loyalty.repositories.rewards import RewardsRepository

if TYPE_CHECKING:
    from clienteling.loyalty.contracts.rewards import (
        EarningRuleUpdate,
        FrequentBuyerCardCreate,
        FrequentBuyerCardUpdate,
        RewardCreate,
        RewardUpdate,
    )


def _require_scope(caller: Caller, scope: StoreScope) -> None:
    caller.require_role(Role.MANAGER)
    if caller.is_admin:
        return
    if not scope.within(caller.store_ids):
        raise Forbidden("Managers set up rewards for their own stores only: give storeIds (all stores needs an admin).")


class RewardsService:
    def __init__(
        self,
        rewards: RewardsRepository,
        *,
        work: StartWork,
        programs_cache: TtlCache[str, list[RewardProgram]],
        cards_cache: TtlCache[str, list[FrequentBuyerCard]],
        rule_cache: TtlCache[str, EarningRule],
        clock: Clock,
    ) -> None:
        self._rewards = rewards
        self._work = work
        self._programs_cache = programs_cache
        self._cards_cache = cards_cache
        self._rule_cache = rule_cache
        self._clock = clock

    # ------------------------------------------------------------------ programs
    def create_program(self, caller: Caller, data: RewardCreate) -> RewardProgram:
        scope = StoreScope(
            tuple(data.store_ids) if data.store_ids is not None else None, tuple(data.excluded_store_ids)
        )
        _require_scope(caller, scope)
        now = self._clock()
        program = RewardProgram(
            id=new_id(),
            type=data.type,
            title=data.title,
            cost_points=data.cost_points,
            scope=scope,
            version=1,
            created_at=now,
            updated_at=now,
            percent=data.percent,
            gift_name=data.gift_name,
            welcome=data.welcome,
            per_visit=data.per_visit,
            pro_only=data.pro_only,
            required_fields=tuple(dict.fromkeys(data.required_fields)),
            birthday=data.birthday,
        )
        with self._work() as work:
            work.add(self._rewards.save_program_op(program, previous_version=0))
        self._programs_cache.forget("")
        return program

    def programs(self, caller: Caller, *, store_id: str | None, include_inactive: bool) -> list[RewardProgram]:
        caller.require_role(Role.ASSOCIATE)
        if store_id is not None:
            caller.require_store(store_id)
        return [
            p
            for p in self._rewards.programs()
            if (include_inactive or p.active) and (store_id is None or p.scope.covers(store_id))
        ]

    def program(self, caller: Caller, program_id: str) -> RewardProgram:
        caller.require_role(Role.ASSOCIATE)
        program = self._rewards.get_program(program_id)
        if program is None:
            raise NotFound("No such reward.")
        return program

    def update_program(
        self, caller: Caller, program_id: str, patch: RewardUpdate, *, expected_version: int
    ) -> RewardProgram:
        current = self.program(caller, program_id)
        _require_scope(caller, current.scope)
        if current.version != expected_version:
            raise StaleVersion()
        sent = patch.model_fields_set
        changes: dict[str, object] = {
            name: getattr(patch, name)
            for name in ("title", "cost_points", "active", "pro_only")
            if name in sent and getattr(patch, name) is not None
        }
        if "required_fields" in sent:
            changes["required_fields"] = tuple(dict.fromkeys(patch.required_fields or []))
        if "store_ids" in sent or "excluded_store_ids" in sent:
            scope = StoreScope(
                tuple(patch.store_ids) if patch.store_ids is not None else None,
                tuple(patch.excluded_store_ids or ())
                if "excluded_store_ids" in sent
                else current.scope.excluded_store_ids,
            )
            _require_scope(caller, scope)
            changes["scope"] = scope
        updated = dataclasses.replace(current, **changes, version=current.version + 1, updated_at=self._clock())  # type: ignore[arg-type]
        with self._work() as work:
            work.add(self._rewards.save_program_op(updated, previous_version=current.version))
        self._programs_cache.forget("")
        return updated

    # ------------------------------------------------------------------ frequent-buyer cards
    def create_card(self, caller: Caller, data: FrequentBuyerCardCreate) -> FrequentBuyerCard:
        scope = StoreScope(
            tuple(data.store_ids) if data.store_ids is not None else None, tuple(data.excluded_store_ids)
        )
        _require_scope(caller, scope)
        now = self._clock()
        card = FrequentBuyerCard(
            id=new_id(),
            title=data.title,
            buy_count=data.buy_count,
            scope=scope,
            version=1,
            created_at=now,
            updated_at=now,
            sku=data.sku,
            category_id=data.category_id,
        )
        with self._work() as work:
            work.add(self._rewards.save_card_op(card, previous_version=0))
        self._cards_cache.forget("")
        return card

    def cards(self, caller: Caller, *, store_id: str | None) -> list[FrequentBuyerCard]:
        caller.require_role(Role.ASSOCIATE)
        if store_id is not None:
            caller.require_store(store_id)
        return [c for c in self._rewards.cards() if store_id is None or c.scope.covers(store_id)]

    def update_card(
        self, caller: Caller, card_id: str, patch: FrequentBuyerCardUpdate, *, expected_version: int
    ) -> FrequentBuyerCard:
        caller.require_role(Role.MANAGER)
        current = self._rewards.get_card(card_id)
        if current is None:
            raise NotFound("No such frequent-buyer card.")
        _require_scope(caller, current.scope)
        if current.version != expected_version:
            raise StaleVersion()
        updated = dataclasses.replace(
            current,
            title=patch.title or current.title,
            active=current.active if patch.active is None else patch.active,
            version=current.version + 1,
            updated_at=self._clock(),
        )
        with self._work() as work:
            work.add(self._rewards.save_card_op(updated, previous_version=current.version))
        self._cards_cache.forget("")
        return updated

    # ------------------------------------------------------------------ earning rule
    def earning_rule(self, caller: Caller) -> tuple[EarningRule, int]:
        caller.require_role(Role.ASSOCIATE)
        return self._rewards.versioned_earning_rule()

    def update_earning_rule(
        self, caller: Caller, patch: EarningRuleUpdate, *, expected_version: int
    ) -> tuple[EarningRule, int]:
        """Admins only: the rule is the business's, in every store."""
        caller.require_role(Role.ADMIN)
        current, version = self._rewards.versioned_earning_rule()
        if version != expected_version:
            raise StaleVersion()
        updated = EarningRule(
            points_per_unit=patch.points_per_unit if patch.points_per_unit is not None else current.points_per_unit,
            category_multipliers=(
                {k: Decimal(v) for k, v in patch.category_multipliers.items()}
                if patch.category_multipliers is not None
                else current.category_multipliers
            ),
            expiry_days=None if patch.clear_expiry else (patch.expiry_days or current.expiry_days),
        )
        with self._work() as work:
            work.add(self._rewards.save_earning_rule_op(updated, version=version + 1, updated_at=self._clock()))
        self._rule_cache.forget("")
        return updated, version + 1
