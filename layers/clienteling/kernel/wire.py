"""Shared shapes of the HTTP contract: camelCase JSON, error envelope, pages."""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeVar

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields are refused so typos are caught."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, defer_build=True
    )


class ResponseModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, defer_build=True)


T = TypeVar("T")


class Page(ResponseModel, Generic[T]):
    """One page of a list; pass `nextCursor` back as `cursor` for the next one (null on the last page)."""

    items: list[T]
    next_cursor: str | None = None


class ErrorDetail(ResponseModel):
    field: str = Field(description="Dotted path of the offending field, without the location prefix.")
    loc: list[str] = Field(description="Full location, for example ['body', 'phoneNumber'].")
    type: str
    message: str | None = None


class ErrorInfo(ResponseModel):
    code: str = Field(description="Stable machine-readable code, for example validation_error, version_conflict.")
    message: str
    details: list[ErrorDetail | dict[str, Any]] = Field(default_factory=list)


class ErrorResponse(ResponseModel):
    error: ErrorInfo


NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]

ERROR_RESPONSES: dict[int, OpenAPIResponse] = {
    status: {"description": description, "content": {"application/json": {"model": ErrorResponse}}}
    for status, description in {
        400: "Invalid input (validation_error with field paths)",
        401: "Missing or invalid bearer token",
        403: "Outside your stores or role",
        404: "Not found",
        409: "Conflict: stale If-Match version or a unique value already used",
        413: "Body too large",
        415: "Body is not JSON",
        428: "If-Match header required",
    }.items()
}


def lowercase_matching(pattern: str, message: str) -> AfterValidator:
    """Lower-cases, then checks the pattern (StringConstraints would check the pattern before lowering)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        lowered = value.lower()
        if not compiled.match(lowered):
            raise ValueError(message)
        return lowered

    return AfterValidator(check)


# Loyalty refusals that are neither bad input nor conflicts: insufficient points, a reward not eligible here,
# a customer field the reward needs, a wrong gift card PIN, a locked or exhausted card.
REFUSAL_RESPONSES: dict[int, OpenAPIResponse] = {
    **ERROR_RESPONSES,
    422: {
        "description": "Refused: insufficient_points, reward_not_eligible, missing_customer_field, wrong_pin, "
        "gift_card_locked, gift_card_refused, idempotency_key_reused",
        "content": {"application/json": {"model": ErrorResponse}},
    },
}
