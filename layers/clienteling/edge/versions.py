"""Optimistic concurrency on the wire: ETag out, If-Match in."""

from __future__ import annotations

from typing import TypeVar

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel

from clienteling.kernel.errors import PreconditionRequired, ValidationFailed

M = TypeVar("M", bound=BaseModel)


def etag(version: int) -> str:
    return f'"{version}"'


def if_match(header: str | None) -> int:
    """The version an update expects; the header is required so two associates never overwrite each other."""
    if header is None or not header.strip():
        raise PreconditionRequired()
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationFailed(
            'If-Match must be an ETag this API returned, for example "3".',
            details=[{"field": "If-Match", "loc": ["header", "If-Match"], "type": "etag"}],
        )
    return int(text)


def versioned(body: M, version: int, status: int = 200) -> Response[M]:
    """A JSON response carrying the resource's version as its ETag."""
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers={"ETag": etag(version)}
    )
