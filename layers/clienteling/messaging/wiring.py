"""Messaging's providers for the handlers' `Depends`: its services, built from the shared resources and from
what other features' wiring provides. Each provider imports what it builds only when called (cold start).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from clienteling.directory.wiring import settings_cache, store_directory
from clienteling.kernel.config import get_settings
from clienteling.resources import clock, media_store, sms_sender, table

if TYPE_CHECKING:
    from clienteling.adapters.schedules import OneTimeSchedules
    from clienteling.messaging.services.archiving import ArchiveSweep
    from clienteling.messaging.services.conversations import ConversationService
    from clienteling.messaging.services.delivery_status import StatusService
    from clienteling.messaging.services.inbound import InboundService
    from clienteling.messaging.services.inbox import InboxService
    from clienteling.messaging.services.media_copy import MediaCopier
    from clienteling.messaging.services.notifications import NotificationService
    from clienteling.messaging.services.templates import TemplateService


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
