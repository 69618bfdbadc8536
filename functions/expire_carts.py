"""Cart expiry sweep (scheduled): carts past their store's midnight are cleared and their payment links expired."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.commerce.wiring import cart_expiry_sweep
from clienteling.edge.entrypoints import schedule_entrypoint


class SweepIncomplete(RuntimeError):
    """Some carts could not be expired: the scheduler's retry (or the next run) picks them up."""


@schedule_entrypoint
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = cart_expiry_sweep().run()
    if report.failed:
        raise SweepIncomplete(f"{len(report.failed)} carts could not be expired")
    return dataclasses.asdict(report)
