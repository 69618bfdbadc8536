"""Business settings: read by everyone, changed by admins."""

from __future__ import annotations

import dataclasses

from clienteling.directory.contracts.settings import SettingsUpdate
from clienteling.directory.domain.settings import BusinessSettings
from clienteling.directory.repositories.settings import SettingsRepository
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.cache import TtlCache
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import StaleVersion


class SettingsService:
    def __init__(self, settings: SettingsRepository, cache: TtlCache[str, BusinessSettings], clock: Clock) -> None:
        self._settings = settings
        self._cache = cache
        self._clock = clock

    def get(self, caller: Caller) -> BusinessSettings:
        caller.require_role(Role.ASSOCIATE)
        return self._settings.get()

    def update(self, caller: Caller, patch: SettingsUpdate, *, expected_version: int) -> BusinessSettings:
        caller.require_role(Role.ADMIN)
        current = self._settings.get()
        if current.version != expected_version:
            raise StaleVersion()
        changes = patch.model_dump(exclude_unset=True, exclude_none=True)
        updated = dataclasses.replace(current, **changes, version=current.version + 1, updated_at=self._clock())
        self._settings.save(updated, previous_version=current.version)
        self._cache.forget("")
        return updated
