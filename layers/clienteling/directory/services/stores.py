"""Stores: admins create and configure them; associates read the stores they work in."""

from __future__ import annotations

import dataclasses

from clienteling.directory.contracts.stores import CartSettingsIn, StoreCreate, StoreMessaging, StoreUpdate
from clienteling.directory.domain.stores import CartSettings, MessagingSettings, ShippingOption, Store
from clienteling.directory.repositories.stores import StoreRepository
from clienteling.directory.services.store_directory import StoreDirectory
from clienteling.kernel import money
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.addresses import Address
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import NotFound, StaleVersion, ValidationFailed
from clienteling.kernel.ids import new_id
from clienteling.kernel.pages import Page
from clienteling.kernel.phone import InvalidPhoneNumber, to_e164


def _store_phone(raw: str, country: str) -> str:
    try:
        return to_e164(raw, country)
    except InvalidPhoneNumber as error:
        raise ValidationFailed(
            details=[
                {"field": "phoneNumber", "loc": ["body", "phoneNumber"], "type": "phone_number", "message": str(error)}
            ]
        ) from error


def _address(model: object) -> Address:
    return Address(**{f.name: getattr(model, f.name) for f in dataclasses.fields(Address)})


def _messaging(model: StoreMessaging) -> MessagingSettings:
    return MessagingSettings(
        keyword_replies=model.keyword_replies,
        help_contact=model.help_contact,
        opt_out_mention=model.opt_out_mention,
        stop_number=model.stop_number,
        messages_per_second=model.messages_per_second,
    )


def _cart_settings(model: CartSettingsIn) -> CartSettings:
    return CartSettings(
        tax_rates_ppm={r.category: money.percent_to_ppm(r.rate_percent) for r in model.tax_rates},
        shipping_options=tuple(
            ShippingOption(id=o.id, name=o.name, price_minor=o.price_minor, countries=tuple(o.countries))
            for o in model.shipping_options
        ),
        shipping_tax_category=model.shipping_tax_category,
        max_discount_ppm=money.percent_to_ppm(model.max_discount_percent)
        if model.max_discount_percent is not None
        else None,
        allow_mixed_fulfillment=model.allow_mixed_fulfillment,
    )


class StoreService:
    def __init__(self, stores: StoreRepository, directory: StoreDirectory, clock: Clock) -> None:
        self._stores = stores
        self._directory = directory
        self._clock = clock

    def create(self, caller: Caller, data: StoreCreate) -> Store:
        caller.require_role(Role.ADMIN)
        now = self._clock()
        store = Store(
            id=new_id(),
            name=data.name,
            phone_number=_store_phone(data.phone_number, data.address.country),
            time_zone=data.time_zone,
            locale=data.locale,
            currency=data.currency,
            address=_address(data.address),
            tax_mode=data.tax_mode.value,
            messaging=_messaging(data.messaging),
            cart_settings=_cart_settings(data.cart_settings),
            version=1,
            created_at=now,
            updated_at=now,
        )
        self._stores.create(store)
        return store

    def get(self, caller: Caller, store_id: str) -> Store:
        if not caller.can_access_store(store_id):
            # Same answer whether or not the store exists: ids of other stores are not confirmed.
            caller.require_store(store_id)
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        return store

    def list_visible(self, caller: Caller, *, limit: int, cursor: str | None) -> Page[Store]:
        if caller.is_admin:
            return self._stores.list(limit=limit, cursor=cursor)
        # Everyone else works in a handful of stores, named in their token: fetch exactly those.
        return Page(sorted(self._stores.get_many(sorted(caller.store_ids)), key=lambda s: s.name.casefold()))

    def update(self, caller: Caller, store_id: str, patch: StoreUpdate, *, expected_version: int) -> Store:
        if patch.model_fields_set <= {"cart_settings"}:
            # Cart settings (tax rates, shipping, the discount ceiling) are the store managers' to set.
            caller.require_store(store_id, role=Role.MANAGER)
        else:
            caller.require_role(Role.ADMIN)
        current = self._stores.require(store_id)
        if current.version != expected_version:
            raise StaleVersion()
        changes = patch.model_dump(exclude_unset=True, exclude_none=True)
        address = _address(patch.address) if patch.address is not None else current.address
        country = address.country
        phone = _store_phone(patch.phone_number, country) if patch.phone_number is not None else current.phone_number
        changes.pop("address", None)
        changes.pop("phone_number", None)
        if patch.messaging is not None:
            changes["messaging"] = _messaging(patch.messaging)
        changes.pop("cart_settings", None)
        if patch.cart_settings is not None:
            changes["cart_settings"] = _cart_settings(patch.cart_settings)
        if "tax_mode" in changes:
            changes["tax_mode"] = str(changes["tax_mode"])
        updated = dataclasses.replace(
            current,
            **changes,
            address=address,
            phone_number=phone,
            version=current.version + 1,
            updated_at=self._clock(),
        )
        self._stores.replace(updated, previous=current)
        self._directory.forget(store_id)
        return updated
