"""Directory's providers for the handlers' `Depends`: its services, built from the shared resources and from
what other features' wiring provides. Each provider imports what it builds only when called (cold start).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.kernel.config import get_settings
from clienteling.resources import clock, identity_directory, media_store, table, unit_of_work

if TYPE_CHECKING:
    from clienteling.directory.domain.settings import BusinessSettings
    from clienteling.directory.ports import (
        AssociateLookup,
        CustomerEnrolment,
        CustomerRecords,
        ProductLookup,
        StoreListing,
    )
    from clienteling.directory.services.associates import AssociateService
    from clienteling.directory.services.catalog import CatalogService
    from clienteling.directory.services.consent import ConsentRecorder
    from clienteling.directory.services.customers import CustomerService
    from clienteling.directory.services.settings import SettingsService
    from clienteling.directory.services.store_directory import StoreDirectory
    from clienteling.directory.services.stores import StoreService
    from clienteling.kernel.cache import TtlCache


@functools.cache
def store_directory() -> StoreDirectory:
    from clienteling.directory.repositories.stores import StoreRepository
    from clienteling.directory.services.store_directory import StoreDirectory

    return StoreDirectory(StoreRepository(table()), ttl_seconds=get_settings().store_cache_seconds)


def store_service() -> StoreService:
    from clienteling.directory.repositories.stores import StoreRepository
    from clienteling.directory.services.stores import StoreService

    return StoreService(StoreRepository(table()), store_directory(), clock())


def customer_service() -> CustomerService:
    from clienteling.directory.repositories.associates import AssociateRepository
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.directory.services.customers import CustomerService
    from clienteling.messaging.wiring import customer_copies  # the port messaging implements for us

    return CustomerService(
        customers=CustomerRepository(table()),
        copies=customer_copies(),
        associates=AssociateRepository(table()),
        stores=store_directory(),
        consents=consent_recorder(),
        work=unit_of_work,
        clock=clock(),
        default_region=get_settings().default_phone_region,
    )


# ---------------------------------------------------------------------- ports other features use
def customer_records() -> CustomerRecords:
    from clienteling.directory.repositories.customers import CustomerRepository

    return CustomerRepository(table())


def consent_recorder() -> ConsentRecorder:
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.directory.services.consent import ConsentRecorder

    return ConsentRecorder(CustomerRepository(table()))


def associates() -> AssociateLookup:
    from clienteling.directory.repositories.associates import AssociateRepository

    return AssociateRepository(table())


def products() -> ProductLookup:
    from clienteling.directory.repositories.catalog import CatalogRepository

    return CatalogRepository(table())


def store_listing() -> StoreListing:
    from clienteling.directory.repositories.stores import StoreRepository

    return StoreRepository(table())


def customer_enrolment() -> CustomerEnrolment:
    return customer_service()


def associate_service() -> AssociateService:
    from clienteling.directory.repositories.associates import AssociateRepository
    from clienteling.directory.services.associates import AssociateService

    return AssociateService(
        AssociateRepository(table()), store_directory(), identity_directory(), media_store(), clock()
    )


@functools.cache
def settings_cache() -> TtlCache[str, BusinessSettings]:
    from clienteling.directory.repositories.settings import SettingsRepository
    from clienteling.kernel.cache import TtlCache

    return TtlCache(SettingsRepository(table()).get, ttl_seconds=get_settings().store_cache_seconds)


def settings_service() -> SettingsService:
    from clienteling.directory.repositories.settings import SettingsRepository
    from clienteling.directory.services.settings import SettingsService

    return SettingsService(SettingsRepository(table()), settings_cache(), clock())


def catalog_service() -> CatalogService:
    from clienteling.directory.repositories.catalog import CatalogRepository
    from clienteling.directory.services.catalog import CatalogService

    return CatalogService(CatalogRepository(table()), clock())
