"""Rewards programs, frequent-buyer cards and the earning rule on the wire."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from clienteling.kernel.fields import CategoryId, Sku
from clienteling.kernel.wire import ApiModel, Id, NonEmptyText, ResponseModel
from clienteling.loyalty.contracts.values import Percent, exactly_one
from clienteling.loyalty.domain.points import EarningRule
from clienteling.loyalty.domain.rewards import FrequentBuyerCard, RequiredField, RewardProgram, RewardType


# ---------------------------------------------------------------------- rewards programs
class _Scope(ApiModel):
    store_ids: list[Id] | None = Field(default=None, description="null: every store (admins only)")
    excluded_store_ids: list[Id] = Field(default_factory=list, max_length=200)


class RewardCreate(_Scope):
    type: RewardType
    title: NonEmptyText
    cost_points: int = Field(default=0, ge=0, le=10_000_000)
    percent: Percent | None = Field(default=None, description="discount and cashback")
    gift_name: NonEmptyText | None = Field(default=None, description="gift")
    welcome: bool = Field(default=False, description="Only on the customer's very first order")
    per_visit: int | None = Field(default=None, ge=1, le=1000, description="Granted after every N visits (no points)")
    pro_only: bool = False
    required_fields: list[RequiredField] = Field(default_factory=list, max_length=4)
    birthday: bool = Field(default=False, description="Granted by the daily job for the birth month (or a pet's)")

    @model_validator(mode="after")
    def _coherent(self) -> RewardCreate:
        if self.type in (RewardType.DISCOUNT, RewardType.CASHBACK) and self.percent is None:
            raise ValueError("discount and cashback rewards need a percent")
        if self.type != RewardType.GIFT and self.gift_name is not None:
            raise ValueError("only gift rewards have a giftName")
        if self.type == RewardType.GIFT and (self.gift_name is None or self.percent is not None):
            raise ValueError("a gift reward has a giftName and no percent")
        if self.per_visit and self.birthday:
            raise ValueError("a reward is granted per visit or for birthdays, not both")
        return self


class RewardUpdate(ApiModel):
    title: NonEmptyText | None = None
    cost_points: int | None = Field(default=None, ge=0, le=10_000_000)
    active: bool | None = None
    pro_only: bool | None = None
    required_fields: list[RequiredField] | None = Field(default=None, max_length=4)
    store_ids: list[Id] | None = None
    excluded_store_ids: list[Id] | None = Field(default=None, max_length=200)


class RewardOut(ResponseModel):
    id: str
    type: RewardType
    title: str
    cost_points: int
    percent: Decimal | None = None
    gift_name: str | None = None
    store_ids: list[str] | None
    excluded_store_ids: list[str]
    welcome: bool
    per_visit: int | None = None
    pro_only: bool
    required_fields: list[RequiredField]
    birthday: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class FrequentBuyerCardCreate(_Scope):
    title: NonEmptyText
    buy_count: int = Field(ge=1, le=100, description="Buy this many, get the next one free")
    sku: Sku | None = None
    category_id: CategoryId | None = None

    @model_validator(mode="after")
    def _one(self) -> FrequentBuyerCardCreate:
        exactly_one(self, ("sku", "category_id"))
        return self


class FrequentBuyerCardUpdate(ApiModel):
    title: NonEmptyText | None = None
    active: bool | None = None


class FrequentBuyerCardOut(ResponseModel):
    id: str
    title: str
    buy_count: int
    sku: str | None = None
    category_id: str | None = None
    store_ids: list[str] | None
    excluded_store_ids: list[str]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class EarningRuleUpdate(ApiModel):
    points_per_unit: Annotated[Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=3)] | None = None
    category_multipliers: dict[CategoryId, Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]] | None = Field(
        default=None, max_length=100
    )
    expiry_days: int | None = Field(default=None, ge=1, le=3650, description="null with clearExpiry: never expire")
    clear_expiry: bool = False


class EarningRuleOut(ResponseModel):
    points_per_unit: Decimal = Field(description="Points per whole unit of the store's currency, rounded down")
    category_multipliers: dict[str, Decimal]
    expiry_days: int | None
    version: int


def reward_out(program: RewardProgram) -> RewardOut:
    return RewardOut(
        id=program.id,
        type=program.type,
        title=program.title,
        cost_points=program.costs_points,
        percent=program.percent,
        gift_name=program.gift_name,
        store_ids=list(program.scope.store_ids) if program.scope.store_ids is not None else None,
        excluded_store_ids=list(program.scope.excluded_store_ids),
        welcome=program.welcome,
        per_visit=program.per_visit,
        pro_only=program.pro_only,
        required_fields=list(program.required_fields),
        birthday=program.birthday,
        active=program.active,
        version=program.version,
        created_at=program.created_at,
        updated_at=program.updated_at,
    )


def card_out(card: FrequentBuyerCard) -> FrequentBuyerCardOut:
    return FrequentBuyerCardOut(
        id=card.id,
        title=card.title,
        buy_count=card.buy_count,
        sku=card.sku,
        category_id=card.category_id,
        store_ids=list(card.scope.store_ids) if card.scope.store_ids is not None else None,
        excluded_store_ids=list(card.scope.excluded_store_ids),
        active=card.active,
        version=card.version,
        created_at=card.created_at,
        updated_at=card.updated_at,
    )


def rule_out(rule: EarningRule, version: int) -> EarningRuleOut:
    return EarningRuleOut(
        points_per_unit=rule.points_per_unit,
        category_multipliers=dict(rule.category_multipliers),
        expiry_days=rule.expiry_days,
        version=version,
    )
