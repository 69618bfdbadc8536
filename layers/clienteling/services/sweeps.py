"""What scheduled sweeps share: every store, a page at a time of what is due in it (a sparse index), each item
handled on its own so one failure does not stop the others, and a report of what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from clienteling.observability import logger
from clienteling.repositories import transactions
from clienteling.repositories.pages import Page
from clienteling.repositories.stores import StoreRepository

T = TypeVar("T")
PAGE = 100


@dataclass
class SweepReport:
    stores: int = 0
    examined: int = 0
    done: int = 0
    skipped: int = 0  # changed between the read and the write: no longer due
    failed: list[str] = field(default_factory=list)  # ids the next run retries


def sweep(
    stores: StoreRepository,
    due: Callable[[str, str | None], Page[T]],
    handle: Callable[[str, T], None],
    identify: Callable[[T], str],
    *,
    name: str,
) -> SweepReport:
    """Run `handle(store_id, item)` on everything `due(store_id, cursor)` pages through, store by store.

    A ConditionFailed from `handle` means the item changed meanwhile (skipped); any other error is logged and
    the item reported as failed. Handling removes an item from its due index, so a rerun resumes."""
    report = SweepReport()
    store_cursor: str | None = None
    while True:
        page = stores.list(limit=PAGE, cursor=store_cursor)
        for store in page.items:
            report.stores += 1
            cursor: str | None = None
            while True:
                items = due(store.id, cursor)
                for item in items.items:
                    report.examined += 1
                    try:
                        handle(store.id, item)
                        report.done += 1
                    except transactions.ConditionFailed:
                        report.skipped += 1
                    except Exception:  # one item's failure must not stop the others
                        logger.exception(f"{name} failed", extra={"item": identify(item)})
                        report.failed.append(identify(item))
                cursor = items.cursor
                if cursor is None:
                    break
        store_cursor = page.cursor
        if store_cursor is None:
            break
    logger.info(
        f"{name} done",
        extra={
            "stores": report.stores,
            "examined": report.examined,
            "done": report.done,
            "skipped": report.skipped,
            "failed": len(report.failed),
        },
    )
    return report
