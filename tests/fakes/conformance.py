"""mypy holds each fake to the Protocol it stands for, including those no fast test passes to a service yet.
Nothing calls this function: it is only type-checked (`make lint`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clienteling.campaigns.services.audience import AudienceReads
    from clienteling.campaigns.services.flow import CreditLedger
    from clienteling.campaigns.services.sender import SenderCampaigns, SenderMarketing, SendingRate
    from clienteling.commerce.services.carts import CartStore
    from clienteling.directory.ports import (
        AssociateLookup,
        ConsentRecording,
        CustomerEnrolment,
        CustomerRecords,
        ProductLookup,
        SettingsLookup,
        StoreLookup,
    )
    from clienteling.directory.services.consent import ConsentRecorder, ConsentTrail
    from clienteling.kernel.providers import EmailSender, EventBus, PaymentLinks, Queue, Schedules, SmsSender
    from clienteling.kernel.unit_of_work import StartWork
    from clienteling.loyalty.services.purchases import GiftCardLedger, PurchaseLedger
    from clienteling.messaging.ports import TextSender
    from clienteling.messaging.services.consent_copies import ThreadCopies
    from clienteling.messaging.services.inbound import InboundConversations
    from clienteling.messaging.services.outbound import OutboundConversations

    from tests.fakes.campaigns import FakeCampaigns, FakeCredits, FakeMarketing, FakeRateLimiter
    from tests.fakes.commerce import FakeCarts
    from tests.fakes.directory import (
        FakeAssociates,
        FakeCatalog,
        FakeCustomers,
        FakeEnrolment,
        FakeSettings,
        FakeStores,
    )
    from tests.fakes.loyalty import FakeGiftCards, FakeLoyalty
    from tests.fakes.messaging import FakeConversations, FakeTextSender
    from tests.fakes.providers import FakeEmail, FakeEventBus, FakePaymentLinks, FakeQueue, FakeSchedules, FakeSms
    from tests.fakes.storage import InMemoryTransactions


def _fakes_satisfy_their_protocols(
    *,
    sms: FakeSms,
    links: FakePaymentLinks,
    email: FakeEmail,
    bus: FakeEventBus,
    schedules: FakeSchedules,
    queue: FakeQueue,
    stores: FakeStores,
    settings: FakeSettings,
    associates: FakeAssociates,
    catalog: FakeCatalog,
    customers: FakeCustomers,
    enrolment: FakeEnrolment,
    recorder: ConsentRecorder,
    conversations: FakeConversations,
    texts: FakeTextSender,
    carts: FakeCarts,
    loyalty: FakeLoyalty,
    gift_cards: FakeGiftCards,
    campaigns: FakeCampaigns,
    marketing: FakeMarketing,
    credit_ledger: FakeCredits,
    limiter: FakeRateLimiter,
    transactions: InMemoryTransactions,
) -> None:
    provider: tuple[SmsSender, PaymentLinks, EmailSender, EventBus, Schedules, Queue] = (
        sms,
        links,
        email,
        bus,
        schedules,
        queue,
    )
    directory: tuple[StoreLookup, SettingsLookup, AssociateLookup, ProductLookup, CustomerRecords, ConsentTrail] = (
        stores,
        settings,
        associates,
        catalog,
        customers,
        customers,
    )
    ports: tuple[CustomerEnrolment, ConsentRecording, TextSender] = (enrolment, recorder, texts)
    repositories: tuple[
        InboundConversations,
        OutboundConversations,
        ThreadCopies,
        CartStore,
        PurchaseLedger,
        GiftCardLedger,
        SenderCampaigns,
        SenderMarketing,
        AudienceReads,
        CreditLedger,
        SendingRate,
    ] = (
        conversations,
        conversations,
        conversations,
        carts,
        loyalty,
        gift_cards,
        campaigns,
        marketing,
        marketing,
        credit_ledger,
        limiter,
    )
    start: StartWork = transactions.start
    del provider, directory, ports, repositories, start
