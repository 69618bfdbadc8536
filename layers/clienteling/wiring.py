"""Composition root: AWS resources created lazily and cached per warm function, and service providers.

Nothing here runs at import, and each provider imports what it builds only when called: a function pays at
cold start for the services it uses, not for every service of the product. Endpoints are never in code:
locally the AWS_ENDPOINT_URL_<SERVICE> environment variables point every SDK client at the local stack.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from clienteling.kernel.clock import Clock, system_clock
from clienteling.kernel.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

    from clienteling.adapters.email import SesEmail
    from clienteling.adapters.identity import CognitoDirectory
    from clienteling.adapters.media import MediaStore
    from clienteling.adapters.payments import AdyenPaymentLinks
    from clienteling.adapters.queues import SendQueue
    from clienteling.adapters.schedules import OneTimeSchedules
    from clienteling.adapters.sms import TwilioSms
    from clienteling.campaigns.repositories.rate_limiter import RateLimiter
    from clienteling.campaigns.services.campaigns import CampaignService
    from clienteling.campaigns.services.credits import CreditService
    from clienteling.campaigns.services.flow import Rates
    from clienteling.campaigns.services.outreach import OutreachService
    from clienteling.campaigns.services.sender import CampaignSender
    from clienteling.campaigns.services.start import CampaignStarter
    from clienteling.campaigns.services.tracking import CampaignEvents
    from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks, UnsubscribeService
    from clienteling.commerce.services.cart_expiry import CartExpirySweep
    from clienteling.commerce.services.cart_pages import CartPageService
    from clienteling.commerce.services.carts import CartService
    from clienteling.commerce.services.orders import OrderService
    from clienteling.commerce.services.payment_followups import PaymentFollowups
    from clienteling.commerce.services.payments import PaymentService
    from clienteling.directory.domain.settings import BusinessSettings
    from clienteling.directory.services.associates import AssociateService
    from clienteling.directory.services.catalog import CatalogService
    from clienteling.directory.services.customers import CustomerService
    from clienteling.directory.services.settings import SettingsService
    from clienteling.directory.services.store_directory import StoreDirectory
    from clienteling.directory.services.stores import StoreService
    from clienteling.kernel.cache import TtlCache
    from clienteling.kernel.publisher import OutboxPublisher
    from clienteling.loyalty.domain.points import EarningRule
    from clienteling.loyalty.domain.rewards import FrequentBuyerCard, RewardProgram
    from clienteling.loyalty.services.gift_cards import GiftCardService
    from clienteling.loyalty.services.loyalty import LoyaltyService
    from clienteling.loyalty.services.purchases import PurchaseService
    from clienteling.loyalty.services.rewards import RewardsService
    from clienteling.messaging.services.archiving import ArchiveSweep
    from clienteling.messaging.services.conversations import ConversationService
    from clienteling.messaging.services.delivery_status import StatusService
    from clienteling.messaging.services.inbound import InboundService
    from clienteling.messaging.services.inbox import InboxService
    from clienteling.messaging.services.media_copy import MediaCopier
    from clienteling.messaging.services.notifications import NotificationService
    from clienteling.messaging.services.templates import TemplateService


Sleep = Callable[[float], None]
_sleep_override: Sleep | None = None


@functools.cache
def table() -> Table:
    import boto3
    from botocore.config import Config

    # DynamoDB validates every request itself; skipping the SDK's own pass saves ~0.5 ms of CPU per call.
    return boto3.resource("dynamodb", config=Config(parameter_validation=False)).Table(get_settings().table_name)


_clock_override: Clock | None = None


def set_clock(clock: Clock | None) -> None:
    """Let the local runtime's controllable clock be everyone's time; None restores the system clock."""
    global _clock_override  # noqa: PLW0603 - the one seam the local runtime sets; never set in AWS
    _clock_override = clock


def clock() -> Clock:
    return _clock_override or system_clock


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
    from clienteling.messaging.repositories.conversations import ConversationRepository

    return CustomerService(
        customers=CustomerRepository(table()),
        conversations=ConversationRepository(table()),
        associates=AssociateRepository(table()),
        stores=store_directory(),
        settings=settings_cache(),
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


@functools.cache
def sms_sender() -> TwilioSms:
    from clienteling.adapters.secrets import provider_secret
    from clienteling.adapters.sms import TwilioSms

    settings = get_settings()
    return TwilioSms(
        settings.twilio_account_sid, provider_secret("twilio_auth_token"), api_base_url=settings.twilio_api_base_url
    )


def inbound_service() -> InboundService:
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.services.inbound import InboundService

    return InboundService(
        ConversationRepository(table()), CustomerRepository(table()), store_directory(), settings_cache(), clock()
    )


def status_service() -> StatusService:
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.services.delivery_status import StatusService

    return StatusService(ConversationRepository(table()), CustomerRepository(table()), settings_cache(), clock())


def conversation_service() -> ConversationService:
    from clienteling.directory.repositories.associates import AssociateRepository
    from clienteling.directory.repositories.catalog import CatalogRepository
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.repositories.templates import TemplateRepository
    from clienteling.messaging.services.conversations import ConversationService

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
        schedules=send_later_schedules,
    )


@functools.cache
def send_later_schedules() -> OneTimeSchedules:
    import boto3

    from clienteling.adapters.schedules import OneTimeSchedules

    settings = get_settings()
    return OneTimeSchedules(
        boto3.client("scheduler"),
        group=settings.scheduler_group,
        target_arn=settings.scheduled_messages_function_arn,
        role_arn=settings.scheduler_role_arn,
    )


def inbox_service() -> InboxService:
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.services.inbox import InboxService

    return InboxService(ConversationRepository(table()))


def template_service() -> TemplateService:
    from clienteling.messaging.repositories.templates import TemplateRepository
    from clienteling.messaging.services.templates import TemplateService

    return TemplateService(TemplateRepository(table()), clock())


@functools.cache
def outbox_publisher() -> OutboxPublisher:
    import boto3

    from clienteling.adapters.event_bus import EventBridgeBus
    from clienteling.kernel.publisher import OutboxPublisher

    return OutboxPublisher(EventBridgeBus(boto3.client("events"), get_settings().event_bus_name))


def notification_service() -> NotificationService:
    import boto3

    from clienteling.adapters.push import SnsPush
    from clienteling.directory.repositories.associates import AssociateRepository
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.repositories.notifications import NotificationRepository
    from clienteling.messaging.services.notifications import NotificationService

    topic = get_settings().push_topic_arn
    return NotificationService(
        NotificationRepository(table()),
        AssociateRepository(table()),
        ConversationRepository(table()),
        SnsPush(boto3.client("sns"), topic) if topic else None,
    )


def media_copier() -> MediaCopier:
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.services.media_copy import MediaCopier

    return MediaCopier(ConversationRepository(table()), media_store(), sms_sender)


def archive_sweep() -> ArchiveSweep:
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.services.archiving import ArchiveSweep

    return ArchiveSweep(ConversationRepository(table()), clock())


# ---------------------------------------------------------------------- loyalty
@functools.cache
def email_sender() -> SesEmail:
    import boto3

    from clienteling.adapters.email import SesEmail

    return SesEmail(boto3.client("ses"), get_settings().email_sender)


@functools.cache
def earning_rule_cache() -> TtlCache[str, EarningRule]:
    from clienteling.kernel.cache import TtlCache
    from clienteling.loyalty.repositories.rewards import RewardsRepository

    return TtlCache(RewardsRepository(table()).earning_rule, ttl_seconds=get_settings().store_cache_seconds)


@functools.cache
def reward_programs_cache() -> TtlCache[str, list[RewardProgram]]:
    from clienteling.kernel.cache import TtlCache
    from clienteling.loyalty.repositories.rewards import RewardsRepository

    return TtlCache(RewardsRepository(table()).programs, ttl_seconds=get_settings().store_cache_seconds)


@functools.cache
def frequent_buyer_cards_cache() -> TtlCache[str, list[FrequentBuyerCard]]:
    from clienteling.kernel.cache import TtlCache
    from clienteling.loyalty.repositories.rewards import RewardsRepository

    return TtlCache(RewardsRepository(table()).cards, ttl_seconds=get_settings().store_cache_seconds)


def purchase_service() -> PurchaseService:
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.loyalty.repositories.gift_cards import GiftCardRepository
    from clienteling.loyalty.repositories.loyalty import LoyaltyRepository
    from clienteling.loyalty.services.purchases import PurchaseService

    settings = get_settings()
    return PurchaseService(
        loyalty=LoyaltyRepository(table()),
        customers=CustomerRepository(table()),
        customer_service=customer_service(),
        gift_cards=GiftCardRepository(table()),
        earning_rule=earning_rule_cache(),
        cards=frequent_buyer_cards_cache(),
        stores=store_directory(),
        email=email_sender,
        clock=clock(),
        public_base_url=settings.public_base_url,
    )


def loyalty_service() -> LoyaltyService:
    from clienteling.adapters.card_codes import render
    from clienteling.loyalty.repositories.loyalty import LoyaltyRepository
    from clienteling.loyalty.repositories.rewards import RewardsRepository
    from clienteling.loyalty.services.loyalty import LoyaltyService

    return LoyaltyService(
        loyalty=LoyaltyRepository(table()),
        rewards=RewardsRepository(table()),
        programs=reward_programs_cache(),
        cards=frequent_buyer_cards_cache(),
        earning_rule=earning_rule_cache(),
        stores=store_directory(),
        codes=render,
        clock=clock(),
    )


def rewards_service() -> RewardsService:
    from clienteling.loyalty.repositories.rewards import RewardsRepository
    from clienteling.loyalty.services.rewards import RewardsService

    return RewardsService(
        RewardsRepository(table()),
        programs_cache=reward_programs_cache(),
        cards_cache=frequent_buyer_cards_cache(),
        rule_cache=earning_rule_cache(),
        clock=clock(),
    )


def gift_card_service() -> GiftCardService:
    from clienteling.loyalty.repositories.gift_cards import GiftCardRepository
    from clienteling.loyalty.repositories.loyalty import LoyaltyRepository
    from clienteling.loyalty.services.gift_cards import GiftCardService

    return GiftCardService(
        cards=GiftCardRepository(table()),
        loyalty=LoyaltyRepository(table()),
        stores=store_directory(),
        email=email_sender,
        clock=clock(),
    )


# ---------------------------------------------------------------------- catalog, carts and payments
def catalog_service() -> CatalogService:
    from clienteling.directory.repositories.catalog import CatalogRepository
    from clienteling.directory.services.catalog import CatalogService

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
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.services.carts import CartService
    from clienteling.directory.repositories.catalog import CatalogRepository
    from clienteling.directory.repositories.customers import CustomerRepository

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
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.services.cart_pages import CartPageService

    return CartPageService(CartRepository(table()), clock())


def payment_service() -> PaymentService:
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.repositories.orders import OrderRepository
    from clienteling.commerce.services.payments import PaymentService
    from clienteling.messaging.repositories.conversations import ConversationRepository

    return PaymentService(
        carts_repo=CartRepository(table()),
        orders_repo=OrderRepository(table()),
        conversations=ConversationRepository(table()),
        clock=clock(),
    )


@functools.cache
def receipt_email() -> SesEmail:
    import boto3

    from clienteling.adapters.email import SesEmail

    settings = get_settings()
    return SesEmail(boto3.client("ses"), settings.receipt_email_sender or settings.email_sender)


def payment_followups() -> PaymentFollowups:
    from clienteling.commerce.repositories.orders import OrderRepository
    from clienteling.commerce.services.payment_followups import PaymentFollowups
    from clienteling.directory.repositories.associates import AssociateRepository
    from clienteling.directory.repositories.customers import CustomerRepository

    return PaymentFollowups(
        orders_repo=OrderRepository(table()),
        customers=CustomerRepository(table()),
        associates=AssociateRepository(table()),
        stores=store_directory(),
        conversations=conversation_service,
        email=receipt_email,
        clock=clock(),
    )


def order_service() -> OrderService:
    from clienteling.commerce.repositories.orders import OrderRepository
    from clienteling.commerce.services.orders import OrderService
    from clienteling.directory.repositories.customers import CustomerRepository

    return OrderService(OrderRepository(table()), CustomerRepository(table()))


def cart_expiry_sweep() -> CartExpirySweep:
    from clienteling.commerce.repositories.carts import CartRepository
    from clienteling.commerce.services.cart_expiry import CartExpirySweep

    return CartExpirySweep(CartRepository(table()), payment_links, clock())


def set_sleep(sleep: Sleep | None) -> None:
    """Let the local runtime decide what waiting means (its manual clock moves on); None restores time.sleep."""
    global _sleep_override  # noqa: PLW0603 - the seam beside set_clock; never set in AWS
    _sleep_override = sleep


def sleep() -> Sleep:
    """How product code waits (a sender pacing its texts); it reads the time through clock() afterwards."""
    return _sleep_override or time.sleep


def outreach_service() -> OutreachService:
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.services.outreach import OutreachService
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.messaging.repositories.conversations import ConversationRepository

    return OutreachService(
        customers=CustomerRepository(table()),
        marketing=MarketingRepository(table()),
        conversations=ConversationRepository(table()),
        clock=clock(),
    )


def credit_service() -> CreditService:
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.services.credits import CreditService

    return CreditService(CreditRepository(table()), clock())


def campaign_rates() -> Rates:
    from clienteling.campaigns.services.flow import Rates

    settings = get_settings()
    return Rates(
        sms_default=settings.sms_messages_per_second,
        email=settings.email_messages_per_second,
        pace_seconds=settings.campaign_pace_seconds,
        max_attempts=settings.campaign_send_max_attempts,
    )


@functools.cache
def send_queue() -> SendQueue:
    import boto3

    from clienteling.adapters.queues import SendQueue

    return SendQueue(boto3.client("sqs"), get_settings().campaign_send_queue_url)


@functools.cache
def unsubscribe_links() -> UnsubscribeLinks:
    from clienteling.adapters.secrets import provider_secret
    from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks

    return UnsubscribeLinks(lambda: provider_secret("unsubscribe_signing_key").encode(), get_settings().public_base_url)


def campaign_service() -> CampaignService:
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.services.campaigns import CampaignService
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.directory.repositories.stores import StoreRepository

    return CampaignService(
        campaigns=CampaignRepository(table()),
        marketing=MarketingRepository(table()),
        ledger_repository=CreditRepository(table()),
        customers=CustomerRepository(table()),
        stores=store_directory(),
        store_repository=StoreRepository(table()),
        settings=settings_cache(),
        schedules=campaign_schedules,
        sms=sms_sender,
        email=email_sender,
        links=unsubscribe_links,
        rates=campaign_rates(),
        clock=clock(),
    )


def campaign_starter() -> CampaignStarter:
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.services.start import CampaignStarter
    from clienteling.directory.repositories.stores import StoreRepository

    return CampaignStarter(
        campaigns=CampaignRepository(table()),
        marketing=MarketingRepository(table()),
        ledger_repository=CreditRepository(table()),
        stores=store_directory(),
        store_repository=StoreRepository(table()),
        settings=settings_cache(),
        queue=send_queue,
        schedules=campaign_schedules,
        links=unsubscribe_links,
        rates=campaign_rates(),
        clock=clock(),
    )


def campaign_sender() -> CampaignSender:
    """A new sender per invocation (it reads the clock seam each time); the rate limiter's last-seen state and the
    schedules it already made live in the cached collaborators."""
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.services.sender import CampaignSender
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.messaging.repositories.conversations import ConversationRepository

    return CampaignSender(
        campaigns=CampaignRepository(table()),
        marketing=MarketingRepository(table()),
        conversations=ConversationRepository(table()),
        customers=CustomerRepository(table()),
        ledger_repository=CreditRepository(table()),
        limiter=rate_limiter(),
        settings=settings_cache(),
        queue=send_queue,
        schedules=campaign_schedules,
        sms=sms_sender,
        email=email_sender,
        rates=campaign_rates(),
        clock=clock(),
        sleep=sleep(),
        status_callback_url=get_settings().public_base_url.rstrip("/") + "/webhooks/twilio/status",
    )


@functools.cache
def rate_limiter() -> RateLimiter:
    from clienteling.campaigns.repositories.rate_limiter import RateLimiter

    return RateLimiter(table())


def campaign_events() -> CampaignEvents:
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.services.tracking import CampaignEvents

    return CampaignEvents(CampaignRepository(table()), MarketingRepository(table()))


def unsubscribe_service() -> UnsubscribeService:
    from clienteling.campaigns.services.unsubscribe import UnsubscribeService
    from clienteling.directory.repositories.customers import CustomerRepository

    return UnsubscribeService(unsubscribe_links(), CustomerRepository(table()), store_directory(), clock())


@functools.cache
def campaign_schedules() -> OneTimeSchedules:
    import boto3

    from clienteling.adapters.schedules import OneTimeSchedules

    settings = get_settings()
    return OneTimeSchedules(
        boto3.client("scheduler"),
        group=settings.scheduler_group,
        target_arn=settings.campaign_start_function_arn,
        role_arn=settings.scheduler_role_arn,
    )
