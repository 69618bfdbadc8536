"""A customer's loyalty account, points ledger entries, purchases and the till's transaction log. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from clienteling.loyalty.domain import points
from clienteling.loyalty.domain.rewards import FrequentBuyerCard

NEVER = date.max  # the lot of points that never expire


class EntryType(StrEnum):
    EARN = "earn"
    REDEEM = "redeem"
    ADJUST = "adjust"
    EXPIRE = "expire"


class TransactionType(StrEnum):
    PURCHASE = "purchase"
    GIFT_CARD_SALE = "gift_card_sale"
    GIFT_CARD_REFUND = "gift_card_refund"
    POINTS_ADJUSTMENT = "points_adjustment"


@dataclass(frozen=True, slots=True)
class LoyaltyAccount:
    customer_id: str
    points: int = 0
    consumed: int = 0
    lots: dict[date, int] = field(default_factory=dict)
    lifetime_earned: int = 0
    orders: int = 0
    visits: int = 0
    last_visit_day: date | None = None
    counters: dict[str, int] = field(default_factory=dict)  # per-visit rewards used, frequent-buyer progress
    version: int = 0  # 0: no account yet

    def counter(self, name: str) -> int:
        return self.counters.get(name, 0)

    def next_expiry(self) -> tuple[date, int] | None:
        return points.next_expiry({d: n for d, n in self.lots.items() if d != NEVER}, self.consumed)


def visit_counter(program_id: str) -> str:
    return f"vused_{program_id}"


def card_bought_counter(card_id: str) -> str:
    return f"fb_{card_id}"


def card_used_counter(card_id: str) -> str:
    return f"fbused_{card_id}"


@dataclass(frozen=True, slots=True)
class PointsEntry:
    id: str
    customer_id: str
    type: EntryType
    points: int  # signed
    at: datetime
    store_id: str | None = None
    purchase_id: str | None = None
    order_id: str | None = None
    associate_id: str | None = None
    reason: str | None = None
    expires_on: date | None = None  # credits


@dataclass(frozen=True, slots=True)
class TillTransaction:
    """One line of a store's till log (customer ids only: no names, phones or card numbers in clear)."""

    id: str
    type: TransactionType
    store_id: str
    local_day: date
    at: datetime
    associate_id: str
    currency: str | None = None
    customer_id: str | None = None
    purchase_id: str | None = None
    total_minor: int = 0
    discount_minor: int = 0
    gift_cards_minor: int = 0
    due_minor: int = 0  # paid with other tenders
    points_earned: int = 0
    points_redeemed: int = 0
    rewards: tuple[str, ...] = ()  # titles
    gift_card_last4: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Available:
    kind: str  # reward | frequent_buyer_card | grant
    id: str
    title: str
    type: str
    cost_points: int = 0
    percent: Any = None
    gift_name: str | None = None
    available: int = 1
    valid_until: date | None = None
    missing_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CardProgress:
    card: FrequentBuyerCard
    bought: int
    free_available: int
