"""Campaigns for managers (their stores) and admins (any store, or every store): drafts, the preview with its
counts and credits, test sends, scheduling (credits reserved, one-time schedules per time zone) and cancelling.

Store scoping is enforced here: a store's campaign needs the manager role in that store; an all-stores campaign
needs an admin.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from clienteling.adapters.email import SesEmail
from clienteling.adapters.schedules import OneTimeSchedules
from clienteling.adapters.sms import TwilioSms
from clienteling.campaigns.contracts.campaigns import Audience, CampaignCreate, CampaignUpdate, TestSend
from clienteling.campaigns.domain import campaigns as content
from clienteling.campaigns.domain import unsubscribe
from clienteling.campaigns.domain.audience import AudienceFilter, FrequencyCap
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStats, CampaignStatus
from clienteling.campaigns.domain.credits import CreditKind, EntryReason, kind_for
from clienteling.campaigns.repositories import credits as ledger
from clienteling.campaigns.repositories.campaigns import CampaignRepository
from clienteling.campaigns.repositories.credits import CreditRepository, NotEnoughCredits
from clienteling.campaigns.repositories.marketing import MarketingRepository
from clienteling.campaigns.services.audience import AudienceResolver, Context
from clienteling.campaigns.services.flow import Progress, Rates, schedule_name
from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks
from clienteling.directory.ports import (
    Channel,
    CustomerRecords,
    SettingsLookup,
    Store,
    StoreListing,
    StoreLookup,
)
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import (
    Conflict,
    Forbidden,
    NotFound,
    OptedOut,
    StaleVersion,
    Unprocessable,
    ValidationFailed,
)
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page
from clienteling.kernel.phone import InvalidPhoneNumber, to_e164_mobile
from clienteling.kernel.providers import EmailError, InvalidRecipient, OutgoingEmail, RecipientOptedOut, SmsError
from clienteling.kernel.unit_of_work import StartWork

NOW_GROUP = "*"  # "send now": one start job for every store
START_LEAD = timedelta(minutes=1)  # Scheduler's precision is a minute: "now" starts within the next two
SAMPLE = {"customer.first_name": "Alex", "customer.last_name": "Sample"}


class InsufficientCredits(Conflict):
    code = "insufficient_credits"
    default_message = "The messaging credits do not cover this campaign."


@dataclass(frozen=True, slots=True)
class Group:
    """One start job: the stores of one time zone (or every store, to send now) and when they start."""

    key: str
    stores: tuple[Store, ...]
    starts_at: datetime  # UTC
    at_local: datetime  # naive wall time in `time_zone`, for the schedule
    time_zone: str


@dataclass
class Preview:
    recipients: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    deferred: int = 0
    first_send_at: datetime | None = None
    encodings: Counter[str] = field(default_factory=Counter)
    min_segments: int = 0
    max_segments: int = 0
    mention: str | None = None
    sample: content.SmsText | None = None
    credits_needed: int = 0
    balance: int = 0
    kind: CreditKind = CreditKind.SMS
    source: str = "store"
    items_read: int = 0

    @property
    def shortfall(self) -> int:
        return max(0, self.credits_needed - self.balance)


@dataclass(frozen=True, slots=True)
class TestResult:
    channel: Channel
    to: str
    text: str
    subject: str | None
    segments: int | None
    encoding: str | None
    provider_id: str | None


class CampaignService:
    def __init__(
        self,
        *,
        campaigns: CampaignRepository,
        marketing: MarketingRepository,
        ledger_repository: CreditRepository,
        customers: CustomerRecords,
        stores: StoreLookup,
        store_repository: StoreListing,
        settings: SettingsLookup,
        schedules: Callable[[], OneTimeSchedules],
        sms: Callable[[], TwilioSms],
        email: Callable[[], SesEmail],
        links: Callable[[], UnsubscribeLinks],
        rates: Rates,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._campaigns = campaigns
        self._marketing = marketing
        self._credits = ledger_repository
        self._customers = customers
        self._stores = stores
        self._store_repository = store_repository
        self._settings = settings
        self._schedules = schedules
        self._sms = sms
        self._email = email
        self._links = links
        self._rates = rates
        self._work = work
        self._clock = clock
        self._resolver = AudienceResolver(marketing)
        self._progress = Progress(campaigns, ledger_repository, work, clock)

    # ------------------------------------------------------------------ drafts
    def create(self, caller: Caller, data: CampaignCreate) -> Campaign:
        self._require_scope(caller, data.store_id)
        if data.store_id is not None:
            self._store(data.store_id)
        now = self._clock()
        campaign = Campaign(
            id=new_id(),
            name=data.name,
            channel=data.channel,
            store_id=data.store_id,
            audience=audience_filter(data.audience),
            bodies=dict(data.content),
            subjects=dict(data.subject or {}),
            send_at=data.send_at,
            version=1,
            created_at=now,
            updated_at=now,
            created_by=caller.associate_id,
        )
        with self._work() as work:
            work.add(self._campaigns.create_op(campaign))
        logger.info("campaign created", extra={"campaign_id": campaign.id, "channel": campaign.channel.value})
        return campaign

    def get(self, caller: Caller, campaign_id: str) -> tuple[Campaign, CampaignStats]:
        campaign = self._require(caller, campaign_id)
        stats = self._campaigns.stats(campaign)
        if campaign.status == CampaignStatus.SENDING and self._progress.check(campaign.id):
            campaign = self._campaigns.get(campaign.id, consistent=True) or campaign
        return campaign, stats

    def list_campaigns(self, caller: Caller, store_id: str | None, *, limit: int, cursor: str | None) -> Page[Campaign]:
        caller.require_role(Role.MANAGER)
        if store_id is not None:
            caller.require_store(store_id, role=Role.MANAGER)
            return self._campaigns.list_for_store(store_id, limit=limit, cursor=cursor)
        if caller.is_admin:
            return self._campaigns.list_all(limit=limit, cursor=cursor)
        if len(caller.store_ids) == 1:
            return self._campaigns.list_for_store(next(iter(caller.store_ids)), limit=limit, cursor=cursor)
        raise ValidationFailed(
            "Give storeId: the campaigns of one of your stores.",
            details=[{"field": "storeId", "loc": ["query", "storeId"], "type": "missing"}],
        )

    def update(self, caller: Caller, campaign_id: str, patch: CampaignUpdate, *, expected_version: int) -> Campaign:
        campaign = self._require(caller, campaign_id)
        if campaign.version != expected_version:
            raise StaleVersion()
        if campaign.status != CampaignStatus.DRAFT:
            raise Conflict("Only drafts can be changed; cancel it and make a new one.")
        sent = patch.model_fields_set
        changes: dict[str, object] = {}
        if "name" in sent and patch.name is not None:
            changes["name"] = patch.name
        if "audience" in sent and patch.audience is not None:
            changes["audience"] = audience_filter(patch.audience)
        if "content" in sent and patch.content is not None:
            changes["bodies"] = dict(patch.content)
        if "subject" in sent:
            changes["subjects"] = dict(patch.subject or {})
        if "send_at" in sent:
            if patch.send_at is not None and patch.send_at.tzinfo is not None:
                raise ValidationFailed(
                    "sendAt is a local wall time in the store's time zone: leave the offset out.",
                    details=[{"field": "sendAt", "loc": ["body", "sendAt"], "type": "value_error"}],
                )
            changes["send_at"] = patch.send_at
        if campaign.channel == Channel.EMAIL and "subjects" in changes and not changes["subjects"]:
            raise ValidationFailed(
                "An email campaign needs a subject.",
                details=[{"field": "subject", "loc": ["body", "subject"], "type": "missing"}],
            )
        if not changes:
            return campaign
        updated = dataclasses.replace(campaign, **changes, version=campaign.version + 1, updated_at=self._clock())  # type: ignore[arg-type]
        with self._work() as work:
            work.add(self._campaigns.save_draft_op(updated, expected_version=campaign.version))
        return updated

    # ------------------------------------------------------------------ preview
    def preview(self, caller: Caller, campaign_id: str) -> Preview:
        campaign = self._require(caller, campaign_id)
        return self._preview(campaign, self._groups(campaign, self._clock()))

    def _preview(self, campaign: Campaign, groups: Sequence[Group]) -> Preview:
        now = self._clock()
        result = Preview(kind=kind_for(campaign.channel))
        cap = self._cap()
        segments: list[int] = []
        for group in groups:
            plan = self._resolver.plan(campaign, group.stores, now=now)
            result.source = plan.source.value
            result.items_read += plan.items_read
            ctx = Context(
                now=now,
                starts_at=group.starts_at,
                cap=cap,
                default_sms_rate=self._rates.sms_default,
                email_rate=self._rates.email,
            )
            for page in self._resolver.pages(campaign, group.stores, plan, ctx):
                result.items_read += page.items_read
                result.excluded.update(page.excluded)
                for recipient in page.recipients:
                    result.recipients += 1
                    result.credits_needed += recipient.credits
                    if recipient.due > group.starts_at:
                        result.deferred += 1
                    if recipient.sms is not None:
                        result.encodings[recipient.sms.encoding.value] += 1
                        segments.append(recipient.sms.segments)
                        if result.sample is None:
                            result.sample = recipient.sms
                            if recipient.sms.mention:
                                result.mention = recipient.sms.text.rsplit("\n", 1)[-1]
            if result.first_send_at is None or group.starts_at < result.first_send_at:
                result.first_send_at = group.starts_at
        if campaign.channel == Channel.SMS and result.mention is None and groups and groups[0].stores:
            store = groups[0].stores[0]
            result.mention = content.opt_out_mention(
                store.country, store.locale, store_phone=store.phone_number, stop_number=store.messaging.stop_number
            )
        if segments:
            result.min_segments, result.max_segments = min(segments), max(segments)
        result.balance = self._credits.balances()[result.kind]
        return result

    # ------------------------------------------------------------------ test send
    def test_send(self, caller: Caller, campaign_id: str, request: TestSend) -> TestResult:
        campaign = self._require(caller, campaign_id)
        store_id = campaign.store_id or request.store_id
        if store_id is None:
            raise ValidationFailed(
                "Give storeId: the store an all-stores campaign is tested from.",
                details=[{"field": "storeId", "loc": ["body", "storeId"], "type": "missing"}],
            )
        caller.require_store(store_id, role=Role.MANAGER)
        store = self._store(store_id)
        values = {**SAMPLE, "store.name": store.name}
        language: object = None
        if request.customer_id:
            customer = self._customers.require(request.customer_id)
            values.update({"customer.first_name": customer.first_name, "customer.last_name": customer.last_name})
            language = customer.attributes.get("language")
        body = content.pick_text(campaign.bodies, language, store.locale)
        if campaign.channel == Channel.SMS:
            return self._test_sms(campaign, store, request, body, values)
        return self._test_email(campaign, store, request, body, values, language)

    def _test_sms(
        self, campaign: Campaign, store: Store, request: TestSend, body: str, values: dict[str, str]
    ) -> TestResult:
        if not request.phone_number:
            raise ValidationFailed(
                "Give phoneNumber: where the test text goes.",
                details=[{"field": "phoneNumber", "loc": ["body", "phoneNumber"], "type": "missing"}],
            )
        try:
            to = to_e164_mobile(request.phone_number, store.country)
        except InvalidPhoneNumber as error:
            raise ValidationFailed(
                details=[{"field": "phoneNumber", "loc": ["body", "phoneNumber"], "type": "phone_number"}]
            ) from error
        text = content.sms_text(
            body,
            values,
            policy=store.messaging.opt_out_mention,
            country=store.country,
            locale=store.locale,
            store_phone=store.phone_number,
            stop_number=store.messaging.stop_number,
        )
        try:
            sent = self._sms().send(
                from_=store.phone_number, to=to, body=text.text, media_urls=[], status_callback=None
            )
        except RecipientOptedOut as error:
            raise OptedOut("This number texted STOP to the store; it gets no test either.") from error
        except InvalidRecipient as error:
            raise Unprocessable("This number cannot receive texts.") from error
        except SmsError as error:
            raise Unprocessable("The SMS provider did not take the test; try again.") from error
        logger.info("campaign test sent", extra={"campaign_id": campaign.id, "channel": "sms"})
        return TestResult(
            channel=Channel.SMS,
            to=to,
            text=text.text,
            subject=None,
            segments=text.segments,
            encoding=text.encoding.value,
            provider_id=sent.sid,
        )

    def _test_email(  # noqa: PLR0917 - the parts test_send already worked out
        self, campaign: Campaign, store: Store, request: TestSend, body: str, values: dict[str, str], language: object
    ) -> TestResult:
        if not request.email:
            raise ValidationFailed(
                "Give email: where the test email goes.",
                details=[{"field": "email", "loc": ["body", "email"], "type": "missing"}],
            )
        link = self._links().url(unsubscribe.TEST_CUSTOMER, campaign.id)
        email = content.email_text(
            content.pick_text(campaign.subjects, language, store.locale),
            body,
            values,
            locale=content.content_language(language, store.locale),
            unsubscribe_url=link,
        )
        try:
            message_id = self._email().send(
                OutgoingEmail(
                    to=str(request.email), subject=email.subject, text=email.text, html=email.html, unsubscribe_url=link
                )
            )
        except EmailError as error:
            raise Unprocessable("The email provider did not take the test; try again.") from error
        logger.info("campaign test sent", extra={"campaign_id": campaign.id, "channel": "email"})
        return TestResult(
            channel=Channel.EMAIL,
            to=str(request.email),
            text=email.text,
            subject=email.subject,
            segments=None,
            encoding=None,
            provider_id=message_id,
        )

    # ------------------------------------------------------------------ schedule and cancel
    def schedule(self, caller: Caller, campaign_id: str) -> Campaign:
        """Reserve the credits the audience needs (409 with the shortfall when the balance is short) and create one
        one-time schedule per time zone (one for every store when it goes now)."""
        campaign = self._require(caller, campaign_id)
        if campaign.status != CampaignStatus.DRAFT:
            raise Conflict(f"The campaign is {campaign.status.value}; only drafts can be scheduled.")
        now = self._clock()
        groups = self._groups(campaign, now)
        late = [g for g in groups if campaign.send_at is not None and g.starts_at <= now]
        if late:
            raise ValidationFailed(
                f"sendAt is in the past in {late[0].time_zone}.",
                details=[{"field": "sendAt", "loc": ["body", "sendAt"], "type": "in_the_past"}],
            )
        preview = self._preview(campaign, groups)
        names = [schedule_name(campaign.id, "start", g.key) for g in groups]
        for name, group in zip(names, groups, strict=True):
            self._schedules().create(
                name, group.at_local, {"campaignId": campaign.id, "group": group.key}, time_zone=group.time_zone
            )
        work = self._work().add(
            self._campaigns.schedule_op(
                campaign,
                credit_count=preview.credits_needed,
                schedule_names=names,
                groups=[g.key for g in groups],
                now=now,
            )
        )
        if preview.credits_needed:
            entry = ledger.entry(
                preview.kind,
                -preview.credits_needed,
                EntryReason.RESERVE,
                at=now,
                campaign_id=campaign.id,
                associate_id=caller.associate_id,
                messages=preview.recipients,
            )
            work.extend(self._credits.change_ops(entry))
        try:
            work.commit()
        except NotEnoughCredits as error:
            self._unschedule(names)
            balance = self._credits.balances()[preview.kind]
            shortfall = max(1, preview.credits_needed - balance)
            raise InsufficientCredits(
                f"This campaign needs {preview.credits_needed} {preview.kind.value} credits; "
                f"{balance} are left: {shortfall} short.",
                details=[
                    {
                        "kind": preview.kind.value,
                        "needed": preview.credits_needed,
                        "balance": balance,
                        "shortfall": shortfall,
                    }
                ],
            ) from error
        except Exception:
            self._unschedule(names)
            raise
        logger.info(
            "campaign scheduled",
            extra={"campaign_id": campaign.id, "credits": preview.credits_needed, "groups": len(groups)},
        )
        return dataclasses.replace(
            campaign,
            status=CampaignStatus.SCHEDULED,
            credits_reserved=preview.credits_needed,
            schedule_names=tuple(names),
            pending_starts=len(groups),
            version=campaign.version + 1,
            scheduled_at=now,
            updated_at=now,
        )

    def cancel(self, caller: Caller, campaign_id: str) -> Campaign:
        """A draft or a scheduled campaign that has not started: its schedules go, its credits come back."""
        campaign = self._require(caller, campaign_id)
        now = self._clock()
        with self._work() as work:
            work.add(self._campaigns.cancel_op(campaign, now=now))
            if campaign.status == CampaignStatus.SCHEDULED and campaign.credits_reserved:
                entry = ledger.entry(
                    kind_for(campaign.channel),
                    campaign.credits_reserved,
                    EntryReason.RELEASE,
                    at=now,
                    campaign_id=campaign.id,
                    associate_id=caller.associate_id,
                    note="cancelled",
                )
                work.extend(self._credits.change_ops(entry))
        self._unschedule(list(campaign.schedule_names))
        logger.info("campaign cancelled", extra={"campaign_id": campaign.id})
        return dataclasses.replace(
            campaign, status=CampaignStatus.CANCELLED, version=campaign.version + 1, completed_at=now, updated_at=now
        )

    def _unschedule(self, names: list[str]) -> None:
        for name in names:
            self._schedules().delete(name)

    # ------------------------------------------------------------------ helpers
    def _groups(self, campaign: Campaign, now: datetime) -> list[Group]:
        stores = self._scope_stores(campaign)
        if campaign.send_at is None:
            start = (now + START_LEAD).astimezone(UTC).replace(microsecond=0)
            return [Group(NOW_GROUP, tuple(stores), start, start.replace(tzinfo=None), "UTC")]
        by_zone: dict[str, list[Store]] = {}
        for store in stores:
            by_zone.setdefault(store.time_zone, []).append(store)
        return [
            Group(
                zone,
                tuple(members),
                content.start_instant(campaign.send_at, zone).astimezone(UTC),
                campaign.send_at,
                zone,
            )
            for zone, members in sorted(by_zone.items())
        ]

    def _scope_stores(self, campaign: Campaign) -> list[Store]:
        if campaign.store_id is not None:
            return [self._store(campaign.store_id)]
        return list(all_stores(self._store_repository))

    def _cap(self) -> FrequencyCap:
        settings = self._settings.get("")
        return FrequencyCap(settings.marketing_frequency_cap, settings.marketing_frequency_days)

    def _store(self, store_id: str) -> Store:
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        return store

    def _require(self, caller: Caller, campaign_id: str) -> Campaign:
        caller.require_role(Role.MANAGER)
        campaign = self._campaigns.get(campaign_id)
        if campaign is None or not _may_see(caller, campaign):
            raise NotFound("No such campaign in your stores.")
        self._require_scope(caller, campaign.store_id)
        return campaign

    @staticmethod
    def _require_scope(caller: Caller, store_id: str | None) -> None:
        if store_id is None:
            if not caller.is_admin:
                raise Forbidden("Only admins run campaigns across every store.")
            return
        caller.require_store(store_id, role=Role.MANAGER)


def _may_see(caller: Caller, campaign: Campaign) -> bool:
    return caller.is_admin or (campaign.store_id is not None and campaign.store_id in caller.store_ids)


def all_stores(stores: StoreListing) -> Iterator[Store]:
    """Every store, page by page of the stores index (AP-S3)."""
    cursor: str | None = None
    while True:
        page = stores.list(limit=100, cursor=cursor)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def audience_filter(audience: Audience) -> AudienceFilter:
    return AudienceFilter(
        tags=tuple(dict.fromkeys(audience.tags)),
        genders=tuple(dict.fromkeys(audience.genders)),
        min_age=audience.min_age,
        max_age=audience.max_age,
        postal_code_prefixes=tuple(audience.postal_code_prefixes),
        purchased_skus=tuple(audience.purchased_skus),
        purchased_categories=tuple(audience.purchased_categories),
        purchased_within_months=audience.purchased_within_months,
        inactive_months=audience.inactive_months,
        pet_species=tuple(audience.pet_species),
        pet_birth_month=audience.pet_birth_month,
        birth_month=audience.birth_month,
        attributes=dict(audience.custom_attributes),
    )
