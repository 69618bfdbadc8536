"""Archiving sweep (scheduled): conversations past their grace period leave the open inboxes."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.edge.entrypoints import schedule_entrypoint
from clienteling.messaging.wiring import archive_sweep


class SweepIncomplete(RuntimeError):
    """Some conversations could not be archived: the scheduler's retry (or the next run) picks them up."""


@schedule_entrypoint
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = archive_sweep().run()
    if report.failed:
        raise SweepIncomplete(f"{len(report.failed)} conversations could not be archived")
    return dataclasses.asdict(report)
