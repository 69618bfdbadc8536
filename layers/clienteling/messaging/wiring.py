"""Messaging's providers for the handlers' `Depends` and for the ports other features use: its services, built from
the shared resources and from the directory's ports. Each provider imports what it builds only when called (cold
start).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.directory.wiring import (
    associates,
    consent_recorder,
    customer_records,
    products,
    settings_cache,
    store_directory,
)
from clienteling.kernel.config import get_settings
from clienteling.resources import clock, media_store, sms_sender, table, unit_of_work

if TYPE_CHECKING:
    from clienteling.adapters.schedules import OneTimeSchedules
    from clienteling.messaging.repositories.conversations import ConversationRepository
    from clienteling.messaging.services.archiving import ArchiveSweep
    from clienteling.messaging.services.consent_copies import CustomerCopies, SmsOptOut
    from clienteling.messaging.services.conversation_work import ConversationWork
    from clienteling.messaging.services.delivery_status import StatusService
    from clienteling.messaging.services.inbound import InboundService
    from clienteling.messaging.services.inbox import InboxService
    from clienteling.messaging.services.media_copy import MediaCopier
    from clienteling.messaging.services.notifications import NotificationService
    from clienteling.messaging.services.opt_in import OptInRequests
    from clienteling.messaging.services.outbound import OutboundLog
    from clienteling.messaging.services.search import ConversationSearch
    from clienteling.messaging.services.send_later import SendLater
    from clienteling.messaging.services.sending import Sender
    from clienteling.messaging.services.templates import TemplateService


def _conversations() -> ConversationRepository:
    from clienteling.messaging.repositories.conversations import ConversationRepository

    return ConversationRepository(table())


def _status_callback_url() -> str:
    return get_settings().public_base_url.rstrip("/") + "/webhooks/twilio/status"


def _opt_out() -> SmsOptOut:
    from clienteling.messaging.services.consent_copies import SmsOptOut

    return SmsOptOut(consent_recorder(), _conversations())


def inbound_service() -> InboundService:
    from clienteling.messaging.services.inbound import InboundService

    return InboundService(
        conversations=_conversations(),
        customers=customer_records(),
        consents=consent_recorder(),
        stores=store_directory(),
        settings=settings_cache(),
        work=unit_of_work,
        clock=clock(),
    )


def status_service() -> StatusService:
    from clienteling.messaging.services.delivery_status import StatusService

    return StatusService(
        conversations=_conversations(),
        customers=customer_records(),
        settings=settings_cache(),
        opt_out=_opt_out(),
        work=unit_of_work,
        clock=clock(),
    )


def sender() -> Sender:
    """Texting customers: the conversations API, and the TextSender and StoreTexts ports (commerce)."""
    from clienteling.messaging.repositories.templates import TemplateRepository
    from clienteling.messaging.services.sending import Sender

    return Sender(
        conversations=_conversations(),
        customers=customer_records(),
        associates=associates(),
        templates=TemplateRepository(table()),
        products=products(),
        stores=store_directory(),
        settings=settings_cache(),
        media=media_store(),
        sms=sms_sender,
        opt_out=_opt_out(),
        work=unit_of_work,
        clock=clock(),
        status_callback_url=_status_callback_url(),
    )


def opt_in_requests() -> OptInRequests:
    from clienteling.messaging.services.opt_in import OptInRequests

    return OptInRequests(
        conversations=_conversations(),
        customers=customer_records(),
        consents=consent_recorder(),
        settings=settings_cache(),
        sender=sender(),
        work=unit_of_work,
        clock=clock(),
    )


def conversation_work() -> ConversationWork:
    from clienteling.messaging.services.conversation_work import ConversationWork

    return ConversationWork(
        conversations=_conversations(),
        customers=customer_records(),
        associates=associates(),
        settings=settings_cache(),
        media=media_store(),
        opt_out=_opt_out(),
        work=unit_of_work,
        clock=clock(),
    )


def send_later() -> SendLater:
    from clienteling.messaging.services.send_later import SendLater

    return SendLater(
        conversations=_conversations(),
        sender=sender(),
        schedules=send_later_schedules,
        work=unit_of_work,
        clock=clock(),
    )


def conversation_search() -> ConversationSearch:
    from clienteling.messaging.services.search import ConversationSearch

    return ConversationSearch(conversations=_conversations(), customers=customer_records(), stores=store_directory())


@functools.cache
def send_later_schedules() -> OneTimeSchedules:
    import boto3

    from clienteling.adapters.schedules import OneTimeSchedules

    settings = get_settings()
    return OneTimeSchedules(
        boto3.client("scheduler"),
        group=settings.needed("scheduler_group"),
        target_arn=settings.needed("scheduled_messages_function_arn"),
        role_arn=settings.needed("scheduler_role_arn"),
    )


def inbox_service() -> InboxService:
    from clienteling.messaging.services.inbox import InboxService

    return InboxService(_conversations())


def template_service() -> TemplateService:
    from clienteling.messaging.repositories.templates import TemplateRepository
    from clienteling.messaging.services.templates import TemplateService

    return TemplateService(TemplateRepository(table()), clock())


def notification_service() -> NotificationService:
    import boto3

    from clienteling.adapters.push import SnsPush
    from clienteling.messaging.repositories.notifications import NotificationRepository
    from clienteling.messaging.services.notifications import NotificationService

    topic = get_settings().push_topic_arn
    return NotificationService(
        NotificationRepository(table()),
        associates(),
        _conversations(),
        SnsPush(boto3.client("sns"), topic) if topic else None,
    )


def media_copier() -> MediaCopier:
    from clienteling.messaging.services.media_copy import MediaCopier

    return MediaCopier(_conversations(), media_store(), sms_sender, unit_of_work)


def archive_sweep() -> ArchiveSweep:
    from clienteling.messaging.services.archiving import ArchiveSweep

    return ArchiveSweep(_conversations(), unit_of_work, clock())


# ---------------------------------------------------------------------- ports other features use
def customer_copies() -> CustomerCopies:
    """Directory's CustomerCopies port."""
    from clienteling.messaging.services.consent_copies import CustomerCopies

    return CustomerCopies(_conversations(), settings_cache())


def campaign_texts() -> OutboundLog:
    """The CampaignTexts port."""
    from clienteling.messaging.services.outbound import OutboundLog

    return OutboundLog(_conversations(), _opt_out(), settings_cache(), status_callback_url=_status_callback_url())


def conversations() -> ConversationRepository:
    """The ConversationLookup port."""
    return _conversations()
