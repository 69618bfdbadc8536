"""A small retailer for campaign tests on DynamoDB Local: stores, customers with consent, and the campaign
services wired to a manual clock and stub providers (the send queue, Scheduler, Twilio and SES are recorded)."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from clienteling import resources
from clienteling.campaigns.contracts.campaigns import CampaignCreate
from clienteling.campaigns.domain.campaigns import Campaign
from clienteling.campaigns.domain.credits import CreditKind
from clienteling.campaigns.repositories.campaigns import CampaignRepository
from clienteling.campaigns.repositories.credits import CreditRepository
from clienteling.campaigns.repositories.marketing import MarketingRepository
from clienteling.campaigns.repositories.rate_limiter import RateLimiter
from clienteling.campaigns.services.campaigns import CampaignService
from clienteling.campaigns.services.credits import CreditService
from clienteling.campaigns.services.flow import Rates
from clienteling.campaigns.services.sender import CampaignSender
from clienteling.campaigns.services.start import CampaignStarter, StartRequest, StartResult
from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks
from clienteling.directory import wiring as directory_wiring
from clienteling.directory.contracts.customers import ConsentChange, CustomerCreate
from clienteling.directory.contracts.stores import StoreCreate
from clienteling.directory.domain.customers import Customer
from clienteling.directory.domain.stores import Store
from clienteling.directory.repositories.customers import CustomerRepository
from clienteling.directory.repositories.stores import StoreRepository
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.providers import EmailError, Outgoing, OutgoingEmail, SentMessage, SmsError
from clienteling.messaging import wiring as messaging_wiring
from clienteling.messaging.repositories.conversations import ConversationRepository

from functions import campaign_sender as sender_function
from infra.local.clock import Clock
from infra.local.gateway import LambdaContext
from tests.conftest import random_fr_landline, random_us_number

ADMIN = Caller(associate_id="campaign-admin", roles=frozenset({Role.ADMIN}))
KEY = b"test-unsubscribe-key"


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, messages: list[Outgoing]) -> int:
        self.sent += list(messages)
        return (len(messages) + 9) // 10

    def take(self) -> list[Outgoing]:
        taken, self.sent = self.sent, []
        return taken


class FakeSchedules:
    def __init__(self) -> None:
        self.created: dict[str, tuple[datetime, str, dict[str, Any]]] = {}
        self.deleted: list[str] = []

    def create(self, name: str, at: datetime, payload: dict[str, Any], *, time_zone: str = "UTC") -> bool:
        if name in self.created:
            return False
        # Recorded as the scheduler sees it: a wall time of the zone.
        wall = at.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None) if at.tzinfo else at
        self.created[name] = (wall, time_zone, payload)
        return True

    def delete(self, name: str) -> bool:
        self.deleted.append(name)
        return self.created.pop(name, None) is not None


@dataclass
class StubSms:
    """Twilio's Messages API as the sender sees it; `failures` maps a number to the error to raise for it."""

    clock: Clock
    sent: list[tuple[datetime, str, str, str]] = field(default_factory=list)  # (at, from, to, body)
    failures: dict[str, SmsError] = field(default_factory=dict)

    def send(
        self,
        *,
        from_: str | None,
        to: str,
        body: str | None,
        media_urls: Any,
        status_callback: str | None,
        messaging_service_sid: str | None = None,
    ) -> SentMessage:
        if to in self.failures:
            raise self.failures[to]
        self.sent.append((self.clock.now(), from_ or "", to, body or ""))
        sid = "SM" + hashlib.md5(f"{to}{len(self.sent)}{uuid.uuid4()}".encode()).hexdigest()  # noqa: S324
        return SentMessage(sid=sid, status="queued", num_segments=1, error_code=None)


@dataclass
class StubEmail:
    sent: list[OutgoingEmail] = field(default_factory=list)
    failures: dict[str, EmailError] = field(default_factory=dict)

    def send(self, email: OutgoingEmail) -> str:
        if email.to in self.failures:
            raise self.failures[email.to]
        self.sent.append(email)
        return f"ses-{len(self.sent)}"


