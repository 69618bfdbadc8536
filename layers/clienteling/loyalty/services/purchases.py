"""Purchases at the till, and paid remote-cart orders: points earned, rewards and gift cards redeemed.

A till purchase is one TransactWriteItems after one BatchGetItem (plus a marker GetItem when the customer is
named by card number or phone): the purchase record, the points ledger entries and the account update (earn
and redemption, with `points >= cost`), granted rewards used, frequent-buyer progress, each gift card's debit
(`balance >= amount`) and movement, the store's till log entry, the idempotency marker and the outbox event.
If a condition fails because of a concurrent write (another redemption, a PIN lockout), nothing was written:
the whole purchase is read and checked again, so the till gets the answer the new state gives (for example
422 insufficient_points), never a half-recorded purchase.

Idempotency: the till sends `Idempotency-Key`; its marker item is written in the purchase's own transaction,
so a retried POST cannot record twice even if the first attempt's response was lost. The marker keeps the
response, and a replay gets it back (200). The key is scoped to the store and kept 7 days.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from clienteling.commerce.events import OrderPaid
from clienteling.directory.events import CustomerCreated
from clienteling.directory.ports import (
    Customer,
    CustomerEnrolment,
    CustomerNumberTaken,
    CustomerRecords,
    Store,
    StoreLookup,
    customer_numbers,
)
from clienteling.kernel import transactions
from clienteling.kernel.access import Caller
from clienteling.kernel.cache import TtlCache
from clienteling.kernel.clock import Clock, iso
from clienteling.kernel.errors import Conflict, DomainError, NotFound, Unprocessable
from clienteling.kernel.events import PurchasedLine
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import EmailError, EmailSender, OutgoingEmail
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import StartWork, UnitOfWork, jitter, retry_race
from clienteling.loyalty.contracts.loyalty import (
    AppliedRewardOut,
    GiftCardPaymentOut,
    GiftCardUse,
    PurchaseCreate,
    PurchaseLineOut,
    PurchaseOut,
    RewardUse,
)
from clienteling.loyalty.domain import gift_cards, points, rewards
from clienteling.loyalty.domain.gift_cards import GiftCard, GiftCardRefused, Movement, MovementType
from clienteling.loyalty.domain.loyalty import (
    EntryType,
    LoyaltyAccount,
    PointsEntry,
    TillTransaction,
    TransactionType,
    card_bought_counter,
    card_used_counter,
    visit_counter,
)
from clienteling.loyalty.domain.rewards import (
    BasketLine,
    FrequentBuyerCard,
    InsufficientPoints,
    RewardGrant,
    RewardProgram,
    RewardRefused,
    Standing,
)
from clienteling.loyalty.events import PurchaseRecorded
from clienteling.loyalty.repositories.loyalty import AccountChange, PurchaseSnapshot
from clienteling.loyalty.services.gift_cards import PinAttempts, check_pin

ATTEMPTS = 8
ACTIVATION_DAYS = 30


class PurchaseLedger(Protocol):
    """What purchases and paid orders read and write of loyalty: `LoyaltyRepository` in the product, an in-memory
    one in the fast service tests (tests/fakes)."""

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
    ) -> PurchaseSnapshot: ...

    def marker(self, store_id: str, idempotency_key: str) -> dict[str, Any] | None: ...

    def marker_op(
        self,
        store_id: str,
        idempotency_key: str,
        *,
        request_hash: str,
        response: str,
        now_epoch: int,
        error: DomainError,
    ) -> Op: ...

    def account_op(self, customer_id: str, change: AccountChange, *, error: DomainError) -> Op: ...

    def entry_op(self, entry: PointsEntry) -> Op: ...

    def grant_use_op(self, grant: RewardGrant, *, purchase_id: str, at_iso: str, error: DomainError) -> Op: ...

    def purchase_op(self, customer_id: str, record: dict[str, Any]) -> Op: ...

    def transaction_op(self, tx: TillTransaction) -> Op: ...

    def activation_op(self, token: str, customer_id: str, *, expires_epoch: int) -> Op: ...

    def order_marker_op(self, order_id: str, customer_id: str, error: DomainError) -> Op: ...


class GiftCardLedger(PinAttempts, Protocol):
    """What a purchase writes of gift cards: `GiftCardRepository` in the product, an in-memory one in the fast
    service tests (tests/fakes)."""

    def debit_op(self, card: GiftCard, amount_minor: int, *, error: DomainError) -> Op: ...

    def movement_op(self, number: str, movement: Movement) -> Op: ...


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was used for a different purchase; use a new key for a new purchase."


class _Replay(Conflict):
    """The idempotency marker exists: this purchase was recorded already."""


class _Changed(Conflict):
    """A concurrent write changed what this purchase read (points, a card, a grant): read and check again."""


def _invalid(loc: list[str], message: str, kind: str = "value_error") -> Unprocessable:
    return Unprocessable(message, details=[{"field": ".".join(loc[1:]), "loc": loc, "type": kind, "message": message}])


@dataclass
class Recorded:
    purchase: PurchaseOut
    created: bool  # False: an idempotent replay of a purchase recorded earlier


@dataclass(frozen=True, slots=True)
class _Idempotency:
    """The till's Idempotency-Key, scoped to its store, and what the request said (a replay must say the same)."""

    store_id: str
    key: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one attempt decided (its writes are in the unit of work)."""

    out: PurchaseOut
    new_customer: Customer | None = None
    activation_token: str | None = None


class PurchaseService:
    def __init__(
        self,
        *,
        loyalty: PurchaseLedger,
        customers: CustomerRecords,
        enrolment: CustomerEnrolment,
        gift_cards: GiftCardLedger,
        work: StartWork,
        earning_rule: TtlCache[str, points.EarningRule],
        cards: TtlCache[str, list[FrequentBuyerCard]],
        stores: StoreLookup,
        email: Callable[[], EmailSender],
        clock: Clock,
        public_base_url: str,
    ) -> None:
        self._loyalty = loyalty
        self._customers = customers
        self._enrolment = enrolment
        self._gift_cards = gift_cards
        self._work = work
        self._rule = earning_rule
        self._cards_cache = cards
        self._stores = stores
        self._email = email
        self._clock = clock
        self._public_base_url = public_base_url.rstrip("/")

    # ------------------------------------------------------------------ till purchases
    def record(self, caller: Caller, store_id: str, body: PurchaseCreate, *, idempotency_key: str | None) -> Recorded:
        caller.require_store(store_id)
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        if body.currency is not None and body.currency.upper() != store.currency:
            raise _invalid(["body", "currency"], f"this store sells in {store.currency}")
        request_hash = hashlib.sha256(f"{store_id}\n{body.model_dump_json()}".encode()).hexdigest()
        idempotency = _Idempotency(store_id, idempotency_key, request_hash) if idempotency_key else None
        customer_id, new_customer = self._customer(caller, store, body)
        # Each attempt reads everything, decides and writes it in one transaction; it ends in one of: recorded, a
        # replay of the purchase this key recorded, a customer number drawn for a new customer that was taken
        # (draw another), or a lost race with a concurrent write (read again, after a growing jittered wait).
        for attempt in range(ATTEMPTS):
            snapshot = self._snapshot(customer_id, body, idempotency)
            if snapshot.marker is not None:
                return self._replayed(snapshot.marker, request_hash)
            if new_customer is None and snapshot.customer is None:
                raise _invalid(["body", "customer"], "no such customer", "not_found")
            work = self._work()
            plan = self._plan(caller, store, body, snapshot, new_customer, work=work, idempotency=idempotency)
            try:
                work.commit()
            except _Replay:
                marker = self._loyalty.marker(store_id, idempotency_key or "")
                if marker is None:  # pragma: no cover - the marker cannot vanish within its 7 days
                    raise
                return self._replayed(marker, request_hash)
            except CustomerNumberTaken:
                assert new_customer is not None  # noqa: S101 - only a new customer takes a number
                new_customer = dataclasses.replace(new_customer, customer_number=customer_numbers.generate())
                continue
            except (_Changed, transactions.TransactionClash):
                if attempt == ATTEMPTS - 1:
                    raise Conflict("The customer's points, rewards or gift cards kept changing; retry.") from None
                time.sleep(jitter(attempt) * (attempt + 1))
                continue
            return self._recorded(plan, store_id)
        raise Conflict("The purchase could not be recorded; retry.")

    def _snapshot(self, customer_id: str, body: PurchaseCreate, idempotency: _Idempotency | None) -> PurchaseSnapshot:
        return self._loyalty.purchase_snapshot(
            customer_id,
            program_ids=[r.reward_id for r in body.rewards if r.reward_id]
            + [_grant_program(r.grant_id) for r in body.rewards if r.grant_id],
            card_ids=[r.frequent_buyer_card_id for r in body.rewards if r.frequent_buyer_card_id],
            grant_ids=[r.grant_id for r in body.rewards if r.grant_id],
            skus=[line.sku for line in body.lines if line.sku],
            gift_card_numbers=[gift_cards.normalize_number(g.number) for g in body.gift_cards],
            idempotency=(idempotency.store_id, idempotency.key) if idempotency else None,
        )

    def _recorded(self, plan: _Plan, store_id: str) -> Recorded:
        self._welcome(plan)
        logger.info(
            "purchase recorded",
            extra={
                "purchase_id": plan.out.id,
                "store_id": store_id,
                "customer_id": plan.out.customer_id,
                "points_earned": plan.out.points_earned,
                "points_redeemed": plan.out.points_redeemed,
                "gift_cards": len(plan.out.gift_cards),
            },
        )
        return Recorded(plan.out, created=True)

    def _customer(self, caller: Caller, store: Store, body: PurchaseCreate) -> tuple[str, Customer | None]:
        # Imported here: a till naming the customer by id or card (most purchases) never loads phonenumbers and the
        # customer contracts, so their cost stays off the function's cold start.
        from clienteling.kernel.phone import InvalidPhoneNumber, to_e164  # noqa: PLC0415

        ref = body.customer
        if ref.new is not None:
            customer = self._enrolment.enrol(
                caller,
                first_name=ref.new.first_name,
                last_name=ref.new.last_name,
                home_store_id=store.id,
                email=ref.new.email,
                phone_number=ref.new.phone_number,
                birth_date=ref.new.birth_date,
                pro=ref.new.pro,
            )
            return customer.id, customer
        if ref.id is not None:
            return ref.id, None
        if ref.customer_number is not None:
            number = customer_numbers.normalize(ref.customer_number)
            if not customer_numbers.is_valid(number):
                raise _invalid(["body", "customer", "customerNumber"], "not a customer number (check digit)")
            found = self._customers.id_by_number(number)
        else:
            try:
                found = self._customers.id_by_phone(to_e164(ref.phone_number or "", store.country))
            except InvalidPhoneNumber:
                found = None
        if found is None:
            raise _invalid(["body", "customer"], "no customer has this card or phone number", "not_found")
        return found, None

    def _replayed(self, marker: dict[str, object], request_hash: str) -> Recorded:
        if marker.get("request_hash") != request_hash:
            raise IdempotencyKeyReused()
        return Recorded(PurchaseOut.model_validate_json(str(marker["response"])), created=False)

    # ------------------------------------------------------------------ one attempt
    def _plan(
        self,
        caller: Caller,
        store: Store,
        body: PurchaseCreate,
        snapshot: PurchaseSnapshot,
        new_customer: Customer | None,
        *,
        work: UnitOfWork,
        idempotency: _Idempotency | None,
    ) -> _Plan:
        """Check the purchase against what was read, shape the till's response and add the writes to `work`."""
        now = self._clock()
        today = now.astimezone(ZoneInfo(store.time_zone)).date()
        customer = new_customer or snapshot.customer
        assert customer is not None  # noqa: S101 - checked by the caller
        account = snapshot.account or LoyaltyAccount(customer_id=customer.id)
        purchase_id = new_id()
        lines, names = self._lines(body, snapshot, store)
        redemption = _Redemption.of(body.rewards, snapshot, store=store, customer=customer, account=account, day=today)
        pricing = rewards.price(lines, free_item_cards=redemption.cards, programs=redemption.programs)
        payments = self._gift_card_payments(body.gift_cards, snapshot, store, due=pricing.due_minor, day=today)
        rule = self._rule.get("")
        earned = points.points_earned(
            [points.EarnLine(line.category_id, line.total_minor) for line in lines],
            paid_minor=pricing.due_minor,
            exponent=_exponent(store.currency),
            rule=rule,
        )
        expiry = rule.expiry_of(today)
        free_lines = [a.free_line for a in pricing.applied if a.free_line is not None]
        counters = dict(redemption.counters)
        for progress_card in self._progress_cards(lines, store):
            bought = rewards.paid_units(lines, progress_card, free_lines)
            if bought:
                name = card_bought_counter(progress_card.id)
                counters[name] = counters.get(name, 0) + bought
        change = AccountChange(
            credit=earned,
            lot=expiry,
            debit=redemption.cost,
            orders=1,
            visit_day=today if account.last_visit_day != today else None,
            counters=counters,
            expected_counters=redemption.expected,
            first_order_only=redemption.first_order_only,
            indexed_expiry=expiry if earned else None,
        )
        applied = _applied_out(pricing, redemption, lines)
        gift_total = sum(amount for _, amount in payments)
        out = PurchaseOut(
            id=purchase_id,
            store_id=store.id,
            customer_id=customer.id,
            customer_number=customer.customer_number,
            customer_created=new_customer is not None,
            at=now,
            currency=store.currency,
            lines=[
                PurchaseLineOut(
                    sku=line.sku,
                    category_id=line.category_id,
                    name=names[i],
                    quantity=line.quantity,
                    unit_price_minor=line.unit_minor,
                    total_minor=line.total_minor,
                    free_units=free_lines.count(i),
                )
                for i, line in enumerate(lines)
            ],
            total_minor=pricing.gross_minor,
            discount_minor=pricing.discount_minor,
            gift_cards_minor=gift_total,
            due_minor=pricing.due_minor - gift_total,
            rewards=applied,
            gift_cards=[
                GiftCardPaymentOut(
                    card=card.number[-4:], amount_minor=amount, balance_after_minor=card.balance_minor - amount
                )
                for card, amount in payments
            ],
            points_earned=earned,
            points_redeemed=redemption.cost,
            points_balance=account.points - redemption.cost + earned,
            welcome_email_sent=bool(new_customer is not None and new_customer.email),
        )

        # The writes. The marker goes first: when the key was used meanwhile, the replay is what the till gets.
        if idempotency is not None:
            work.add(
                self._loyalty.marker_op(
                    idempotency.store_id,
                    idempotency.key,
                    request_hash=idempotency.request_hash,
                    response=out.model_dump_json(by_alias=True),
                    now_epoch=int(out.at.timestamp()),
                    error=_Replay(),
                )
            )
        activation_token = None
        if new_customer is not None:
            work.add(*self._customers.create_ops(new_customer))
            work.emit(CustomerCreated(customer_id=new_customer.id, home_store_id=store.id, occurred_at=now))
            if new_customer.email:
                activation_token = secrets.token_urlsafe(24)
                work.add(
                    self._loyalty.activation_op(
                        activation_token,
                        new_customer.id,
                        expires_epoch=int(now.timestamp()) + ACTIVATION_DAYS * 86400,
                    )
                )
        work.add(self._loyalty.account_op(customer.id, change, error=_Changed()))
        for kind, amount in ((EntryType.REDEEM, -redemption.cost), (EntryType.EARN, earned)):
            if amount:
                entry = PointsEntry(
                    id=f"{purchase_id}{kind.value[0].upper()}",
                    customer_id=customer.id,
                    type=kind,
                    points=amount,
                    at=now,
                    store_id=store.id,
                    purchase_id=purchase_id,
                    associate_id=caller.associate_id,
                    expires_on=expiry if kind == EntryType.EARN else None,
                )
                work.add(self._loyalty.entry_op(entry))
        at_iso = iso(now)
        work.extend(
            self._loyalty.grant_use_op(grant, purchase_id=purchase_id, at_iso=at_iso, error=_Changed())
            for grant in redemption.grants
        )
        for card, amount in payments:
            work.add(
                self._gift_cards.debit_op(card, amount, error=_Changed()),
                self._gift_cards.movement_op(
                    card.number,
                    Movement(
                        id=new_id(),
                        type=MovementType.REDEMPTION,
                        amount_minor=-amount,
                        at=now,
                        store_id=store.id,
                        purchase_id=purchase_id,
                        associate_id=caller.associate_id,
                    ),
                ),
            )
        record = out.model_dump(mode="json")
        record["at"] = iso(out.at)
        work.add(
            self._loyalty.purchase_op(customer.id, {**record, "store_id": store.id}),
            self._loyalty.transaction_op(
                TillTransaction(
                    id=purchase_id,
                    type=TransactionType.PURCHASE,
                    store_id=store.id,
                    local_day=today,
                    at=now,
                    associate_id=caller.associate_id,
                    currency=store.currency,
                    customer_id=customer.id,
                    purchase_id=purchase_id,
                    total_minor=out.total_minor,
                    discount_minor=out.discount_minor,
                    gift_cards_minor=gift_total,
                    due_minor=out.due_minor,
                    points_earned=earned,
                    points_redeemed=redemption.cost,
                    rewards=tuple(a.title for a in applied),
                    gift_card_last4=tuple(card.number[-4:] for card, _ in payments),
                    note=body.note,
                )
            ),
        )
        work.emit(
            PurchaseRecorded(
                purchase_id=purchase_id,
                customer_id=customer.id,
                store_id=store.id,
                associate_id=caller.associate_id,
                total_minor=out.total_minor,
                currency=store.currency,
                lines=[
                    PurchasedLine(
                        sku=line.sku,
                        category_id=line.category_id,
                        quantity=line.quantity,
                        total_minor=line.total_minor,
                    )
                    for line in lines
                ],
                occurred_at=now,
            )
        )
        return _Plan(out, new_customer=new_customer, activation_token=activation_token)

    def _lines(
        self, body: PurchaseCreate, snapshot: PurchaseSnapshot, store: Store
    ) -> tuple[list[BasketLine], list[str | None]]:
        lines: list[BasketLine] = []
        names: list[str | None] = []
        for index, line in enumerate(body.lines):
            loc = ["body", "lines", str(index)]
            product = snapshot.products.get(line.sku) if line.sku else None
            if line.sku and product is None:
                raise _invalid([*loc, "sku"], "no product has this sku", "not_found")
            unit = line.unit_price_minor
            if unit is None:
                if product is None:
                    raise _invalid([*loc, "unitPriceMinor"], "a line without a sku needs its price", "missing")
                if product.currency and product.currency != store.currency:
                    raise _invalid([*loc, "sku"], f"the catalog price is in {product.currency}; give unitPriceMinor")
                unit = product.price_minor
            category = line.category_id or (product.category_id if product else None)
            lines.append(BasketLine(sku=line.sku, category_id=category, quantity=line.quantity, unit_minor=unit))
            names.append(line.description or (product.name if product else None))
        if sum(line.total_minor for line in lines) != body.total_minor:
            raise _invalid(["body", "totalMinor"], "does not equal the sum of the lines")
        return lines, names

    def _progress_cards(self, lines: list[BasketLine], store: Store) -> list[FrequentBuyerCard]:
        """Active frequent-buyer cards of this store that some line of the purchase counts towards."""
        return [
            card
            for card in self._cards()
            if card.active
            and card.scope.covers(store.id)
            and any(card.qualifies(line.sku, line.category_id) for line in lines)
        ]

    def _cards(self) -> list[FrequentBuyerCard]:
        return self._cards_cache.get("")

    def _gift_card_payments(
        self, uses: list[GiftCardUse], snapshot: PurchaseSnapshot, store: Store, *, due: int, day: date
    ) -> list[tuple[GiftCard, int]]:
        payments: list[tuple[GiftCard, int]] = []
        left = due
        seen: set[str] = set()
        for index, use in enumerate(uses):
            loc = ["body", "giftCards", str(index)]
            number = gift_cards.normalize_number(use.number)
            card = snapshot.gift_cards.get(number)
            if card is None or number in seen:
                raise GiftCardRefused(
                    "No such gift card." if card is None else "A gift card can be used once per purchase.",
                    details=[{"field": ".".join(loc[1:]) + ".number", "loc": [*loc, "number"], "type": "gift_card"}],
                )
            seen.add(number)
            check_pin(self._gift_cards, card, use.pin, loc=[*loc, "pin"])
            refusal = None
            if card.currency != store.currency:
                refusal = f"The card is in {card.currency}; this store sells in {store.currency}."
            elif card.expired(day):
                refusal = "The card has expired."
            elif use.amount_minor > card.balance_minor:
                refusal = f"The card holds {card.balance_minor}; less than the amount asked."
            elif use.amount_minor > left:
                refusal = "Gift cards would pay more than what is left to pay after rewards."
            if refusal:
                raise GiftCardRefused(
                    refusal, details=[{"field": ".".join(loc[1:]), "loc": [*loc, "amountMinor"], "type": "gift_card"}]
                )
            left -= use.amount_minor
            payments.append((card, use.amount_minor))
        return payments

    def _welcome(self, plan: _Plan) -> None:
        customer = plan.new_customer
        if customer is None or not customer.email or plan.activation_token is None:
            return
        link = f"{self._public_base_url}/loyalty/activate/{plan.activation_token}"
        try:
            self._email().send(
                OutgoingEmail(
                    to=customer.email,
                    subject="Welcome to our loyalty program",
                    text=(
                        f"Hello {customer.first_name},\n\nThank you for your purchase. Your customer number is "
                        f"{customer.customer_number}.\nActivate your loyalty account to follow your points: {link}\n"
                    ),
                )
            )
        except EmailError:
            logger.warning("welcome email not sent", extra={"customer_id": customer.id})

    # ------------------------------------------------------------------ paid remote-cart orders
    def earn_for_order(self, order: OrderPaid) -> int:
        """Points for a paid order, once per order id (the marker is in the same transaction). Returns the points
        earned now (0 for a redelivery)."""
        store = self._stores.get(order.store_id)
        zone = ZoneInfo(store.time_zone) if store else None
        day = order.occurred_at.astimezone(zone).date() if zone else order.occurred_at.date()
        rule = self._rule.get("")
        earned = points.points_earned(
            [points.EarnLine(line.category_id, line.total_minor) for line in order.lines],
            paid_minor=order.total_minor,
            exponent=_exponent(order.currency),
            rule=rule,
        )
        expiry = rule.expiry_of(day)
        now = self._clock()

        def attempt() -> int:
            work = self._work().add(
                self._loyalty.order_marker_op(order.order_id, order.customer_id, _Replay()),
                self._loyalty.account_op(
                    order.customer_id,
                    AccountChange(credit=earned, lot=expiry, orders=1, indexed_expiry=expiry if earned else None),
                    error=_Changed(),
                ),
            )
            if earned:
                work.add(
                    self._loyalty.entry_op(
                        PointsEntry(
                            id=new_id(),
                            customer_id=order.customer_id,
                            type=EntryType.EARN,
                            points=earned,
                            at=now,
                            store_id=order.store_id,
                            order_id=order.order_id,
                            expires_on=expiry,
                        )
                    )
                )
            try:
                work.commit()
            except _Replay:
                logger.info("order already earned its points", extra={"order_id": order.order_id})
                return 0
            logger.info("order earned points", extra={"order_id": order.order_id, "points": earned})
            return earned

        # Only a clash with a concurrent transaction is retried (the account update has no condition); when they
        # keep clashing, a TransactionClash fails the delivery, and the event comes again.
        return retry_race(
            attempt,
            attempts=ATTEMPTS,
            backoff=jitter,
            exhausted=lambda: transactions.TransactionClash(
                "Another update to the same resource happened at the same time; retry."
            ),
        )


