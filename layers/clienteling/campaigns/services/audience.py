"""Resolving a campaign's audience without scanning: pick the cheapest index to start from, read it in pages, and
decide for each customer in memory (filter, consent, blocking, frequency cap), composing their message.

Sources, and what one costs in items read:
- store: the store's customers index (GSI1 `STORE#<id>#CUSTOMERS` projects the whole profile): 1 per customer of
  the store, whatever the filter;
- tag: the tag index (GSI2 `TAG#<tag>`, sorted by home store) then the profiles: 2 per tagged customer;
- purchase: the purchase index (who bought a SKU or in a category), then the profiles: 2 per purchaser.
The counters written with every customer and tag change (store customers, tag x store) price the first two; the
purchase index is read first when the filter has products, and its size prices the third. The preview and the
start job share this code, so what the preview counts is what the start job sends.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from clienteling.campaigns.domain import audience as rules
from clienteling.campaigns.domain import campaigns as content
from clienteling.campaigns.domain.audience import Exclusion, FrequencyCap, Member
from clienteling.campaigns.domain.campaigns import Campaign
from clienteling.directory.ports import Channel, Purpose, Store, display_name, effective
from clienteling.kernel.pages import Page as ItemPage
from clienteling.kernel.quiet_hours import MessageKind, NoAllowedTime, defer, recipient_zone

BATCH = 100  # profiles per BatchGetItem


class Source(StrEnum):
    STORE = "store"
    TAG = "tag"
    PURCHASE = "purchase"


@dataclass(frozen=True, slots=True)
class Recipient:
    member: Member
    store: Store
    due: datetime  # when quiet hours let the text go (now, or later)
    credits: int
    units: int  # rate units: SMS segments, or 1 email
    sms: content.SmsText | None = None
    email: content.EmailText | None = None


@dataclass
class Page:
    recipients: list[Recipient] = field(default_factory=list)
    excluded: Counter[str] = field(default_factory=Counter)
    items_read: int = 0
    cursor: str = ""  # where the next page starts; "" when this was the last


@dataclass(frozen=True, slots=True)
class Plan:
    source: Source
    purchasers: frozenset[str] | None  # None: the filter has no products or categories
    estimated_reads: int
    items_read: int  # already read to plan (the purchase index)


@dataclass(frozen=True, slots=True)
class Context:
    """What the decisions depend on besides the customer: when, the cap, and how to link an unsubscribe."""

    now: datetime
    starts_at: datetime  # when the campaign starts (quiet hours are checked for then)
    cap: FrequencyCap
    default_sms_rate: float
    email_rate: float
    unsubscribe_url: Callable[[str, str], str] | None = None  # (customer id, campaign id) -> link; None: preview


class AudienceReads(Protocol):
    """What resolving an audience reads: `MarketingRepository` in the product, an in-memory one in the fast service
    tests (tests/fakes)."""

    def store_customer_count(self, store_ids: list[str]) -> int: ...

    def tag_counts(self) -> list[tuple[str, str, int]]: ...

    def purchasers(self, kind: str, value: str, *, since: datetime | None) -> Iterator[tuple[str, str]]: ...

    def store_members(self, store_id: str, *, cursor: str | None, limit: int = ...) -> ItemPage[Member]: ...

    def tagged_ids(
        self, tag: str, store_id: str | None, *, cursor: str | None, limit: int = ...
    ) -> ItemPage[tuple[str, str]]: ...

    def members(self, customer_ids: list[str]) -> dict[str, Member]: ...


class AudienceResolver:
    def __init__(self, marketing: AudienceReads) -> None:
        self._marketing = marketing

    # ------------------------------------------------------------------ planning
    def plan(self, campaign: Campaign, stores: Sequence[Store], *, now: datetime) -> Plan:
        audience = campaign.audience
        store_ids = [s.id for s in stores]
        store_cost = self._marketing.store_customer_count(store_ids)
        options = [(store_cost, 0, Source.STORE)]
        if audience.tags:
            in_scope = set(store_ids)
            tagged = sum(
                n for tag, store, n in self._marketing.tag_counts() if tag in audience.tags and store in in_scope
            )
            options.append((2 * tagged, 1, Source.TAG))
        purchasers: frozenset[str] | None = None
        read = 0
        if audience.wants_purchases:
            found, read = self._purchasers(campaign, now)
            purchasers = frozenset(found)
            options.append((len(purchasers), 2, Source.PURCHASE))
        cost, _, source = min(options)
        return Plan(source=source, purchasers=purchasers, estimated_reads=cost + read, items_read=read)

    def _purchasers(self, campaign: Campaign, now: datetime) -> tuple[set[str], int]:
        """Who bought any of the products or categories (anywhere: their home store decides the sending store)."""
        audience = campaign.audience
        since = None
        if audience.purchased_within_months:
            start = rules.months_before(now.astimezone(UTC).date(), audience.purchased_within_months)
            since = datetime.combine(start, datetime.min.time(), UTC)
        found: set[str] = set()
        read = 0
        for kind, values in (("SKU", audience.purchased_skus), ("CAT", audience.purchased_categories)):
            for value in values:
                for customer_id, _store in self._marketing.purchasers(kind, value, since=since):
                    read += 1
                    found.add(customer_id)
        return found, read

    # ------------------------------------------------------------------ reading
    def pages(
        self, campaign: Campaign, stores: Sequence[Store], plan: Plan, ctx: Context, *, cursor: str = ""
    ) -> Iterator[Page]:
        """Pages of decided customers, from `cursor` (a previous page's) on. Every customer appears once."""
        by_id = {s.id: s for s in stores}
        position = json.loads(cursor) if cursor else {}
        if plan.source == Source.STORE:
            yield from self._store_pages(campaign, stores, plan, ctx, position)
        elif plan.source == Source.TAG:
            yield from self._tag_pages(campaign, by_id, plan, ctx, position)
        else:
            yield from self._purchase_pages(campaign, by_id, plan, ctx, position)

    def _store_pages(
        self, campaign: Campaign, stores: Sequence[Store], plan: Plan, ctx: Context, position: dict[str, object]
    ) -> Iterator[Page]:
        index = int(str(position.get("s", 0)))
        inner = str(position.get("c") or "") or None
        while index < len(stores):
            store = stores[index]
            page = self._marketing.store_members(store.id, cursor=inner)
            inner = page.cursor
            if inner is None:
                index, inner = index + 1, None
            decided = self.decide(campaign, {store.id: store}, page.items, plan, ctx)
            decided.items_read += len(page.items)
            decided.cursor = json.dumps({"s": index, "c": inner}) if index < len(stores) else ""
            yield decided

    def _tag_pages(
        self, campaign: Campaign, stores: dict[str, Store], plan: Plan, ctx: Context, position: dict[str, object]
    ) -> Iterator[Page]:
        tags = list(campaign.audience.tags)
        index = int(str(position.get("t", 0)))
        inner = str(position.get("c") or "") or None
        store_filter = campaign.store_id if campaign.store_id and len(stores) == 1 else None
        while index < len(tags):
            tag = tags[index]
            page = self._marketing.tagged_ids(tag, store_filter, cursor=inner)
            inner = page.cursor
            wanted = [cid for cid, home in page.items if home in stores]
            members = self._marketing.members(wanted)
            # A customer with several of the tags is decided in the pass of the first one only.
            kept = [m for cid in wanted if (m := members.get(cid)) and _first_tag(m, tags) == tag]
            decided = self.decide(campaign, stores, kept, plan, ctx)
            decided.items_read += len(page.items) + len(members)
            if inner is None:
                index += 1
            decided.cursor = json.dumps({"t": index, "c": inner}) if index < len(tags) else ""
            yield decided

    def _purchase_pages(
        self, campaign: Campaign, stores: dict[str, Store], plan: Plan, ctx: Context, position: dict[str, object]
    ) -> Iterator[Page]:
        ids = sorted(plan.purchasers or ())
        offset = int(str(position.get("o", 0)))
        while offset < len(ids):
            chunk = ids[offset : offset + BATCH]
            offset += len(chunk)
            members = self._marketing.members(chunk)
            kept = [m for m in members.values() if m.customer.home_store_id in stores]
            decided = self.decide(campaign, stores, kept, plan, ctx)
            decided.items_read += len(members)
            decided.cursor = json.dumps({"o": offset}) if offset < len(ids) else ""
            yield decided

    # ------------------------------------------------------------------ deciding
    def decide(
        self, campaign: Campaign, stores: dict[str, Store], members: Sequence[Member], plan: Plan, ctx: Context
    ) -> Page:
        page = Page()
        for member in members:
            store = stores.get(member.customer.home_store_id)
            if store is None:
                continue
            today = ctx.starts_at.astimezone(ZoneInfo(store.time_zone)).date()
            if not rules.matches(member, campaign.audience, today=today, purchasers=plan.purchasers):
                continue
            reason = rules.exclusion(member, campaign.channel, store.id, cap=ctx.cap, now=ctx.starts_at)
            if reason is not None:
                page.excluded[reason.value] += 1
                continue
            page.recipients.append(self.compose(campaign, store, member, ctx))
        return page

    def compose(self, campaign: Campaign, store: Store, member: Member, ctx: Context) -> Recipient:
        customer = member.customer
        values = {
            "customer.first_name": "" if customer.unidentified else customer.first_name,
            "customer.last_name": "" if customer.unidentified else customer.last_name,
            "store.name": store.name,
        }
        language = customer.attributes.get("language")
        body = content.pick_text(campaign.bodies, language, store.locale)
        if campaign.channel == Channel.SMS:
            sms = content.sms_text(
                body,
                values,
                policy=store.messaging.opt_out_mention,
                country=store.country,
                locale=store.locale,
                store_phone=store.phone_number,
                stop_number=store.messaging.stop_number,
            )
            due = _due(ctx.starts_at, customer.phone_number, store)
            return Recipient(
                member=member,
                store=store,
                due=due,
                credits=content.credits_for(Channel.SMS, sms.segments),
                units=sms.segments,
                sms=sms,
            )
        email = None
        if ctx.unsubscribe_url is not None:
            email = content.email_text(
                content.pick_text(campaign.subjects, language, store.locale),
                body,
                values,
                locale=content.content_language(language, store.locale),
                unsubscribe_url=ctx.unsubscribe_url(customer.id, campaign.id),
            )
        return Recipient(member=member, store=store, due=ctx.starts_at, credits=1, units=1, email=email)


def _first_tag(member: Member, tags: list[str]) -> str | None:
    return next((tag for tag in tags if tag in member.customer.tags), None)


def _due(at: datetime, phone: str | None, store: Store) -> datetime:
    """When quiet hours let a marketing text go to this number (the number's zone, else the store's)."""
    recipient = recipient_zone(phone, fallback_tz=store.time_zone, fallback_country=store.country)
    try:
        return defer(at, MessageKind.MARKETING, recipient)
    except NoAllowedTime:
        return at + timedelta(days=366)


def thread_statuses(member: Member, store_id: str) -> tuple[str, str]:
    consents = member.customer.consents
    return (
        effective(consents, Channel.SMS, Purpose.CONVERSATIONAL, store_id).value,
        effective(consents, Channel.SMS, Purpose.MARKETING, store_id).value,
    )


def name_of(member: Member) -> str:
    return display_name(member.customer)


EXCLUSION_ORDER = [e.value for e in Exclusion]