def sqs_record(body: str, *, receive_count: int = 1, message_id: str | None = None) -> dict[str, Any]:
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": "handle",
        "body": body,
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "0"},
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:campaign-sends",
        "awsRegion": "us-east-1",
    }


class World:
    """Stores, customers and campaign services on one manual clock."""

    def __init__(self, start: datetime, *, sms_rate: float = 1.0, pace_seconds: float = 20.0) -> None:
        self.clock = Clock.manual(start)
        self.table = resources.table()
        self.queue = FakeQueue()
        self.schedules = FakeSchedules()
        self.sms = StubSms(self.clock)
        self.email = StubEmail()
        self.rates = Rates(sms_default=sms_rate, email=10.0, pace_seconds=pace_seconds, max_attempts=3)
        self.links = UnsubscribeLinks(lambda: KEY, "https://shop.example")
        self.slept: list[float] = []
        self.campaigns_repo = CampaignRepository(self.table)
        self.marketing = MarketingRepository(self.table, directory_wiring.customer_records())
        self.credits_repo = CreditRepository(self.table)
        self.customers = CustomerRepository(self.table)
        self.conversations = ConversationRepository(self.table)
        self.limiter = RateLimiter(self.table)
        self.work = resources.unit_of_work

    # ------------------------------------------------------------------ services
    def campaign_service(self) -> CampaignService:
        return CampaignService(
            campaigns=self.campaigns_repo,
            marketing=self.marketing,
            ledger_repository=self.credits_repo,
            customers=self.customers,
            stores=directory_wiring.store_directory(),
            store_repository=StoreRepository(self.table),
            settings=directory_wiring.settings_cache(),
            schedules=lambda: cast(Any, self.schedules),
            sms=lambda: cast(Any, self.sms),
            email=lambda: cast(Any, self.email),
            links=lambda: self.links,
            rates=self.rates,
            work=self.work,
            clock=self.clock,
        )

    def starter(self) -> CampaignStarter:
        return CampaignStarter(
            campaigns=self.campaigns_repo,
            marketing=self.marketing,
            ledger_repository=self.credits_repo,
            stores=directory_wiring.store_directory(),
            store_repository=StoreRepository(self.table),
            settings=directory_wiring.settings_cache(),
            queue=lambda: cast(Any, self.queue),
            schedules=lambda: cast(Any, self.schedules),
            links=lambda: self.links,
            rates=self.rates,
            work=self.work,
            clock=self.clock,
        )

    def sender(self, limiter: RateLimiter | None = None) -> CampaignSender:
        def sleep(seconds: float) -> None:
            self.slept.append(seconds)
            self.clock.elapse(timedelta(seconds=seconds))

        return CampaignSender(
            campaigns=self.campaigns_repo,
            marketing=self.marketing,
            texts=messaging_wiring.campaign_texts(),
            ledger_repository=self.credits_repo,
            limiter=limiter or self.limiter,
            settings=directory_wiring.settings_cache(),
            queue=lambda: cast(Any, self.queue),
            schedules=lambda: cast(Any, self.schedules),
            sms=lambda: cast(Any, self.sms),
            email=lambda: cast(Any, self.email),
            rates=self.rates,
            work=self.work,
            clock=self.clock,
            sleep=sleep,
        )

    # ------------------------------------------------------------------ data
    def store(self, *, country: str = "FR", rate: float | None = None) -> Store:
        body: dict[str, Any] = {
            "name": f"Store {os.urandom(3).hex()}",
            "phone_number": random_fr_landline() if country == "FR" else random_us_number(),
            "time_zone": "Europe/Paris" if country == "FR" else "America/New_York",
            "locale": "fr-FR" if country == "FR" else "en-US",
            "currency": "EUR" if country == "FR" else "USD",
            "tax_mode": "inclusive",
            "address": {"line1": "1 rue", "city": "Paris", "postal_code": "75009", "country": country},
            "messaging": {"messages_per_second": rate} if rate else {},
        }
        return directory_wiring.store_service().create(ADMIN, StoreCreate.model_validate(body))

    def customer(
        self,
        store: Store,
        *,
        phone: str | None = None,
        email: str | None = None,
        sms: str | None = "opted_in",
        mail: str | None = None,
        **fields: Any,
    ) -> Customer:
        # Names of their own: other suites search customers by name across the business.
        data = {"first_name": "Lïna", "last_name": f"Cmp{os.urandom(3).hex()}", "home_store_id": store.id, **fields}
        if phone:
            data["phone_number"] = phone
        if email:
            data["email"] = email
        service = directory_wiring.customer_service()
        customer = service.create(ADMIN, CustomerCreate.model_validate(data))
        if phone and sms:
            customer = self.consent(customer, "sms", sms, store_id=store.id)
        if email and mail:
            customer = self.consent(customer, "email", mail)
        return customer

    def consent(
        self, customer: Customer, channel: str, status: str, store_id: str | None = None, purpose: str = "marketing"
    ) -> Customer:
        change = {
            "channel": channel,
            "purpose": purpose,
            "status": status,
            "method": "in_store_form" if status == "opted_in" else "verbal",
            "store_id": store_id if channel == "sms" else None,
        }
        if status == "opted_in":
            change |= {"wording": "Oui, envoyez-moi les offres", "wording_version": "1"}
        return directory_wiring.customer_service().record_consent(
            ADMIN, customer.id, ConsentChange.model_validate(change)
        )

    def grant(self, amount: int, kind: CreditKind = CreditKind.SMS) -> None:
        CreditService(self.credits_repo, self.work, self.clock).grant(ADMIN, kind, amount, "tests")

    def balance(self, kind: CreditKind = CreditKind.SMS) -> int:
        return self.credits_repo.balances()[kind]

    # ------------------------------------------------------------------ flows
    def campaign(self, store: Store | None, **fields: Any) -> Campaign:
        data = {"name": "Soldes", "channel": "sms", "content": {"fr": "Bonjour {customer.first_name} !"}, **fields}
        if store is not None:
            data["store_id"] = store.id
        return self.campaign_service().create(ADMIN, CampaignCreate.model_validate(data))

    def start(self, campaign: Campaign, group: str | None = None) -> StartResult:
        scheduled = self.campaign_service().schedule(ADMIN, campaign.id)
        payload = next(p for n, (_, _, p) in self.schedules.created.items() if n in scheduled.schedule_names)
        self.clock.elapse(timedelta(minutes=2))
        request = StartRequest(campaign_id=campaign.id, group=group or payload["group"])
        return self.starter().run(request, remaining_ms=lambda: 600_000)

    def send(
        self, bodies: list[str] | None = None, *, sender: CampaignSender | None = None, receive_count: int = 1
    ) -> dict[str, Any]:
        """The sender function's code path on one batch (all queued messages by default)."""
        bodies = bodies if bodies is not None else [m.body for m in self.queue.take()]
        event = {"Records": [sqs_record(b, receive_count=receive_count) for b in bodies]}
        return sender_function.process(sender or self.sender(), event, cast(Any, LambdaContext("CampaignSender")))

    def drain(self, *, batch_size: int = 10) -> list[dict[str, Any]]:
        """Feed the queue to the sender in batches until it is empty (requeued messages come back at once)."""
        results = []
        while self.queue.sent:
            taken = self.queue.take()
            results += [
                self.send([m.body for m in taken[start : start + batch_size]])
                for start in range(0, len(taken), batch_size)
            ]
        return results


def paris(hour: int, minute: int = 0, *, day: int = 12) -> datetime:
    """Tuesday 12 March 2030 (no French holiday; Paris on UTC+1, New York on UTC-4) at hh:mm Paris time, as UTC:
    later than any test run, so data made in this world never looks older than what the session made."""
    return datetime(2030, 3, day, hour - 1, minute, tzinfo=UTC)
