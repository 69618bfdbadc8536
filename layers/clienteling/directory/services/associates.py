"""Associates: managers and admins onboard them; each associate sets their own availability and picture."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from clienteling.adapters.identity import IdentityDirectory
from clienteling.adapters.media import MediaStore
from clienteling.directory.contracts.associates import AssociateCreate, AssociateUpdate, MeUpdate, ProfilePictureUpload
from clienteling.directory.domain.associates import Associate, AssociateSummary, Availability
from clienteling.directory.repositories.associates import AssociateRepository
from clienteling.directory.services.store_directory import StoreDirectory
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page
from clienteling.kernel.providers import PresignedUpload

UPLOAD_SECONDS = 900
PICTURE_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
PICTURE_MAX_BYTES = 2 * 1024 * 1024


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        details=[{"field": field, "loc": ["body", field], "type": "value_error", "message": message}]
    )


class AssociateService:
    def __init__(
        self,
        associates: AssociateRepository,
        stores: StoreDirectory,
        identity: IdentityDirectory,
        media: MediaStore,
        clock: Clock,
    ) -> None:
        self._associates = associates
        self._stores = stores
        self._identity = identity
        self._media = media
        self._clock = clock

    # ------------------------------------------------------------------ managers and admins
    def create(self, caller: Caller, data: AssociateCreate) -> Associate:
        caller.require_role(Role.MANAGER)
        self._check_grant(caller, data.role, data.store_ids)
        store_ids = tuple(dict.fromkeys(data.store_ids))
        email = data.email.lower()
        subject, username = self._identity.create_user(
            email=email, display_name=data.display_name, role=data.role, store_ids=list(store_ids)
        )
        now = self._clock()
        associate = Associate(
            id=subject,
            display_name=data.display_name,
            email=email,
            role=data.role,
            store_ids=store_ids,
            availability=Availability.AVAILABLE,
            version=1,
            created_at=now,
            updated_at=now,
            identity_username=username,
        )
        try:
            self._associates.create(associate)
        except Exception:
            # Keep the identity provider and the table in step: no sign-in without a profile.
            self._identity.delete_user(username)
            raise
        return associate

    def update(self, caller: Caller, associate_id: str, patch: AssociateUpdate, *, expected_version: int) -> Associate:
        caller.require_role(Role.MANAGER)
        current = self._associates.require(associate_id)
        self._check_manages(caller, current)
        if current.version != expected_version:
            raise StaleVersion()
        changes: dict[str, Any] = {}
        if patch.display_name is not None:
            changes["display_name"] = patch.display_name
        role = patch.role or current.role
        store_ids = current.store_ids
        if patch.store_ids is not None:
            requested = list(dict.fromkeys(patch.store_ids))
            # A manager edits memberships of their own stores and keeps the others as they were.
            kept = [s for s in current.store_ids if not caller.can_access_store(s)]
            store_ids = tuple(dict.fromkeys(kept + requested))
            self._check_grant(caller, role, requested)
        elif patch.role is not None:
            self._check_grant(caller, role, [s for s in current.store_ids if caller.can_access_store(s)])
        if role != current.role:
            changes["role"] = role
        if store_ids != current.store_ids:
            changes["store_ids"] = store_ids
        if patch.active is not None and patch.active != current.active:
            if associate_id == caller.associate_id:
                raise Forbidden("You cannot deactivate yourself.")
            changes["active"] = patch.active
        if not changes:
            return current
        updated = dataclasses.replace(current, **changes, version=current.version + 1, updated_at=self._clock())
        self._associates.replace(updated, previous=current)
        if current.identity_username:
            if "role" in changes or "store_ids" in changes:
                self._identity.update_access(
                    current.identity_username, role=updated.role, store_ids=list(updated.store_ids)
                )
            if "active" in changes:
                self._identity.set_enabled(current.identity_username, enabled=updated.active)
        return updated

    def get(self, caller: Caller, associate_id: str) -> Associate:
        associate = self._associates.get(associate_id)
        if associate_id == caller.associate_id or caller.is_admin:
            if associate is None:
                raise NotFound("No such associate.")
            return associate
        if associate is None or not any(caller.can_access_store(s) for s in associate.store_ids):
            # Colleagues only; the same answer whether the associate exists elsewhere or not at all.
            raise NotFound("No such associate in your stores.")
        return associate

    def list_for_store(
        self, caller: Caller, store_id: str, *, limit: int, cursor: str | None
    ) -> Page[AssociateSummary]:
        caller.require_store(store_id)
        return self._associates.list_by_store(store_id, limit=limit, cursor=cursor)

    # ------------------------------------------------------------------ the associate themselves
    def me(self, caller: Caller) -> Associate:
        associate = self._associates.get(caller.associate_id)
        if associate is None:
            raise NotFound("There is no associate profile for this sign-in.")
        return associate

    def update_me(self, caller: Caller, patch: MeUpdate, *, expected_version: int) -> Associate:
        current = self.me(caller)
        if current.version != expected_version:
            raise StaleVersion()
        changes: dict[str, Any] = {}
        if patch.display_name is not None:
            changes["display_name"] = patch.display_name
        if patch.availability is not None:
            changes["availability"] = patch.availability
        if patch.profile_picture_key is not None:
            self._check_uploaded_picture(caller, patch.profile_picture_key)
            changes["profile_picture_key"] = patch.profile_picture_key
        if not changes:
            return current
        updated = dataclasses.replace(current, **changes, version=current.version + 1, updated_at=self._clock())
        self._associates.replace(updated, previous=current)
        logger.info("associate updated own profile", extra={"fields": sorted(changes)})
        return updated

    def profile_picture_upload(self, caller: Caller, data: ProfilePictureUpload) -> tuple[str, PresignedUpload, Any]:
        self.me(caller)
        key = f"associates/{caller.associate_id}/profile/{new_id()}.{PICTURE_TYPES[data.content_type]}"
        upload = self._media.presign_upload(
            key, content_type=data.content_type, size=data.size, expires_in=UPLOAD_SECONDS
        )
        return key, upload, self._clock() + timedelta(seconds=UPLOAD_SECONDS)

    def picture_url(self, associate: Associate) -> str | None:
        if not associate.profile_picture_key:
            return None
        return self._media.presign_download(associate.profile_picture_key, expires_in=3600)

    # ------------------------------------------------------------------ rules
    def _check_grant(self, caller: Caller, role: Role, store_ids: list[str]) -> None:
        if role != Role.ASSOCIATE and not caller.is_admin:
            raise Forbidden("Only admins grant the manager or admin role.")
        for store_id in store_ids:
            caller.require_store(store_id, role=Role.MANAGER)
            if self._stores.get(store_id) is None:
                raise _invalid("storeIds", f"{store_id} is not a store")

    @staticmethod
    def _check_manages(caller: Caller, associate: Associate) -> None:
        if caller.is_admin:
            return
        if not any(caller.can_access_store(s) for s in associate.store_ids):
            raise NotFound("No such associate in your stores.")
        if associate.role != Role.ASSOCIATE:
            raise Forbidden("Only admins change managers and admins.")

    def _check_uploaded_picture(self, caller: Caller, key: str) -> None:
        if not key.startswith(f"associates/{caller.associate_id}/profile/"):
            raise _invalid("profilePictureKey", "is not one of your uploads")
        stored = self._media.head(key)
        if stored is None:
            raise _invalid("profilePictureKey", "nothing was uploaded there yet")
        if stored.content_type not in PICTURE_TYPES or stored.size > PICTURE_MAX_BYTES:
            raise _invalid("profilePictureKey", "must be a JPEG or PNG of at most 2 MiB")