def _exponent(currency: str) -> int:
    """The currency's minor-unit digits (Babel's data, loaded on the first purchase rather than at import)."""
    from clienteling.kernel.reference import currency_exponent  # noqa: PLC0415

    return currency_exponent(currency)


def _grant_program(grant_id: str) -> str:
    """Grant ids are `<program id>-<yyyymm>`."""
    return grant_id.rsplit("-", 1)[0]


@dataclass
class _Redemption:
    """The rewards a purchase redeems, checked against what was read."""

    programs: list[tuple[str, RewardProgram]] = field(default_factory=list)
    cards: list[FrequentBuyerCard] = field(default_factory=list)
    grants: list[RewardGrant] = field(default_factory=list)
    cost: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    first_order_only: bool = False
    kinds: dict[str, str] = field(default_factory=dict)  # key -> reward | frequent_buyer_card | grant

    @classmethod
    def of(
        cls,
        uses: list[RewardUse],
        snapshot: PurchaseSnapshot,
        *,
        store: Store,
        customer: Customer,
        account: LoyaltyAccount,
        day: date,
    ) -> _Redemption:
        redemption = cls()
        seen: set[str] = set()
        for index, use in enumerate(uses):
            key = use.reward_id or use.frequent_buyer_card_id or use.grant_id or ""
            if key in seen:
                raise _refused(index, "A reward can be used once per purchase.")
            seen.add(key)
            if use.frequent_buyer_card_id:
                redemption._card(index, snapshot.cards.get(key), store, account)
            elif use.grant_id:
                redemption._grant(index, snapshot, key, store=store, customer=customer, day=day)
            else:
                redemption._program(index, snapshot.programs.get(key), store, customer, account)
        if redemption.cost > account.points:
            raise InsufficientPoints(
                f"These rewards cost {redemption.cost} points; the customer has {account.points}.",
                details=[{"field": "rewards", "loc": ["body", "rewards"], "type": "insufficient_points"}],
            )
        return redemption

    def _program(
        self, index: int, program: RewardProgram | None, store: Store, customer: Customer, account: LoyaltyAccount
    ) -> None:
        if program is None:
            raise _refused(index, "No such reward.")
        used = account.counter(visit_counter(program.id))
        standing = Standing(
            points=account.points, orders=account.orders, visits=account.visits, visit_rewards_used=used
        )
        reason = rewards.refusal(program, store_id=store.id, customer=customer, standing=standing)
        if reason:
            raise _refused(index, reason)
        rewards.check_customer_fields(customer, program)
        if program.per_visit:
            self.counters[visit_counter(program.id)] = 1
            self.expected[visit_counter(program.id)] = used
        self.first_order_only = self.first_order_only or program.welcome
        self.cost += program.costs_points
        self.programs.append((program.id, program))
        self.kinds[program.id] = "reward"

    def _card(self, index: int, card: FrequentBuyerCard | None, store: Store, account: LoyaltyAccount) -> None:
        if card is None or not card.active:
            raise _refused(index, "No such frequent-buyer card.")
        if not card.scope.covers(store.id):
            raise _refused(index, "This frequent-buyer card is not offered in this store.")
        bought, used = account.counter(card_bought_counter(card.id)), account.counter(card_used_counter(card.id))
        if rewards.free_items_available(card, bought, used) < 1:
            raise _refused(index, f"“{card.title}”: {bought % card.buy_count} of {card.buy_count} bought so far.")
        self.counters[card_used_counter(card.id)] = 1
        self.expected[card_used_counter(card.id)] = used
        self.cards.append(card)
        self.kinds[card.id] = "frequent_buyer_card"

    def _grant(
        self, index: int, snapshot: PurchaseSnapshot, grant_id: str, *, store: Store, customer: Customer, day: date
    ) -> None:
        grant = snapshot.grants.get(grant_id)
        program = snapshot.programs.get(grant.program_id) if grant else None
        if grant is None or program is None:
            raise _refused(index, "No such reward granted to this customer.")
        if not grant.usable_on(day):
            raise _refused(index, "This reward was used already or is outside its dates.")
        if not program.active or not program.scope.covers(store.id):
            raise _refused(index, "This reward is not offered in this store.")
        if program.pro_only and not customer.pro:
            raise _refused(index, "This reward is for professional customers only.")
        rewards.check_customer_fields(customer, program)
        self.grants.append(grant)
        self.programs.append((grant.id, program))
        self.kinds[grant.id] = "grant"


def _refused(index: int, message: str) -> RewardRefused:
    return RewardRefused(
        message, details=[{"field": f"rewards.{index}", "loc": ["body", "rewards", str(index)], "type": "reward"}]
    )


def _applied_out(pricing: rewards.Pricing, redemption: _Redemption, lines: list[BasketLine]) -> list[AppliedRewardOut]:
    programs = dict(redemption.programs)
    cards = {card.id: card for card in redemption.cards}
    out: list[AppliedRewardOut] = []
    for applied in pricing.applied:
        kind = redemption.kinds[applied.key]
        if applied.key in cards:
            out.append(
                AppliedRewardOut(
                    kind="frequent_buyer_card",
                    id=applied.key,
                    title=cards[applied.key].title,
                    type="free_item",
                    amount_minor=applied.amount_minor,
                )
            )
            continue
        program = programs[applied.key]
        out.append(
            AppliedRewardOut(
                kind=kind,
                id=applied.key,
                title=program.title,
                type=program.type.value,
                amount_minor=applied.amount_minor,
                points_cost=program.costs_points if kind == "reward" else 0,
                gift_name=program.gift_name,
            )
        )
    return out
