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

    from clienteling.adapters.email import SesMailer
    from clienteling.adapters.identity import CognitoDirectory
    from clienteling.adapters.media import MediaStore
    from clienteling.adapters.payments import AdyenPaymentLinks
    from clienteling.adapters.sms import TwilioSms
    from clienteling.domain.settings import BusinessSettings
    from clienteling.services.associates import AssociateService
    from clienteling.services.cache import TtlCache
    from clienteling.services.cart_pages import CartPageService
    from clienteling.services.carts import CartService
    from clienteling.services.catalog import CatalogService
    from clienteling.services.conversations import ConversationService
    from clienteling.services.customers import CustomerService
    from clienteling.services.inbound import InboundService
    from clienteling.services.inbox import InboxService
    from clienteling.services.media_copy import MediaCopier
    from clienteling.services.notifications import NotificationService
    from clienteling.services.orders import OrderService
    from clienteling.services.payment_followups import PaymentFollowups
    from clienteling.services.payments import PaymentService
    from clienteling.services.publisher import OutboxPublisher
    from clienteling.services.settings import SettingsService
    from clienteling.services.status import StatusService
    from clienteling.services.store_directory import StoreDirectory
    from clienteling.services.stores import StoreService
    from clienteling.services.templates import TemplateService


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
    from clienteling.repositories.associates import AssociateRepository
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.services.customers import CustomerService

    return CustomerService(
        customers=CustomerRepository(table()),
        conversations=ConversationRepository(table()),
        associates=AssociateRepository(table()),
        stores=store_directory(),
        clock=clock(),
        default_region=get_settings().default_phone_region,
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


@functools.cache
def settings_cache() -> TtlCache[str, BusinessSettings]:
    from clienteling.repositories.settings import SettingsRepository
    from clienteling.services.cache import TtlCache

    return TtlCache(SettingsRepository(table()).get, ttl_seconds=get_settings().store_cache_seconds)


def settings_service() -> SettingsService:
    from clienteling.repositories.settings import SettingsRepository
    from clienteling.services.settings import SettingsService

    return SettingsService(SettingsRepository(table()), settings_cache(), clock())


@functools.cache
def sms_sender() -> TwilioSms:
    from clienteling.adapters.secrets import provider_secret
    from clienteling.adapters.sms import TwilioSms

    settings = get_settings()
    return TwilioSms(
        settings.twilio_account_sid, provider_secret("twilio_auth_token"), api_base_url=settings.twilio_api_base_url
    )


def inbound_service() -> InboundService:
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.services.inbound import InboundService

    return InboundService(
        ConversationRepository(table()), CustomerRepository(table()), store_directory(), settings_cache(), clock()
    )


def status_service() -> StatusService:
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.services.status import StatusService

    return StatusService(ConversationRepository(table()), CustomerRepository(table()), settings_cache(), clock())


def conversation_service() -> ConversationService:
    from clienteling.repositories.associates import AssociateRepository
    from clienteling.repositories.catalog import CatalogRepository
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.repositories.templates import TemplateRepository
    from clienteling.services.conversations import ConversationService

    settings = get_settings()
    return ConversationService(
        conversations=ConversationRepository(table()),
        customers=CustomerRepository(table()),
        associates=AssociateRepository(table()),
        templates=TemplateRepository(table()),
        products=CatalogRepository(table()),
        stores=store_directory(),
        settings=settings_cache(),
        media=media_store(),
        sms=sms_sender,
        clock=clock(),
        status_callback_url=settings.public_base_url.rstrip("/") + "/webhooks/twilio/status",
    )


def inbox_service() -> InboxService:
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.services.inbox import InboxService

    return InboxService(ConversationRepository(table()))


def template_service() -> TemplateService:
    from clienteling.repositories.templates import TemplateRepository
    from clienteling.services.templates import TemplateService

    return TemplateService(TemplateRepository(table()), clock())


@functools.cache
def outbox_publisher() -> OutboxPublisher:
    import boto3

    from clienteling.adapters.events import EventBus
    from clienteling.services.publisher import OutboxPublisher

    return OutboxPublisher(EventBus(boto3.client("events"), get_settings().event_bus_name))


def notification_service() -> NotificationService:
    import boto3

    from clienteling.adapters.push import SnsPush
    from clienteling.repositories.associates import AssociateRepository
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.repositories.notifications import NotificationRepository
    from clienteling.services.notifications import NotificationService

    topic = get_settings().push_topic_arn
    return NotificationService(
        NotificationRepository(table()),
        AssociateRepository(table()),
        ConversationRepository(table()),
        SnsPush(boto3.client("sns"), topic) if topic else None,
    )


def media_copier() -> MediaCopier:
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.services.media_copy import MediaCopier

    return MediaCopier(ConversationRepository(table()), media_store(), sms_sender)


# ---------------------------------------------------------------------------------------------- catalog and carts
def catalog_service() -> CatalogService:
    from clienteling.repositories.catalog import CatalogRepository
    from clienteling.services.catalog import CatalogService

    return CatalogService(CatalogRepository(table()), clock())


@functools.cache
def payment_links() -> AdyenPaymentLinks:
    from clienteling.adapters.payments import AdyenPaymentLinks
    from clienteling.adapters.secrets import provider_secret

    settings = get_settings()
    return AdyenPaymentLinks(
        provider_secret("adyen_api_key"),
        settings.adyen_merchant_account,
        settings.adyen_environment,
        settings.adyen_checkout_url,
        live_endpoint_prefix=settings.adyen_live_endpoint_prefix,
    )


def cart_service() -> CartService:
    from clienteling.repositories.carts import CartRepository
    from clienteling.repositories.catalog import CatalogRepository
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.services.carts import CartService

    return CartService(
        carts_repo=CartRepository(table()),
        catalog=CatalogRepository(table()),
        customers=CustomerRepository(table()),
        stores=store_directory(),
        conversations=conversation_service,
        payments=payment_links,
        clock=clock(),
        public_base_url=get_settings().public_base_url,
    )


def cart_page_service() -> CartPageService:
    from clienteling.repositories.carts import CartRepository
    from clienteling.services.cart_pages import CartPageService

    return CartPageService(CartRepository(table()), clock())


def payment_service() -> PaymentService:
    from clienteling.repositories.carts import CartRepository
    from clienteling.repositories.conversations import ConversationRepository
    from clienteling.repositories.orders import OrderRepository
    from clienteling.services.payments import PaymentService

    return PaymentService(
        carts_repo=CartRepository(table()),
        orders_repo=OrderRepository(table()),
        conversations=ConversationRepository(table()),
        clock=clock(),
    )


@functools.cache
def mailer() -> SesMailer:
    import boto3

    from clienteling.adapters.email import SesMailer

    sender = get_settings().receipt_email_sender
    return SesMailer(boto3.client("ses") if sender else None, sender)


def payment_followups() -> PaymentFollowups:
    from clienteling.repositories.associates import AssociateRepository
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.repositories.orders import OrderRepository
    from clienteling.services.payment_followups import PaymentFollowups

    return PaymentFollowups(
        orders_repo=OrderRepository(table()),
        customers=CustomerRepository(table()),
        associates=AssociateRepository(table()),
        stores=store_directory(),
        conversations=conversation_service,
        mailer=mailer,
        clock=clock(),
    )


def order_service() -> OrderService:
    from clienteling.repositories.customers import CustomerRepository
    from clienteling.repositories.orders import OrderRepository
    from clienteling.services.orders import OrderService

    return OrderService(OrderRepository(table()), CustomerRepository(table()))
