"""What scheduled sweeps share: every shard of a sparse due index, a page at a time of what is due in it, each item
handled on its own so one failure does not stop the others, and a report of what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from clienteling.kernel import keys, transactions
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page

T = TypeVar("T")
PAGE = 100


@dataclass
class SweepReport:
    queries: int = 0
    examined: int = 0
    done: int = 0
    skipped: int = 0  # changed between the read and the write: no longer due
    failed: list[str] = field(default_factory=list)  # ids the next run retries


def sweep(
    due: Callable[[int, str | None], Page[T]],
    handle: Callable[[T], None],
    identify: Callable[[T], str],
    *,
    name: str,
) -> SweepReport:
    """Run `handle(item)` on everything `due(shard, cursor)` pages through, shard by shard.

    A ConditionFailed from `handle` means the item changed meanwhile (skipped); any other error is logged and
    the item reported as failed. Handling removes an item from its due index, so a rerun resumes."""
    report = SweepReport()
    for shard in range(keys.DUE_SHARDS):
        cursor: str | None = None
        while True:
            items = due(shard, cursor)
            report.queries += 1
            for item in items.items:
                report.examined += 1
                try:
                    handle(item)
                    report.done += 1
                except transactions.ConditionFailed:
                    report.skipped += 1
                except Exception:  # one item's failure must not stop the others
                    logger.exception(f"{name} failed", extra={"item": identify(item)})
                    report.failed.append(identify(item))
            cursor = items.cursor
            if cursor is None:
                break
    logger.info(
        f"{name} done",
        extra={
            "queries": report.queries,
            "examined": report.examined,
            "done": report.done,
            "skipped": report.skipped,
            "failed": len(report.failed),
        },
    )
    return report
