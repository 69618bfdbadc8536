"""Saved replies (quick replies) on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from clienteling.kernel.reference import locale_tag
from clienteling.kernel.wire import ApiModel, Id, NonEmptyText, ResponseModel
from clienteling.messaging.domain import templates

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1600)]


def _bodies(value: dict[str, str]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for tag, text in value.items():
        language_only = "-" not in tag and tag.isalpha() and 2 <= len(tag) <= 3
        key = tag.lower() if language_only else locale_tag(tag)
        try:
            templates.check(text)
        except templates.UnknownPlaceholder as error:
            raise ValueError(str(error)) from error
        checked[key] = text
    return checked


Bodies = Annotated[dict[str, Body], Field(min_length=1, max_length=20), AfterValidator(_bodies)]


class TemplateCreate(ApiModel):
    name: NonEmptyText
    bodies: Bodies = Field(
        description="Text per language or locale ('en', 'fr-FR'). Placeholders: "
        "{customer.first_name}, {customer.last_name}, {associate.display_name}, "
        "{store.name}"
    )
    store_id: Id | None = Field(default=None, description="null: every store (admins only)")


class TemplateUpdate(ApiModel):
    name: NonEmptyText | None = None
    bodies: Bodies | None = None


class TemplateOut(ResponseModel):
    id: str
    name: str
    bodies: dict[str, str]
    store_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime
