"""The archiving sweep: conversations nobody touched for their grace period leave the open inboxes.

It reads only what is due (the sparse GSI3 index, per store), archives each conversation if it is still due as
read (a text arriving meanwhile wins), and is idempotent and resumable: an archived conversation leaves the
index, so a rerun continues where a failed one stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clienteling.clock import Clock
from clienteling.contracts.events import ConversationStatusChanged
from clienteling.domain.conversations import ConversationStatus
from clienteling.observability import logger
from clienteling.repositories import outbox, transactions
from clienteling.repositories.conversations import ConversationRepository
from clienteling.repositories.stores import StoreRepository

PAGE = 100


@dataclass
class SweepReport:
    stores: int = 0
    examined: int = 0
    archived: int = 0
    skipped: int = 0  # activity arrived between the read and the write: no longer due
    failed: list[str] = field(default_factory=list)  # conversation ids, retried by the next run


class ArchiveSweep:
    def __init__(self, stores: StoreRepository, conversations: ConversationRepository, clock: Clock) -> None:
        self._stores = stores
        self._conversations = conversations
        self._clock = clock

    def run(self) -> SweepReport:
        report = SweepReport()
        store_cursor: str | None = None
        while True:
            stores = self._stores.list(limit=PAGE, cursor=store_cursor)
            for store in stores.items:
                report.stores += 1
                self._sweep_store(store.id, report)
            store_cursor = stores.cursor
            if store_cursor is None:
                break
        logger.info(
            "archiving sweep done",
            extra={
                "stores": report.stores,
                "examined": report.examined,
                "archived": report.archived,
                "skipped": report.skipped,
                "failed": len(report.failed),
            },
        )
        return report

    def _sweep_store(self, store_id: str, report: SweepReport) -> None:
        cursor: str | None = None
        while True:
            page = self._conversations.due_for_archiving(store_id, self._clock(), limit=PAGE, cursor=cursor)
            for due in page.items:
                report.examined += 1
                try:
                    transactions.transact(
                        self._conversations.table,
                        [
                            self._conversations.archive_op(due, due.extra["due_rank"]),
                            outbox.event_op(
                                self._conversations.table,
                                "ConversationStatusChanged",
                                ConversationStatusChanged(
                                    conversation_id=due.id,
                                    store_id=store_id,
                                    status=ConversationStatus.ARCHIVED.value,
                                    previous=due.status.value,
                                    by_associate_id=None,
                                    occurred_at=self._clock(),
                                ),
                                now=self._clock(),
                            ),
                        ],
                    )
                    report.archived += 1
                except transactions.ConditionFailed:
                    report.skipped += 1
                except Exception:  # a failure on one conversation must not stop the others
                    logger.exception("archiving failed", extra={"conversation_id": due.id})
                    report.failed.append(due.id)
            cursor = page.cursor
            if cursor is None:
                return
