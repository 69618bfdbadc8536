"""Gift cards: sold at the till (physical or virtual), checked, redeemed inside purchases (services.purchases),
refunded back onto the card. Card numbers and PINs never reach the logs; only the last four digits do."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from clienteling.directory.ports import Store, StoreLookup
from clienteling.kernel import transactions
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import AlreadyExists, Conflict, NotFound, ValidationFailed
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import EmailError, EmailSender, OutgoingEmail
from clienteling.kernel.unit_of_work import StartWork, jitter, retry_race
from clienteling.loyalty.domain import gift_cards
from clienteling.loyalty.domain.gift_cards import (
    MAX_PIN_ATTEMPTS,
    CardKind,
    GiftCard,
    GiftCardLocked,
    GiftCardRefused,
    Movement,
    MovementType,
    WrongPin,
)
from clienteling.loyalty.domain.loyalty import TillTransaction, TransactionType
from clienteling.loyalty.repositories.gift_cards import GiftCardRepository
from clienteling.loyalty.repositories.loyalty import LoyaltyRepository

if TYPE_CHECKING:
    from clienteling.loyalty.contracts.gift_cards import GiftCardCheck, GiftCardRefund, GiftCardSale

ATTEMPTS = 8


class PinAttempts(Protocol):
    """Where wrong PINs are counted (`GiftCardRepository`; an in-memory one in the fast service tests)."""

    def record_wrong_pin(self, number: str) -> int: ...


def check_pin(cards: PinAttempts, card: GiftCard, pin: str | None, *, loc: list[str]) -> None:
    """Refuse a locked card, and count a wrong PIN (five in a row lock the card)."""
    if card.locked:
        raise GiftCardLocked()
    if gift_cards.pin_matches(card, pin):
        return
    failures = cards.record_wrong_pin(card.number)
    logger.info("wrong gift card PIN", extra={"card": card.number[-4:], "failures": failures})
    if failures >= MAX_PIN_ATTEMPTS:
        raise GiftCardLocked("Wrong PIN: the gift card is now locked after too many wrong PINs.")
    raise WrongPin(
        f"Wrong PIN; {MAX_PIN_ATTEMPTS - failures} tries left before the card locks.",
        details=[{"field": ".".join(loc[1:]), "loc": loc, "type": "wrong_pin"}],
    )


class _Changed(Conflict):
    """The card changed since it was read: read again and retry."""


@dataclass(frozen=True, slots=True)
class Sold:
    card: GiftCard
    transaction_id: str
    pin: str | None  # a virtual card's PIN when it was not delivered to the recipient
    sent_to: str | None


class GiftCardService:
    def __init__(
        self,
        *,
        cards: GiftCardRepository,
        loyalty: LoyaltyRepository,
        work: StartWork,
        stores: StoreLookup,
        email: Callable[[], EmailSender],
        clock: Clock,
    ) -> None:
        self._cards = cards
        self._loyalty = loyalty
        self._work = work
        self._stores = stores
        self._email = email
        self._clock = clock

    def _store(self, caller: Caller, store_id: str) -> Store:
        caller.require_store(store_id)
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        return store

    def sell(self, caller: Caller, store_id: str, sale: GiftCardSale) -> Sold:
        store = self._store(caller, store_id)
        now = self._clock()
        today = now.astimezone(ZoneInfo(store.time_zone)).date()
        if sale.currency is not None and sale.currency.upper() != store.currency:
            raise _invalid("currency", f"this store sells gift cards in {store.currency}")
        if sale.expires_on is not None and sale.expires_on <= today:
            raise _invalid("expiresOn", "must be a future date")
        phone = None
        if sale.recipient_phone:
            from clienteling.kernel.phone import InvalidPhoneNumber, to_e164  # noqa: PLC0415 - rarely needed

            try:
                phone = to_e164(sale.recipient_phone, store.country)
            except InvalidPhoneNumber as error:
                raise _invalid("recipientPhone", str(error)) from error
        pin = gift_cards.generate_pin() if sale.kind == CardKind.VIRTUAL else sale.pin
        pin_hash, pin_salt = gift_cards.hash_pin(pin) if pin else (None, None)
        if sale.kind == CardKind.PHYSICAL:
            number = gift_cards.normalize_number(sale.number or "")
            if not gift_cards.is_valid_physical_number(number):
                raise _invalid("number", "a physical card number has 8 to 19 digits")
        else:
            number = gift_cards.generate_number()
        transaction_id = new_id()
        for _ in range(ATTEMPTS):  # not a race: a drawn virtual number may be taken already, then draw another
            card = GiftCard(
                number=number,
                kind=sale.kind,
                currency=store.currency,
                initial_minor=sale.amount_minor,
                balance_minor=sale.amount_minor,
                store_id=store.id,
                created_at=now,
                pin_hash=pin_hash,
                pin_salt=pin_salt,
                expires_on=sale.expires_on,
                recipient_name=sale.recipient_name,
                recipient_email=sale.recipient_email.lower() if sale.recipient_email else None,
                recipient_phone=phone,
            )
            work = self._work().add(
                self._cards.create_op(card),
                self._movement_op(card, kind=MovementType.SALE, amount=sale.amount_minor, caller=caller, store=store),
                self._loyalty.transaction_op(
                    TillTransaction(
                        id=transaction_id,
                        type=TransactionType.GIFT_CARD_SALE,
                        store_id=store.id,
                        local_day=today,
                        at=now,
                        associate_id=caller.associate_id,
                        currency=store.currency,
                        total_minor=sale.amount_minor,
                        due_minor=sale.amount_minor,
                        gift_card_last4=(number[-4:],),
                    )
                ),
            )
            try:
                work.commit()
                break
            except AlreadyExists:
                if sale.kind == CardKind.PHYSICAL:
                    raise
                number = gift_cards.generate_number()  # a generated number collided: draw another
        else:  # pragma: no cover - 8 collisions in a 10^15 space
            raise Conflict("Could not draw a free gift card number; retry.")
        logger.info("gift card sold", extra={"card": number[-4:], "kind": sale.kind.value, "store_id": store.id})
        sent_to = self._deliver(card, pin, store, sale.message) if sale.kind == CardKind.VIRTUAL else None
        return Sold(card, transaction_id, pin if sale.kind == CardKind.VIRTUAL and sent_to is None else None, sent_to)

    def _deliver(self, card: GiftCard, pin: str | None, store: Store, message: str | None) -> str | None:
        """Email a virtual card to its recipient. A phone alone is not used: the recipient never agreed to texts
        from the store, so the associate hands the number and PIN over instead (they are in the response)."""
        if not card.recipient_email:
            return None
        from clienteling.kernel.reference import currency_exponent  # noqa: PLC0415 - Babel, only when emailing

        amount = f"{card.balance_minor / 10 ** currency_exponent(card.currency):.{currency_exponent(card.currency)}f}"
        lines = [
            f"Hello{' ' + card.recipient_name if card.recipient_name else ''},",
            "",
            f"You received a gift card from {store.name}: {amount} {card.currency}.",
            *([f"“{message}”", ""] if message else []),
            f"Card number: {card.number}",
            f"PIN: {pin}",
        ]
        if card.expires_on:
            lines.append(f"Valid until {card.expires_on.isoformat()}.")
        try:
            self._email().send(
                OutgoingEmail(to=card.recipient_email, subject=f"A gift card from {store.name}", text="\n".join(lines))
            )
        except EmailError:
            logger.warning("gift card email not sent", extra={"card": card.number[-4:]})
            return None
        return "email"

    def check(self, caller: Caller, request: GiftCardCheck) -> tuple[GiftCard, list[Movement]]:
        """Balance and movements, for an associate with the card (and its PIN) in hand."""
        caller.require_role(Role.ASSOCIATE)
        number = gift_cards.normalize_number(request.number)
        card = self._cards.get(number)
        if card is None:
            raise NotFound("No such gift card.")
        check_pin(self._cards, card, request.pin, loc=["body", "pin"])
        if card.pin_failures:
            self._cards.reset_pin_failures(number)
        return card, self._cards.movements(number)

    def refund(self, caller: Caller, store_id: str, refund: GiftCardRefund) -> GiftCard:
        """Put an amount back onto the card (a returned purchase paid with it): never more than was taken."""
        store = self._store(caller, store_id)
        number = gift_cards.normalize_number(refund.number)

        def attempt() -> GiftCard:
            card = self._cards.get(number)
            if card is None:
                raise NotFound("No such gift card.")
            if card.currency != store.currency:
                raise GiftCardRefused(f"The card is in {card.currency}; this store refunds in {store.currency}.")
            if refund.amount_minor > card.spent_minor:
                raise GiftCardRefused(
                    f"Only {card.spent_minor} was taken from this card; a refund cannot add more.",
                    details=[{"field": "amountMinor", "loc": ["body", "amountMinor"], "type": "gift_card"}],
                )
            now = self._clock()
            with self._work() as work:
                work.add(
                    self._cards.credit_op(card, refund.amount_minor, error=_Changed()),
                    self._movement_op(
                        card,
                        kind=MovementType.REFUND,
                        amount=refund.amount_minor,
                        caller=caller,
                        store=store,
                        purchase_id=refund.purchase_id,
                    ),
                    self._loyalty.transaction_op(
                        TillTransaction(
                            id=new_id(),
                            type=TransactionType.GIFT_CARD_REFUND,
                            store_id=store.id,
                            local_day=now.astimezone(ZoneInfo(store.time_zone)).date(),
                            at=now,
                            associate_id=caller.associate_id,
                            currency=store.currency,
                            purchase_id=refund.purchase_id,
                            gift_cards_minor=-refund.amount_minor,
                            gift_card_last4=(number[-4:],),
                        )
                    ),
                )
            return dataclasses.replace(card, balance_minor=card.balance_minor + refund.amount_minor)

        # A concurrent redemption changed the card since it was read (nothing was written): read it again.
        return retry_race(
            attempt,
            attempts=ATTEMPTS,
            on=(_Changed, transactions.TransactionClash),
            backoff=jitter,
            exhausted=lambda: Conflict("The gift card kept changing; retry."),
        )

    def _movement_op(
        self,
        card: GiftCard,
        *,
        kind: MovementType,
        amount: int,
        caller: Caller,
        store: Store,
        purchase_id: str | None = None,
    ) -> transactions.Op:
        return self._cards.movement_op(
            card.number,
            Movement(
                id=new_id(),
                type=kind,
                amount_minor=amount,
                at=self._clock(),
                store_id=store.id,
                purchase_id=purchase_id,
                associate_id=caller.associate_id,
            ),
        )


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        details=[{"field": field, "loc": ["body", field], "type": "value_error", "message": message}]
    )
