"""A customer's loyalty: the view (balance, ledger, rewards available now, frequent-buyer progress, next
expiry), the card's scannable codes, managers' points adjustments, the till's transaction log, and the daily
job (points expiry, oldest first; birthday rewards)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from clienteling.adapters.card_codes import CardCodes
from clienteling.directory.ports import Customer, StoreLookup
from clienteling.kernel import transactions
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.cache import TtlCache
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Conflict, NotFound
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page
from clienteling.kernel.unit_of_work import StartWork, jitter, retry_race
from clienteling.loyalty.domain import points, rewards
from clienteling.loyalty.domain.loyalty import (
    NEVER,
    Available,
    CardProgress,
    EntryType,
    LoyaltyAccount,
    PointsEntry,
    TillTransaction,
    TransactionType,
    card_bought_counter,
    card_used_counter,
    visit_counter,
)
from clienteling.loyalty.domain.points import EarningRule
from clienteling.loyalty.domain.rewards import FrequentBuyerCard, InsufficientPoints, RewardGrant, RewardProgram
from clienteling.loyalty.repositories.loyalty import AccountChange, LoyaltyRepository
from clienteling.loyalty.repositories.rewards import RewardsRepository

if TYPE_CHECKING:
    from clienteling.loyalty.contracts.loyalty import PointsAdjustment

ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class LoyaltyView:
    customer: Customer
    account: LoyaltyAccount
    next_expiry: tuple[date, int] | None
    available: list[Available]
    cards: list[CardProgress]
    ledger: Page[PointsEntry]


@dataclass
class DailyReport:
    accounts_expired: int = 0
    points_expired: int = 0
    birthday_grants: int = 0
    skipped: list[str] = field(default_factory=list)


class _Changed(Conflict):
    """The account changed since it was read."""


class _KeptChanging(Conflict):
    """The account changed at every attempt: its expiry waits for the next run."""


class _AlreadyGranted(Conflict):
    """The customer has this grant already (program and period)."""


class LoyaltyService:
    def __init__(
        self,
        *,
        loyalty: LoyaltyRepository,
        rewards: RewardsRepository,
        work: StartWork,
        programs: TtlCache[str, list[RewardProgram]],
        cards: TtlCache[str, list[FrequentBuyerCard]],
        earning_rule: TtlCache[str, EarningRule],
        stores: StoreLookup,
        codes: Callable[[str], CardCodes],
        clock: Clock,
    ) -> None:
        self._loyalty = loyalty
        self._rewards = rewards
        self._work = work
        self._programs = programs
        self._cards = cards
        self._rule = earning_rule
        self._stores = stores
        self._codes = codes
        self._clock = clock

    # ------------------------------------------------------------------ reading
    def view(
        self, caller: Caller, customer_id: str, *, store_id: str | None, limit: int, cursor: str | None
    ) -> LoyaltyView:
        caller.require_role(Role.ASSOCIATE)
        if store_id is not None:
            caller.require_store(store_id)
        snapshot = self._loyalty.purchase_snapshot(customer_id)
        if snapshot.customer is None or snapshot.account is None:
            raise NotFound("No such customer.")
        customer, account = snapshot.customer, snapshot.account
        ledger = self._loyalty.ledger(customer_id, limit=limit, cursor=cursor)
        grants = self._loyalty.grants(customer_id)
        today = self._today(store_id)
        available = self._programs_available(customer, account, store_id)
        programs = {p.id: p for p in self._programs.get("")}
        available += [
            _granted(g, programs[g.program_id], customer) for g in grants if _usable(g, programs, today, store_id)
        ]
        progress = []
        for card in self._cards.get(""):
            if not card.active or (store_id is not None and not card.scope.covers(store_id)):
                continue
            bought = account.counter(card_bought_counter(card.id))
            free = rewards.free_items_available(card, bought, account.counter(card_used_counter(card.id)))
            progress.append(CardProgress(card, bought, free))
            if free:
                available.append(Available("frequent_buyer_card", card.id, card.title, "free_item", available=free))
        return LoyaltyView(customer, account, account.next_expiry(), available, progress, ledger)

    def _programs_available(self, customer: Customer, account: LoyaltyAccount, store_id: str | None) -> list[Available]:
        found = []
        for program in self._programs.get(""):
            if not program.active or program.birthday:
                continue
            if store_id is not None and not program.scope.covers(store_id):
                continue
            if (program.pro_only and not customer.pro) or (program.welcome and account.orders > 0):
                continue
            times = 1
            if program.per_visit:
                times = rewards.visit_rewards_available(
                    program.per_visit, account.visits, account.counter(visit_counter(program.id))
                )
            elif program.cost_points > account.points:
                continue
            if times < 1:
                continue
            found.append(
                Available(
                    "reward",
                    program.id,
                    program.title,
                    program.type.value,
                    cost_points=program.costs_points,
                    percent=program.percent,
                    gift_name=program.gift_name,
                    available=times,
                    missing_fields=tuple(f.value for f in rewards.missing_fields(customer, program.required_fields)),
                )
            )
        return found

    def _today(self, store_id: str | None) -> date:
        store = self._stores.get(store_id) if store_id else None
        now = self._clock()
        return now.astimezone(ZoneInfo(store.time_zone)).date() if store else now.date()

    def card(self, caller: Caller, customer_id: str) -> tuple[Customer, CardCodes]:
        caller.require_role(Role.ASSOCIATE)
        snapshot = self._loyalty.purchase_snapshot(customer_id)
        if snapshot.customer is None:
            raise NotFound("No such customer.")
        return snapshot.customer, self._codes(snapshot.customer.customer_number)

    def transactions(
        self,
        caller: Caller,
        store_id: str,
        *,
        day: date | None,
        kind: TransactionType | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[date, Page[TillTransaction]]:
        caller.require_store(store_id)
        if self._stores.get(store_id) is None:
            raise NotFound("No such store.")
        local_day = day or self._today(store_id)
        return local_day, self._loyalty.store_transactions(store_id, local_day, kind=kind, limit=limit, cursor=cursor)

    # ------------------------------------------------------------------ managers' adjustments
    def adjust(self, caller: Caller, customer_id: str, adjustment: PointsAdjustment) -> LoyaltyAccount:
        caller.require_store(adjustment.store_id, role=Role.MANAGER)
        store = self._stores.get(adjustment.store_id)
        if store is None:
            raise NotFound("No such store.")
        snapshot = self._loyalty.purchase_snapshot(customer_id)
        if snapshot.customer is None or snapshot.account is None:
            raise NotFound("No such customer.")
        now = self._clock()
        today = now.astimezone(ZoneInfo(store.time_zone)).date()
        credit, debit = max(adjustment.points, 0), max(-adjustment.points, 0)
        expiry = self._rule.get("").expiry_of(today) if credit else None
        if debit > snapshot.account.points:
            raise InsufficientPoints(f"The customer has {snapshot.account.points} points; cannot take {debit}.")
        entry_id = new_id()
        with self._work() as work:
            work.add(
                self._loyalty.account_op(
                    customer_id,
                    AccountChange(credit=credit, lot=expiry, debit=debit, indexed_expiry=expiry),
                    error=InsufficientPoints(f"The customer does not have {debit} points any more."),
                ),
                self._loyalty.entry_op(
                    PointsEntry(
                        id=entry_id,
                        customer_id=customer_id,
                        type=EntryType.ADJUST,
                        points=adjustment.points,
                        at=now,
                        store_id=store.id,
                        associate_id=caller.associate_id,
                        reason=adjustment.reason,
                        expires_on=expiry,
                    )
                ),
                self._loyalty.transaction_op(
                    TillTransaction(
                        id=entry_id,
                        type=TransactionType.POINTS_ADJUSTMENT,
                        store_id=store.id,
                        local_day=today,
                        at=now,
                        associate_id=caller.associate_id,
                        customer_id=customer_id,
                        points_earned=credit,
                        points_redeemed=debit,
                        note=adjustment.reason,
                    )
                ),
            )
        logger.info("points adjusted", extra={"customer_id": customer_id, "points": adjustment.points})
        return self._loyalty.account(customer_id)

    # ------------------------------------------------------------------ the daily job
    def daily(self, now: datetime | None = None) -> DailyReport:
        """Expire points due today (oldest lots first) and grant this month's birthday rewards. Safe to run
        more than once a day: expiry only takes what is due, grants are keyed by program and month."""
        now = now or self._clock()
        today = now.date()
        report = DailyReport()
        cursor: dict[str, Any] | None = None
        while True:
            customer_ids, cursor = self._loyalty.accounts_expiring(today, cursor=cursor)
            for customer_id in customer_ids:
                expired = self.expire(customer_id, today, now=now)
                report.accounts_expired += expired > 0
                report.points_expired += expired
            if cursor is None:
                break
        report.birthday_grants = self._birthday_grants(today, now)
        logger.info(
            "daily loyalty job",
            extra={
                "accounts_expired": report.accounts_expired,
                "points_expired": report.points_expired,
                "birthday_grants": report.birthday_grants,
            },
        )
        return report

    def expire(self, customer_id: str, today: date, *, now: datetime) -> int:
        """Take the points whose lots expired on or before `today` off one account; returns how many."""

        def attempt() -> int:
            account = self._loyalty.account(customer_id)
            dated = {d: n for d, n in account.lots.items() if d != NEVER}
            expired = points.expiring_by(dated, account.consumed, today)
            drop, _ = points.spent_lots(account.lots, account.consumed + expired)
            remaining = sorted(d for d in dated if d not in drop)
            with self._work() as work:
                work.add(
                    self._loyalty.expire_op(
                        account,
                        expired=expired,
                        drop=drop,
                        next_expiry=remaining[0] if remaining else None,
                        error=_Changed(),
                    )
                )
                if expired:
                    work.add(
                        self._loyalty.entry_op(
                            PointsEntry(
                                id=new_id(),
                                customer_id=customer_id,
                                type=EntryType.EXPIRE,
                                points=-expired,
                                at=now,
                                reason=f"points earned until {today.isoformat()} minus the validity period",
                            )
                        )
                    )
            return expired

        # A purchase or an adjustment wrote the account since it was read (nothing was written): read it again.
        try:
            return retry_race(
                attempt,
                attempts=ATTEMPTS,
                on=(_Changed, transactions.TransactionClash),
                backoff=jitter,
                exhausted=_KeptChanging,
            )
        except _KeptChanging:
            logger.warning("points expiry skipped: the account kept changing", extra={"customer_id": customer_id})
            return 0

    def _birthday_grants(self, today: date, now: datetime) -> int:
        programs = [p for p in self._rewards.programs() if p.birthday and p.active]
        if not programs:
            return 0
        first = today.replace(day=1)
        last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        granted = 0
        cursor: dict[str, Any] | None = None
        while True:
            customer_ids, cursor = self._loyalty.customers_born_in(today.month, cursor=cursor)
            for customer_id in dict.fromkeys(customer_ids):
                for program in programs:
                    grant = RewardGrant(
                        id=f"{program.id}-{today:%Y%m}",
                        program_id=program.id,
                        customer_id=customer_id,
                        valid_from=first,
                        valid_until=last,
                        reason="birthday",
                        created_at=now,
                    )
                    granted += self._grant_once(grant)
            if cursor is None:
                return granted

    def _grant_once(self, grant: RewardGrant) -> bool:
        """False when the customer already has this grant."""
        work = self._work().add(self._loyalty.grant_put_op(grant, error=_AlreadyGranted()))
        try:
            work.commit()
        except _AlreadyGranted:
            return False
        return True


def _usable(grant: RewardGrant, programs: dict[str, RewardProgram], today: date, store_id: str | None) -> bool:
    program = programs.get(grant.program_id)
    return (
        program is not None
        and program.active
        and grant.usable_on(today)
        and (store_id is None or program.scope.covers(store_id))
    )


def _granted(grant: RewardGrant, program: RewardProgram, customer: Customer) -> Available:
    return Available(
        "grant",
        grant.id,
        program.title,
        program.type.value,
        percent=program.percent,
        gift_name=program.gift_name,
        valid_until=grant.valid_until,
        missing_fields=tuple(f.value for f in rewards.missing_fields(customer, program.required_fields)),
    )
