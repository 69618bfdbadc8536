"""Loyalty daily job (EventBridge Scheduler): points expiry, oldest lots first, and birthday rewards."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.edge.entrypoints import schedule_entrypoint
from clienteling.kernel.clock import from_event_time
from clienteling.loyalty.wiring import loyalty_service


@schedule_entrypoint
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """The occurrence's time when the schedule gives one (a late or replayed run acts for its own day)."""
    at = event.get("time") or event.get("scheduledTime")
    report = loyalty_service().daily(from_event_time(at) if isinstance(at, str) and at[:1].isdigit() else None)
    return {
        "accountsExpired": report.accounts_expired,
        "pointsExpired": report.points_expired,
        "birthdayGrants": report.birthday_grants,
    }
