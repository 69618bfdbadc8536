"""Saved replies: managers keep them per store, admins for every store; associates use them."""

from __future__ import annotations

import dataclasses

from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import NotFound, StaleVersion
from clienteling.kernel.ids import new_id
from clienteling.messaging.contracts.templates import TemplateCreate, TemplateUpdate
from clienteling.messaging.domain.templates import Template
from clienteling.messaging.repositories.templates import TemplateRepository


class TemplateService:
    def __init__(self, templates: TemplateRepository, clock: Clock) -> None:
        self._templates = templates
        self._clock = clock

    def list_for_store(self, caller: Caller, store_id: str) -> list[Template]:
        caller.require_store(store_id)
        found = self._templates.list_for(store_id) + self._templates.list_for(None)
        return sorted(found, key=lambda t: t.name.casefold())

    def get(self, caller: Caller, template_id: str) -> Template:
        template = self._templates.get(template_id)
        if template is None or (template.store_id and not caller.can_access_store(template.store_id)):
            raise NotFound("No such template in your stores.")
        return template

    def create(self, caller: Caller, data: TemplateCreate) -> Template:
        self._require_manage(caller, data.store_id)
        now = self._clock()
        template = Template(
            id=new_id(),
            name=data.name,
            bodies=dict(data.bodies),
            store_id=data.store_id,
            version=1,
            created_at=now,
            updated_at=now,
            created_by=caller.associate_id,
        )
        self._templates.save(template, previous_version=None)
        return template

    def update(self, caller: Caller, template_id: str, patch: TemplateUpdate, *, expected_version: int) -> Template:
        current = self.get(caller, template_id)
        self._require_manage(caller, current.store_id)
        if current.version != expected_version:
            raise StaleVersion()
        updated = dataclasses.replace(
            current,
            name=patch.name or current.name,
            bodies=dict(patch.bodies) if patch.bodies else current.bodies,
            version=current.version + 1,
            updated_at=self._clock(),
        )
        self._templates.save(updated, previous_version=current.version)
        return updated

    def delete(self, caller: Caller, template_id: str) -> None:
        current = self.get(caller, template_id)
        self._require_manage(caller, current.store_id)
        self._templates.delete(template_id)

    @staticmethod
    def _require_manage(caller: Caller, store_id: str | None) -> None:
        if store_id is None:
            caller.require_role(Role.ADMIN)
        else:
            caller.require_store(store_id, role=Role.MANAGER)
