"""Messaging credits: balances for managers and admins, grants by admins, the journal of every change."""

from __future__ import annotations

from clienteling.campaigns.domain.credits import CreditKind, EntryReason, LedgerEntry
from clienteling.campaigns.repositories import credits as ledger
from clienteling.campaigns.repositories.credits import CreditRepository
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page
from clienteling.kernel.unit_of_work import StartWork


class CreditService:
    def __init__(self, ledger_repository: CreditRepository, work: StartWork, clock: Clock) -> None:
        self._credits = ledger_repository
        self._work = work
        self._clock = clock

    def balances(self, caller: Caller) -> dict[CreditKind, int]:
        caller.require_role(Role.MANAGER)
        return self._credits.balances()

    def grant(self, caller: Caller, kind: CreditKind, amount: int, note: str | None) -> dict[CreditKind, int]:
        caller.require_role(Role.ADMIN)
        entry = ledger.entry(
            kind, amount, EntryReason.GRANT, at=self._clock(), associate_id=caller.associate_id, note=note
        )
        with self._work() as work:
            work.extend(self._credits.change_ops(entry))
        logger.info("credits granted", extra={"kind": kind.value, "amount": amount})
        return self._credits.balances()

    def journal(self, caller: Caller, kind: CreditKind, *, limit: int, cursor: str | None) -> Page[LedgerEntry]:
        caller.require_role(Role.MANAGER)
        return self._credits.entries(kind, limit=limit, cursor=cursor)
