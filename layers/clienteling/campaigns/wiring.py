"""Campaigns's providers for the handlers' `Depends`: its services, built from the shared resources and from
what other features' wiring provides. Each provider imports what it builds only when called (cold start).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.directory.wiring import (
    consent_recorder,
    customer_records,
    settings_cache,
    store_directory,
    store_listing,
)
from clienteling.kernel.config import get_settings
from clienteling.messaging.wiring import campaign_texts, conversations
from clienteling.resources import clock, email_sender, sleep, sms_sender, table, unit_of_work

if TYPE_CHECKING:
    from clienteling.adapters.queues import SendQueue
    from clienteling.adapters.schedules import OneTimeSchedules
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.repositories.rate_limiter import RateLimiter
    from clienteling.campaigns.services.campaigns import CampaignService
    from clienteling.campaigns.services.credits import CreditService
    from clienteling.campaigns.services.flow import Rates
    from clienteling.campaigns.services.outreach import OutreachService
    from clienteling.campaigns.services.sender import CampaignSender
    from clienteling.campaigns.services.start import CampaignStarter
    from clienteling.campaigns.services.tracking import CampaignEvents
    from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks, UnsubscribeService


def _marketing() -> MarketingRepository:
    from clienteling.campaigns.repositories.marketing import MarketingRepository

    return MarketingRepository(table(), customer_records())


def outreach_service() -> OutreachService:
    from clienteling.campaigns.services.outreach import OutreachService

    return OutreachService(
        customers=customer_records(),
        marketing=_marketing(),
        conversations=conversations(),
        work=unit_of_work,
        clock=clock(),
    )


def credit_service() -> CreditService:
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.services.credits import CreditService

    return CreditService(CreditRepository(table()), unit_of_work, clock())


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

    return SendQueue(boto3.client("sqs"), get_settings().needed("campaign_send_queue_url"))


@functools.cache
def unsubscribe_links() -> UnsubscribeLinks:
    from clienteling.adapters.secrets import provider_secret
    from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks

    return UnsubscribeLinks(lambda: provider_secret("unsubscribe_signing_key").encode(), get_settings().public_base_url)


def campaign_service() -> CampaignService:
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.services.campaigns import CampaignService

    return CampaignService(
        campaigns=CampaignRepository(table()),
        marketing=_marketing(),
        ledger_repository=CreditRepository(table()),
        customers=customer_records(),
        stores=store_directory(),
        store_repository=store_listing(),
        settings=settings_cache(),
        schedules=campaign_schedules,
        sms=sms_sender,
        email=email_sender,
        links=unsubscribe_links,
        rates=campaign_rates(),
        work=unit_of_work,
        clock=clock(),
    )


def campaign_starter() -> CampaignStarter:
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.services.start import CampaignStarter

    return CampaignStarter(
        campaigns=CampaignRepository(table()),
        marketing=_marketing(),
        ledger_repository=CreditRepository(table()),
        stores=store_directory(),
        store_repository=store_listing(),
        settings=settings_cache(),
        queue=send_queue,
        schedules=campaign_schedules,
        links=unsubscribe_links,
        rates=campaign_rates(),
        work=unit_of_work,
        clock=clock(),
    )


def campaign_sender() -> CampaignSender:
    """A new sender per invocation (it reads the clock seam each time); the rate limiter's last-seen state and the
    schedules it already made live in the cached collaborators."""
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.services.sender import CampaignSender

    return CampaignSender(
        campaigns=CampaignRepository(table()),
        marketing=_marketing(),
        texts=campaign_texts(),
        ledger_repository=CreditRepository(table()),
        limiter=rate_limiter(),
        settings=settings_cache(),
        queue=send_queue,
        schedules=campaign_schedules,
        sms=sms_sender,
        email=email_sender,
        rates=campaign_rates(),
        work=unit_of_work,
        clock=clock(),
        sleep=sleep(),
    )


@functools.cache
def rate_limiter() -> RateLimiter:
    from clienteling.campaigns.repositories.rate_limiter import RateLimiter

    return RateLimiter(table())


def campaign_events() -> CampaignEvents:
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.services.tracking import CampaignEvents

    return CampaignEvents(CampaignRepository(table()), _marketing(), unit_of_work)


def unsubscribe_service() -> UnsubscribeService:
    from clienteling.campaigns.services.unsubscribe import UnsubscribeService

    return UnsubscribeService(
        links=unsubscribe_links(),
        customers=customer_records(),
        consents=consent_recorder(),
        stores=store_directory(),
        work=unit_of_work,
        clock=clock(),
    )


@functools.cache
def campaign_schedules() -> OneTimeSchedules:
    import boto3

    from clienteling.adapters.schedules import OneTimeSchedules

    settings = get_settings()
    return OneTimeSchedules(
        boto3.client("scheduler"),
        group=settings.needed("scheduler_group"),
        target_arn=settings.needed("campaign_start_function_arn"),
        role_arn=settings.needed("scheduler_role_arn"),
    )
