"""Rewards programs, frequent-buyer cards and granted rewards: who may use what, and what it takes off a
purchase. Pure rules, no I/O.

Application order inside one purchase (documented in README and docs/data-model.md):
1. frequent-buyer free items: each card takes its cheapest qualifying unit off the basket;
2. percent discounts, each on what is left to pay;
3. cashback: a percent of the order's gross total, taken off as an amount (never more than what is left);
4. gifts: nothing off, the gift is handed over;
5. gift cards, in the order the till sent them, each for the amount asked (never more than what is left);
   the rest is paid with other tenders.
Percent amounts are rounded half up to the currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from clienteling.directory.ports import Customer
from clienteling.kernel.errors import Unprocessable


class RewardType(StrEnum):
    DISCOUNT = "discount"  # a percent off the order
    CASHBACK = "cashback"  # a percent of the order, as an amount off
    GIFT = "gift"  # a named gift


class RequiredField(StrEnum):
    EMAIL = "email"
    PHONE = "phoneNumber"
    ADDRESS = "address"
    BIRTH_DATE = "birthDate"


class RewardRefused(Unprocessable):
    code = "reward_not_eligible"
    default_message = "The customer cannot use this reward here and now."


class MissingCustomerField(Unprocessable):
    code = "missing_customer_field"
    default_message = "The reward needs a customer field that is empty."


class InsufficientPoints(Unprocessable):
    code = "insufficient_points"
    default_message = "The customer does not have enough points."


@dataclass(frozen=True, slots=True)
class StoreScope:
    """All stores (store_ids None) or a list, minus exclusions."""

    store_ids: tuple[str, ...] | None = None
    excluded_store_ids: tuple[str, ...] = ()

    def covers(self, store_id: str) -> bool:
        return (self.store_ids is None or store_id in self.store_ids) and store_id not in self.excluded_store_ids

    def within(self, store_ids: Collection[str]) -> bool:
        """Only stores of `store_ids` (a manager's): never all stores."""
        return self.store_ids is not None and set(self.store_ids) <= set(store_ids)


@dataclass(frozen=True, slots=True)
class RewardProgram:
    id: str
    type: RewardType
    title: str
    cost_points: int
    scope: StoreScope
    version: int
    created_at: datetime
    updated_at: datetime
    percent: Decimal | None = None  # discount and cashback
    gift_name: str | None = None  # gift
    welcome: bool = False  # only on the customer's very first order
    per_visit: int | None = None  # granted after every N recorded visits, instead of costing points
    pro_only: bool = False
    required_fields: tuple[RequiredField, ...] = ()
    birthday: bool = False  # granted by the daily job for the birth month (the customer's or a pet's)
    active: bool = True

    @property
    def costs_points(self) -> int:
        """Per-visit and birthday rewards are granted, not bought: they cost no points."""
        return 0 if self.per_visit or self.birthday else self.cost_points


@dataclass(frozen=True, slots=True)
class FrequentBuyerCard:
    """Buy `buy_count` of a product (sku) or a category, get one free."""

    id: str
    title: str
    buy_count: int
    scope: StoreScope
    version: int
    created_at: datetime
    updated_at: datetime
    sku: str | None = None
    category_id: str | None = None
    active: bool = True

    def qualifies(self, sku: str | None, category_id: str | None) -> bool:
        return (self.sku is not None and sku == self.sku) or (
            self.category_id is not None and category_id == self.category_id
        )


@dataclass(frozen=True, slots=True)
class RewardGrant:
    """A reward granted to one customer for a period (birthday month), used at most once."""

    id: str
    program_id: str
    customer_id: str
    valid_from: date
    valid_until: date
    reason: str
    created_at: datetime
    used_at: datetime | None = None
    purchase_id: str | None = None

    def usable_on(self, day: date) -> bool:
        return self.used_at is None and self.valid_from <= day <= self.valid_until


def missing_fields(customer: Customer, required: Sequence[RequiredField]) -> list[RequiredField]:
    present = {
        RequiredField.EMAIL: bool(customer.email),
        RequiredField.PHONE: bool(customer.phone_number),
        RequiredField.ADDRESS: customer.address is not None,
        RequiredField.BIRTH_DATE: customer.birth_date is not None,
    }
    return [f for f in required if not present[f]]


def check_customer_fields(customer: Customer, program: RewardProgram) -> None:
    missing = missing_fields(customer, program.required_fields)
    if missing:
        raise MissingCustomerField(
            f"“{program.title}” needs the customer's {', '.join(missing)}: fill it in on the customer record first.",
            details=[{"field": f.value, "loc": ["customer", f.value], "type": "missing"} for f in missing],
        )


@dataclass(frozen=True, slots=True)
class Standing:
    """What the customer's loyalty account says, read before the purchase."""

    points: int
    orders: int
    visits: int
    visit_rewards_used: int = 0  # of the program being checked


def refusal(program: RewardProgram, *, store_id: str, customer: Customer, standing: Standing) -> str | None:
    """Why the customer cannot use `program` in this purchase, or None. Fields are checked separately (422
    naming them) and the points balance last (the cost of every reward of the purchase adds up)."""
    if not program.active:
        return "This reward is no longer offered."
    if not program.scope.covers(store_id):
        return "This reward is not offered in this store."
    if program.pro_only and not customer.pro:
        return "This reward is for professional customers only."
    if program.welcome and standing.orders > 0:
        return "This welcome reward is for the customer's first order only."
    if program.birthday:
        return "Birthday rewards are used through the grant the customer received (grantId)."
    if (
        program.per_visit
        and visit_rewards_available(program.per_visit, standing.visits, standing.visit_rewards_used) < 1
    ):
        return f"This reward comes after every {program.per_visit} visits; not reached yet."
    return None


def visit_rewards_available(every: int, visits: int, used: int) -> int:
    return max(0, visits // every - used)


def free_items_available(card: FrequentBuyerCard, bought: int, used: int) -> int:
    return max(0, bought // card.buy_count - used)


def percent_of(amount_minor: int, percent: Decimal) -> int:
    """`percent` % of an amount in minor units, rounded half up to the minor unit."""
    return int((Decimal(amount_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class BasketLine:
    sku: str | None
    category_id: str | None
    quantity: int
    unit_minor: int

    @property
    def total_minor(self) -> int:
        return self.quantity * self.unit_minor


@dataclass(frozen=True, slots=True)
class Applied:
    """One reward's effect on the purchase."""

    key: str  # program id, card id or grant id
    amount_minor: int  # taken off the order
    free_line: int | None = None  # the basket line whose unit a frequent-buyer card made free


@dataclass
class Pricing:
    gross_minor: int
    applied: list[Applied] = field(default_factory=list)

    @property
    def discount_minor(self) -> int:
        return sum(a.amount_minor for a in self.applied)

    @property
    def due_minor(self) -> int:
        return self.gross_minor - self.discount_minor


def price(
    lines: Sequence[BasketLine],
    *,
    free_item_cards: Sequence[FrequentBuyerCard],
    programs: Sequence[tuple[str, RewardProgram]],
) -> Pricing:
    """Apply rewards in the documented order. `programs` are (key, program) with key the program or grant id."""
    pricing = Pricing(gross_minor=sum(line.total_minor for line in lines))
    left = [line.quantity for line in lines]
    for card in free_item_cards:
        candidates = [i for i, line in enumerate(lines) if left[i] > 0 and card.qualifies(line.sku, line.category_id)]
        if not candidates:
            raise RewardRefused(f"“{card.title}”: the purchase has no qualifying item to give free.")
        cheapest = min(candidates, key=lambda i: lines[i].unit_minor)
        left[cheapest] -= 1
        pricing.applied.append(Applied(card.id, lines[cheapest].unit_minor, free_line=cheapest))
    for key, program in programs:
        if program.type == RewardType.DISCOUNT and program.percent is not None:
            pricing.applied.append(Applied(key, percent_of(pricing.due_minor, program.percent)))
    for key, program in programs:
        if program.type == RewardType.CASHBACK and program.percent is not None:
            amount = min(percent_of(pricing.gross_minor, program.percent), pricing.due_minor)
            pricing.applied.append(Applied(key, amount))
    for key, program in programs:
        if program.type == RewardType.GIFT:
            pricing.applied.append(Applied(key, 0))
    return pricing


def paid_units(lines: Sequence[BasketLine], card: FrequentBuyerCard, free_lines: Sequence[int]) -> int:
    """Qualifying units the customer paid for in this purchase (free ones do not count towards the card)."""
    bought = sum(line.quantity for line in lines if card.qualifies(line.sku, line.category_id))
    return max(0, bought - sum(1 for i in free_lines if card.qualifies(lines[i].sku, lines[i].category_id)))
