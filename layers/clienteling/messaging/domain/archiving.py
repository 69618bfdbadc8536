"""When a conversation is archived: after months without activity, soon after the customer opted out, or a week
after an opt-in request nobody answered (each duration a business setting).

The due time counts from the conversation's latest activity (a text either way, an opt-in request, a consent
change): a customer who writes again after opting out starts the short wait again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from clienteling.directory.ports import BusinessSettings, Status


def archive_due(at: datetime, conversational: Status, settings: BusinessSettings) -> datetime:
    """When a conversation whose latest activity is `at` gets archived, given the customer's chat consent."""
    if conversational == Status.OPTED_OUT:
        return at + timedelta(days=settings.archive_after_opt_out_days)
    if conversational == Status.PENDING:
        return at + timedelta(days=settings.archive_after_unanswered_opt_in_days)
    return at + relativedelta(months=settings.archive_after_inactive_months)
