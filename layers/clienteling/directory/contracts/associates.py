"""Associates: created by managers and admins, availability set by the associate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from clienteling.directory.domain.associates import Availability
from clienteling.kernel.access import Role
from clienteling.kernel.wire import ApiModel, Id, NonEmptyText, ResponseModel

ImageType = Annotated[str, StringConstraints(pattern=r"^image/(jpeg|png)$")]
StoreIds = Annotated[list[Id], Field(min_length=1, max_length=50)]


class AssociateCreate(ApiModel):
    display_name: NonEmptyText = Field(description="Shown to customers in messages, for example 'Léa'.")
    email: EmailStr = Field(description="Sign-in email; the identity provider sends the invitation there.")
    role: Role = Role.ASSOCIATE
    store_ids: StoreIds


class AssociateUpdate(ApiModel):
    display_name: NonEmptyText | None = None
    role: Role | None = None
    store_ids: StoreIds | None = None
    active: bool | None = Field(default=None, description="false: the associate can no longer sign in.")


class MeUpdate(ApiModel):
    display_name: NonEmptyText | None = None
    availability: Availability | None = None
    profile_picture_key: Annotated[str, StringConstraints(max_length=300)] | None = Field(
        default=None, description="The key returned by POST /v1/associates/me/profile-picture, once uploaded."
    )


class ProfilePictureUpload(ApiModel):
    content_type: ImageType = Field(description="image/jpeg or image/png")
    size: int = Field(gt=0, le=2 * 1024 * 1024, description="Bytes, at most 2 MiB.")


class UploadOut(ResponseModel):
    key: str
    upload_url: str = Field(description="PUT the file here with exactly these headers before expiresAt.")
    headers: dict[str, str]
    expires_at: datetime


class AssociateOut(ResponseModel):
    id: str
    display_name: str
    email: str
    role: Role
    store_ids: list[str]
    availability: Availability
    active: bool
    profile_picture_url: str | None = Field(default=None, description="Short-lived link to the picture.")
    version: int
    created_at: datetime
    updated_at: datetime


class AssociateSummaryOut(ResponseModel):
    id: str
    display_name: str
    role: Role
    availability: Availability
    active: bool
