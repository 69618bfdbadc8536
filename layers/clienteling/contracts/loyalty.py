"""Loyalty on the wire: purchases at the till, the customer's loyalty view and card, points adjustments, the
till's transactions, rewards programs, frequent-buyer cards, the earning rule and gift cards."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints, model_validator

from clienteling.contracts.base import ApiModel, Id, NonEmptyText, Page, ResponseModel
from clienteling.contracts.customers import Name, PhoneText
from clienteling.domain.gift_cards import CardKind, MovementType
from clienteling.domain.loyalty import EntryType, TransactionType
from clienteling.domain.rewards import RequiredField, RewardType

Minor = Annotated[int, Field(ge=0, le=10**10, description="An amount in minor units of the currency (cents)")]
PositiveMinor = Annotated[int, Field(ge=1, le=10**10, description="An amount in minor units of the currency")]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CategoryId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ScannedNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9 \-]+$"),
]
CardNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=40, pattern=r"^[0-9 \-]+$")
]
Pin = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=8, pattern=r"^[0-9]+$")]
Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]


def _exactly_one(model: ApiModel, names: tuple[str, ...]) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of {', '.join(names)}")


# ---------------------------------------------------------------------- purchases
class NewCustomer(ApiModel):
    """A customer without a card yet: created with the purchase, in the purchase's store."""

    first_name: Name
    last_name: Name
    email: EmailStr | None = Field(default=None, description="When given, the welcome email is sent to it.")
    phone_number: PhoneText | None = None
    birth_date: date | None = None
    pro: bool = False


class CustomerRef(ApiModel):
    """Who buys: exactly one of an id, a customer number (as typed or scanned: spaces and dashes are fine), a phone
    number, or a new customer."""

    id: Id | None = None
    customer_number: ScannedNumber | None = None
    phone_number: PhoneText | None = None
    new: NewCustomer | None = None

    @model_validator(mode="after")
    def _one(self) -> CustomerRef:
        _exactly_one(self, ("id", "customer_number", "phone_number", "new"))
        return self


class PurchaseLineIn(ApiModel):
    """A catalog product (sku: price and category from the catalog unless given), a category, or a free amount."""

    sku: Sku | None = None
    category_id: CategoryId | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    quantity: int = Field(default=1, ge=1, le=999)
    unit_price_minor: Minor | None = Field(default=None, description="Required unless the line names a sku")


class RewardUse(ApiModel):
    """One reward to redeem: a program by id, a frequent-buyer card's free item, or a granted reward."""

    reward_id: Id | None = None
    frequent_buyer_card_id: Id | None = None
    grant_id: Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[0-9A-Za-z_-]+$")] | None = None

    @model_validator(mode="after")
    def _one(self) -> RewardUse:
        _exactly_one(self, ("reward_id", "frequent_buyer_card_id", "grant_id"))
        return self


class GiftCardUse(ApiModel):
    number: CardNumber
    pin: Pin | None = None
    amount_minor: PositiveMinor = Field(description="How much to take from this card")


class PurchaseCreate(ApiModel):
    customer: CustomerRef
    lines: list[PurchaseLineIn] = Field(min_length=1, max_length=100)
    total_minor: Minor = Field(description="The till's total before rewards: must equal the sum of the lines")
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] | None = Field(
        default=None, description="The store's currency (checked when given)"
    )
    rewards: list[RewardUse] = Field(default_factory=list, max_length=5)
    gift_cards: list[GiftCardUse] = Field(default_factory=list, max_length=5)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class PurchaseLineOut(ResponseModel):
    sku: str | None = None
    category_id: str | None = None
    name: str | None = None
    quantity: int
    unit_price_minor: int
    total_minor: int
    free_units: int = 0


class AppliedRewardOut(ResponseModel):
    kind: Literal["reward", "frequent_buyer_card", "grant"]
    id: str
    title: str
    type: Literal["discount", "cashback", "gift", "free_item"]
    amount_minor: int = Field(description="Taken off the order")
    points_cost: int = 0
    gift_name: str | None = None


class GiftCardPaymentOut(ResponseModel):
    card: str = Field(description="The card's last four digits")
    amount_minor: int
    balance_after_minor: int


class PurchaseOut(ResponseModel):
    id: str
    store_id: str
    customer_id: str
    customer_number: str
    customer_created: bool = False
    at: datetime
    currency: str
    lines: list[PurchaseLineOut]
    total_minor: int
    discount_minor: int
    gift_cards_minor: int
    due_minor: int = Field(description="Left to pay with other tenders")
    rewards: list[AppliedRewardOut]
    gift_cards: list[GiftCardPaymentOut]
    points_earned: int
    points_redeemed: int
    points_balance: int
    welcome_email_sent: bool = False


