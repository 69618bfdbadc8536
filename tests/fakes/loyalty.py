"""Loyalty in memory: accounts and their points ledger, purchases, idempotency markers, the till's log, reward
programs, frequent-buyer cards, grants and gift cards (what loyalty.services.purchases' PurchaseLedger and
GiftCardLedger name; LoyaltyRepository and GiftCardRepository in the product)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

from clienteling.kernel import keys
from clienteling.kernel.clock import from_iso
from clienteling.kernel.errors import DomainError
from clienteling.kernel.items import when
from clienteling.kernel.pages import Page
from clienteling.kernel.transactions import ConditionFailed, Op
from clienteling.loyalty.domain.gift_cards import GiftCard, Movement
from clienteling.loyalty.domain.loyalty import NEVER, LoyaltyAccount, PointsEntry, TillTransaction, TransactionType
from clienteling.loyalty.domain.rewards import FrequentBuyerCard, RewardGrant, RewardProgram
from clienteling.loyalty.repositories.loyalty import MARKER_RETENTION, AccountChange, PurchaseSnapshot

from tests.fakes.directory import FakeCatalog, FakeCustomers
from tests.fakes.storage import fake_op


class FakeGiftCards:
    """Mirrors GiftCardRepository for purchases: `debit_op` takes from the balance only if it covers the amount and
    the card is not locked (a right PIN was given: wrong tries are forgotten); `movement_op` adds to the card's
    ledger; `record_wrong_pin` counts a wrong PIN at once (outside the purchase: it sticks when the purchase is
    refused)."""

    def __init__(self) -> None:
        self._cards: dict[str, GiftCard] = {}
        self._movements: dict[str, list[Movement]] = {}

    def add(self, card: GiftCard) -> GiftCard:
        self._cards[card.number] = card
        return card

    def get(self, number: str) -> GiftCard | None:
        return self._cards.get(number)

    def movements(self, number: str, *, limit: int = 50) -> list[Movement]:
        return sorted(self._movements.get(number, []), key=lambda m: (m.at, m.id), reverse=True)[:limit]

    def record_wrong_pin(self, number: str) -> int:
        card = self._cards.get(number)
        if card is None:
            raise ConditionFailed()
        self._cards[number] = dataclasses.replace(card, pin_failures=card.pin_failures + 1)
        return card.pin_failures + 1

    def debit_op(self, card: GiftCard, amount_minor: int, *, error: DomainError) -> Op:
        def covers() -> bool:
            current = self._cards.get(card.number)
            return current is not None and current.balance_minor >= amount_minor and not current.locked

        def debit() -> None:
            current = self._cards[card.number]
            self._cards[card.number] = dataclasses.replace(
                current, balance_minor=current.balance_minor - amount_minor, pin_failures=0, version=current.version + 1
            )

        return fake_op(keys.gift_card(card.number), "gift_card_debit", apply=debit, condition=covers, error=error)

    def movement_op(self, number: str, movement: Movement) -> Op:
        ledger = self._movements.setdefault(number, [])
        return fake_op(
            keys.gift_card_movement(number, when(movement.at), movement.id),
            "gift_card_movement",
            apply=lambda: ledger.append(movement),
            condition=lambda: all(m.id != movement.id for m in ledger),
            subject=movement,
        )


class FakeLoyalty:
    """Mirrors LoyaltyRepository for purchases and paid orders:

    - `purchase_snapshot`: the customer (from the customer records), their account (an empty one for a customer
      without any), the named programs, cards, grants, products (from the catalog) and gift cards, and the
      idempotency marker, as its one BatchGetItem reads them;
    - `account_op`: credit, debit (oldest lots are the expiry job's business: the debit is `consumed`), orders, a
      visit, counters; its conditions: the balance covers the debit, each expected counter is still what was read
      (absent counts only as 0), no order yet for a first-order-only reward; `error` when one fails;
    - `marker_op` / `order_marker_op` / `activation_op` / `entry_op` / `purchase_op`: new items (condition: new);
    - `grant_use_op`: a grant used once (condition: granted and not used yet);
    - `transaction_op`: the till's log line.
    The points-expiry index (GSI2) is not kept: no use case of the fast tier reads it yet.
    """

    def __init__(self, customers: FakeCustomers, catalog: FakeCatalog, gift_cards: FakeGiftCards) -> None:
        self._customers = customers
        self._catalog = catalog
        self._gift_cards = gift_cards
        self._accounts: dict[str, LoyaltyAccount] = {}
        self._entries: dict[str, list[PointsEntry]] = {}
        self._purchases: dict[str, list[dict[str, Any]]] = {}
        self._markers: dict[tuple[str, str], dict[str, Any]] = {}
        self._order_markers: set[str] = set()
        self._activations: dict[str, str] = {}
        self._till: list[TillTransaction] = []
        self._programs: dict[str, RewardProgram] = {}
        self._cards: dict[str, FrequentBuyerCard] = {}
        self._grants: dict[tuple[str, str], RewardGrant] = {}

    # ------------------------------------------------------------------ given
    def add_program(self, program: RewardProgram) -> RewardProgram:
        self._programs[program.id] = program
        return program

    def add_card(self, card: FrequentBuyerCard) -> FrequentBuyerCard:
        self._cards[card.id] = card
        return card

    def add_grant(self, grant: RewardGrant) -> RewardGrant:
        self._grants[(grant.customer_id, grant.id)] = grant
        return grant

    # ------------------------------------------------------------------ reads
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
    ) -> PurchaseSnapshot:
        customer = self._customers.get(customer_id)
        account = self._accounts.get(customer_id)
        cards = {n: card for n in gift_card_numbers if (card := self._gift_cards.get(n)) is not None}
        return PurchaseSnapshot(
            customer=customer,
            account=account or (LoyaltyAccount(customer_id=customer_id) if customer is not None else None),
            programs={p: self._programs[p] for p in program_ids if p in self._programs},
            cards={c: self._cards[c] for c in card_ids if c in self._cards},
            grants={g: self._grants[(customer_id, g)] for g in grant_ids if (customer_id, g) in self._grants},
            products=self._catalog.get_many(skus),
            gift_cards=cards,
            marker=dict(self._markers[idempotency]) if idempotency in self._markers else None,
        )

    def account(self, customer_id: str) -> LoyaltyAccount:
        return self._accounts.get(customer_id) or LoyaltyAccount(customer_id=customer_id)

    def ledger(self, customer_id: str, *, limit: int, cursor: str | None) -> Page[PointsEntry]:
        """The points ledger, newest first (one page)."""
        if cursor is not None:
            raise NotImplementedError("one page only")
        entries = sorted(self._entries.get(customer_id, []), key=lambda e: (e.at, e.id), reverse=True)
        return Page(entries[:limit])

    def ledger_total(self, customer_id: str) -> int:
        return sum(entry.points for entry in self._entries.get(customer_id, []))

    def marker(self, store_id: str, idempotency_key: str) -> dict[str, Any] | None:
        found = self._markers.get((store_id, idempotency_key))
        return dict(found) if found is not None else None

    def purchases(self, customer_id: str) -> list[dict[str, Any]]:
        """The purchase records kept under the customer (the till's responses), oldest first."""
        return list(self._purchases.get(customer_id, []))

    def store_transactions(
        self, store_id: str, local_day: date, *, kind: TransactionType | None, limit: int, cursor: str | None
    ) -> Page[TillTransaction]:
        if cursor is not None:
            raise NotImplementedError("one page only")
        found = [
            tx
            for tx in sorted(self._till, key=lambda t: (t.at, t.id))
            if tx.store_id == store_id and tx.local_day == local_day and (kind is None or tx.type == kind)
        ]
        return Page(found[:limit])

    def grants(self, customer_id: str) -> list[RewardGrant]:
        return [grant for (owner, _), grant in sorted(self._grants.items()) if owner == customer_id]

    # ------------------------------------------------------------------ operations
    def account_op(self, customer_id: str, change: AccountChange, *, error: DomainError) -> Op:
        def holds() -> bool:
            current = self._accounts.get(customer_id)
            counters = current.counters if current else {}
            if change.debit and (current is None or current.points < change.debit):
                return False
            for name, expected in change.expected_counters.items():
                if counters.get(name, 0 if expected == 0 else None) != expected:
                    return False
            return not (change.first_order_only and current is not None and current.orders != 0)

        def update() -> None:
            current = self._accounts.get(customer_id) or LoyaltyAccount(customer_id=customer_id)
            lots = dict(current.lots)
            if change.credit:
                lot = change.lot or NEVER
                lots[lot] = lots.get(lot, 0) + change.credit
            counters = dict(current.counters)
            for name, amount in change.counters.items():
                counters[name] = counters.get(name, 0) + amount
            self._accounts[customer_id] = dataclasses.replace(
                current,
                points=current.points + change.credit - change.debit,
                consumed=current.consumed + change.debit,
                lots=lots,
                lifetime_earned=current.lifetime_earned + change.credit,
                orders=current.orders + change.orders,
                visits=current.visits + (1 if change.visit_day is not None else 0),
                last_visit_day=change.visit_day or current.last_visit_day,
                counters=counters,
                version=current.version + 1,
            )

        return fake_op(
            keys.loyalty_account(customer_id), "account_update", apply=update, condition=holds, error=error,
            subject=change,
        )  # fmt: skip

    def entry_op(self, entry: PointsEntry) -> Op:
        entries = self._entries.setdefault(entry.customer_id, [])
        return fake_op(
            keys.points_entry(entry.customer_id, when(entry.at), entry.id),
            "points_entry_put",
            apply=lambda: entries.append(entry),
            condition=lambda: all(e.id != entry.id for e in entries),
            subject=entry,
        )

    def purchase_op(self, customer_id: str, record: dict[str, Any]) -> Op:
        records = self._purchases.setdefault(customer_id, [])
        return fake_op(
            keys.purchase(customer_id, record["at"], record["id"]),
            "purchase_put",
            apply=lambda: records.append(record),
            condition=lambda: all(r["id"] != record["id"] for r in records),
            subject=record,
        )

    def marker_op(
        self,
        store_id: str,
        idempotency_key: str,
        *,
        request_hash: str,
        response: str,
        now_epoch: int,
        error: DomainError,
    ) -> Op:
        where = (store_id, idempotency_key)
        marker = {
            "request_hash": request_hash,
            "response": response,
            "expires_at": now_epoch + int(MARKER_RETENTION.total_seconds()),
        }

        def claim() -> None:
            self._markers[where] = marker

        return fake_op(
            keys.purchase_idempotency(*where),
            "purchase_marker_put",
            apply=claim,
            condition=lambda: where not in self._markers,
            error=error,
        )

    def order_marker_op(self, order_id: str, customer_id: str, error: DomainError) -> Op:
        return fake_op(
            keys.order_points(order_id),
            "order_points_put",
            apply=lambda: self._order_markers.add(order_id),
            condition=lambda: order_id not in self._order_markers,
            error=error,
        )

    def transaction_op(self, tx: TillTransaction) -> Op:
        return fake_op(
            keys.store_transaction(tx.store_id, tx.local_day.isoformat(), when(tx.at), tx.id),
            "till_transaction_put",
            apply=lambda: self._till.append(tx),
            subject=tx,
        )

    def grant_use_op(self, grant: RewardGrant, *, purchase_id: str, at_iso: str, error: DomainError) -> Op:
        where = (grant.customer_id, grant.id)

        def unused() -> bool:
            current = self._grants.get(where)
            return current is not None and current.used_at is None

        def use() -> None:
            self._grants[where] = dataclasses.replace(
                self._grants[where], used_at=from_iso(at_iso), purchase_id=purchase_id
            )

        return fake_op(keys.reward_grant(*where), "grant_use", apply=use, condition=unused, error=error)

    def activation_op(self, token: str, customer_id: str, *, expires_epoch: int) -> Op:
        def put() -> None:
            self._activations[token] = customer_id

        return fake_op(
            keys.loyalty_activation(token),
            "loyalty_activation_put",
            apply=put,
            condition=lambda: token not in self._activations,
        )

    def activation(self, token: str) -> str | None:
        """The customer an activation link (the welcome email's) is for."""
        return self._activations.get(token)
