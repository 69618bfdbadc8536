"""Provider credentials: one JSON secret in Secrets Manager, read through Powertools Parameters and cached
across warm invocations (locally the same secret lives in moto's Secrets Manager)."""

from __future__ import annotations

from typing import Any

from clienteling.kernel.config import get_settings


class MissingSecret(KeyError):
    """The provider secret has no such key: a deployment mistake, not a request error."""


def provider_secret(name: str) -> str:
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - only functions that need it pay

    settings = get_settings()
    values: Any = parameters.get_secret(
        settings.secrets_name, transform="json", max_age=settings.secrets_max_age_seconds
    )
    if not isinstance(values, dict) or not isinstance(values.get(name), str):
        raise MissingSecret(name)
    return str(values[name])