# ---------------------------------------------------------------------- loyalty view, card, adjustments
class LedgerEntryOut(ResponseModel):
    id: str
    type: EntryType
    points: int
    at: datetime
    store_id: str | None = None
    purchase_id: str | None = None
    order_id: str | None = None
    reason: str | None = None
    expires_on: date | None = None


class NextExpiryOut(ResponseModel):
    date: date
    points: int


class RewardAvailableOut(ResponseModel):
    kind: Literal["reward", "frequent_buyer_card", "grant"]
    id: str
    title: str
    type: Literal["discount", "cashback", "gift", "free_item"]
    cost_points: int = 0
    percent: Decimal | None = None
    gift_name: str | None = None
    available: int = Field(default=1, description="How many times it can be used now (per-visit, free items)")
    valid_until: date | None = None
    missing_fields: list[str] = Field(
        default_factory=list, description="Customer fields to fill in before it can be redeemed"
    )


class FrequentBuyerProgressOut(ResponseModel):
    card_id: str
    title: str
    buy_count: int
    progress: int = Field(description="Bought towards the next free one (0..buyCount-1)")
    free_available: int
    sku: str | None = None
    category_id: str | None = None


class LoyaltyOut(ResponseModel):
    customer_id: str
    customer_number: str
    points_balance: int
    lifetime_earned: int
    orders: int
    visits: int
    next_expiry: NextExpiryOut | None = None
    rewards_available: list[RewardAvailableOut]
    frequent_buyer_cards: list[FrequentBuyerProgressOut]
    ledger: Page[LedgerEntryOut]


class CardOut(ResponseModel):
    customer_id: str
    customer_number: str
    qr_png_base64: str = Field(description="QR code of the customer number, PNG, base64")
    qr_svg: str = Field(description="QR code of the customer number, SVG")
    barcode_svg: str = Field(description="Code 128 barcode of the customer number, SVG")


class PointsAdjustment(ApiModel):
    store_id: Id = Field(description="The store the manager adjusts from (one of theirs)")
    points: int = Field(ge=-1_000_000, le=1_000_000, description="Positive to add, negative to take")
    reason: NonEmptyText

    @model_validator(mode="after")
    def _not_zero(self) -> PointsAdjustment:
        if self.points == 0:
            raise ValueError("points must not be 0")
        return self


class TillTransactionOut(ResponseModel):
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
    due_minor: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    rewards: list[str] = Field(default_factory=list)
    gift_cards: list[str] = Field(default_factory=list, description="Last four digits of the cards used")
    note: str | None = None


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
        _exactly_one(self, ("sku", "category_id"))
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


# ---------------------------------------------------------------------- gift cards
class GiftCardSale(ApiModel):
    kind: CardKind
    number: CardNumber | None = Field(default=None, description="Physical cards: the number printed on the card")
    pin: Pin | None = Field(default=None, description="Physical cards: the PIN under the scratch panel, if any")
    amount_minor: PositiveMinor
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] | None = None
    recipient_name: Name | None = None
    recipient_email: EmailStr | None = None
    recipient_phone: PhoneText | None = None
    expires_on: date | None = None
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None

    @model_validator(mode="after")
    def _by_kind(self) -> GiftCardSale:
        if self.kind == CardKind.PHYSICAL and self.number is None:
            raise ValueError("a physical card's number is entered from the card")
        if self.kind == CardKind.VIRTUAL and (self.number is not None or self.pin is not None):
            raise ValueError("a virtual card's number and PIN are generated")
        return self


class GiftCardSold(ResponseModel):
    number: str
    kind: CardKind
    currency: str
    balance_minor: int
    expires_on: date | None = None
    pin: str | None = Field(
        default=None, description="A virtual card's PIN, only when it was not emailed to the recipient"
    )
    sent_to: str | None = Field(default=None, description="email when the card was emailed to the recipient")
    transaction_id: str


class GiftCardCheck(ApiModel):
    number: CardNumber
    pin: Pin | None = None


class GiftCardRefund(ApiModel):
    number: CardNumber
    amount_minor: PositiveMinor
    purchase_id: Id | None = None


class MovementOut(ResponseModel):
    id: str
    type: MovementType
    amount_minor: int
    at: datetime
    store_id: str
    purchase_id: str | None = None


class GiftCardOut(ResponseModel):
    card: str = Field(description="Last four digits")
    kind: CardKind
    currency: str
    initial_minor: int
    balance_minor: int
    expires_on: date | None = None
    locked: bool
    movements: list[MovementOut]


class AdjustmentOut(ResponseModel):
    points_balance: int
