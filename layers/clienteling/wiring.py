"""Composition root: AWS resources created lazily and cached per warm function, and service providers.

Nothing here runs at import, and each provider imports what it builds only when called: a function pays at
cold start for the services it uses, not for every service of the product. Endpoints are never in code:
locally the AWS_ENDPOINT_URL_<SERVICE> environment variables point every SDK client at the local stack.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.clock import Clock, system_clock
from clienteling.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

    from clienteling.adapters.identity import CognitoDirectory
    from clienteling.adapters.media import MediaStore
    from clienteling.services.associates import AssociateService
    from clienteling.services.customers import CustomerService
    from clienteling.services.store_directory import StoreDirectory
    from clienteling.services.stores import StoreService


@functools.cache
def table() -> Table:
    import boto3

    return boto3.resource("dynamodb").Table(get_settings().table_name)


_clock_override: Clock | None = None


def set_clock(clock: Clock | None) -> None:
    """Let the local runtime's controllable clock be everyone's time; None restores the system clock."""
    global _clock_override  # noqa: PLW0603 - the one seam the local runtime sets; never set in AWS
    _clock_override = clock


def clock() -> Clock:
    return _clock_override or system_clock


@functools.cache
def store_directory() -> StoreDirectory:
    from clienteling.repositories.stores import StoreRepository
    from clienteling.services.store_directory import StoreDirectory

    return StoreDirectory(StoreRepository(table()), ttl_seconds=get_settings().store_cache_seconds)


def store_service() -> StoreService:
    from clienteling.repositories.stores import StoreRepository
    from clienteling.services.stores import StoreService

    return StoreService(StoreRepository(table()), store_directory(), clock())


def customer_service() -> CustomerService:
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.services.customers import CustomerService

    return CustomerService(
        CustomerRepository(table()), store_directory(), clock(), default_region=get_settings().default_phone_region
    )


@functools.cache
def media_store() -> MediaStore:
    import boto3
    from botocore.config import Config

    from clienteling.adapters.media import MediaStore

    # SigV4 presigned URLs: the only kind S3 accepts in every region.
    return MediaStore(boto3.client("s3", config=Config(signature_version="s3v4")), get_settings().media_bucket)


@functools.cache
def identity_directory() -> CognitoDirectory:
    import boto3

    from clienteling.adapters.identity import CognitoDirectory

    return CognitoDirectory(boto3.client("cognito-idp"), get_settings().user_pool_id)


def associate_service() -> AssociateService:
    from clienteling.repositories.associates import AssociateRepository
    from clienteling.services.associates import AssociateService

    return AssociateService(
        AssociateRepository(table()), store_directory(), identity_directory(), media_store(), clock()
    )
