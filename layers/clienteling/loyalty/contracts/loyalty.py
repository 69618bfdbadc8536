"""Loyalty on the wire: purchases at the till, the customer's loyalty view and card, points adjustments and the
till's transactions. Rewards programs are in contracts.rewards, gift cards in contracts.gift_cards: each function
builds only the models it serves (cold start)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints, model_validator

from clienteling.kernel.fields import CategoryId, Minor, Name, PhoneText, PositiveMinor, Sku
from clienteling.kernel.wire import ApiModel, Id, NonEmptyText, Page, ResponseModel
from clienteling.loyalty.contracts.values import CardNumber, Pin, ScannedNumber, exactly_one
from clienteling.loyalty.domain.loyalty import EntryType, TransactionType


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
        exactly_one(self, ("id", "customer_number", "phone_number", "new"))
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
        exactly_one(self, ("reward_id", "frequent_buyer_card_id", "grant_id"))
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


class AdjustmentOut(ResponseModel):
    points_balance: int
