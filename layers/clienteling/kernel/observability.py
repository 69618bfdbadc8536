"""The one Logger and Metrics of the product, and redaction of personal data for logs.

Logs must never hold phone numbers, emails or message bodies in clear: log `redact_phone(...)` or a
customer id instead.
"""

from __future__ import annotations

import hashlib

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="clienteling")
metrics = Metrics(namespace="Clienteling", service="clienteling")


def redact_phone(phone: str | None) -> str | None:
    """Keep the country code and the last two digits, enough to tell numbers apart while debugging."""
    if not phone:
        return phone
    return f"{phone[:3]}***{phone[-2:]}" if len(phone) > 6 else "***"


def redact_email(email: str | None) -> str | None:
    """Keep only the domain."""
    if not email or "@" not in email:
        return None if email is None else "***"
    return "***@" + email.rsplit("@", 1)[1]


def fingerprint(value: str) -> str:
    """A short stable hash to correlate log lines about the same secret value without revealing it."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def flush_metrics() -> None:
    """Publish the metrics an invocation recorded, if any (Powertools warns on an empty flush)."""
    if metrics.metric_set:
        metrics.flush_metrics()
