"""Gift cards on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints, model_validator

from clienteling.kernel.fields import Name, PhoneText, PositiveMinor
from clienteling.kernel.wire import ApiModel, Id, ResponseModel
from clienteling.loyalty.contracts.values import CardNumber, Pin
from clienteling.loyalty.domain.gift_cards import CardKind, GiftCard, Movement, MovementType


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


def gift_card_out(card: GiftCard, movements: list[Movement]) -> GiftCardOut:
    return GiftCardOut(
        card=card.number[-4:],
        kind=card.kind,
        currency=card.currency,
        initial_minor=card.initial_minor,
        balance_minor=card.balance_minor,
        expires_on=card.expires_on,
        locked=card.locked,
        movements=[
            MovementOut(
                id=m.id,
                type=m.type,
                amount_minor=m.amount_minor,
                at=m.at,
                store_id=m.store_id,
                purchase_id=m.purchase_id,
            )
            for m in movements
        ],
    )
