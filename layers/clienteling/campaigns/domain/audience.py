"""Who a campaign reaches: the audience filter, what the product keeps about a customer for marketing, and why
a customer who matches is still left out (consent first).

Filters combine with AND; inside a filter, a list means any of its values. Matching is in memory on the profile
the resolution read from an index (services/audience.py), so it costs no request of its own; only "purchased"
needs the purchase index, whose customers arrive as a set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from clienteling.directory.ports import Channel, Customer, Gender, Purpose, Status, effective

AttributeValue = str | int | float | bool


@dataclass(frozen=True, slots=True)
class AudienceFilter:
    """Every field left empty matches everyone."""

    tags: tuple[str, ...] = ()  # any of
    genders: tuple[Gender, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    postal_code_prefixes: tuple[str, ...] = ()
    purchased_skus: tuple[str, ...] = ()
    purchased_categories: tuple[str, ...] = ()
    purchased_within_months: int | None = None  # with skus/categories: bought within the last N months
    inactive_months: int | None = None  # no visit or purchase for N months
    pet_species: tuple[str, ...] = ()
    pet_birth_month: int | None = None
    birth_month: int | None = None
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)  # custom attributes, equality

    @property
    def wants_purchases(self) -> bool:
        return bool(self.purchased_skus or self.purchased_categories)


@dataclass(frozen=True, slots=True)
class LastCampaign:
    """The latest campaign a customer got on one channel: replies, opt-outs and orders are attributed to it."""

    campaign_id: str
    store_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Member:
    """A customer as marketing sees them: the profile plus the attributes campaigns keep on it."""

    customer: Customer
    blocked_stores: frozenset[str] = frozenset()
    marketing_sends: Mapping[str, datetime] = field(default_factory=dict)  # campaign id -> when it was sent
    marketing_version: int = 0
    last_purchase_at: datetime | None = None
    last_visit_at: datetime | None = None
    last_campaigns: Mapping[Channel, LastCampaign] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.customer.id


class Exclusion(StrEnum):
    """Why a customer who matches the filter gets nothing, in the order the checks run."""

    NO_PHONE = "no_phone"
    NO_EMAIL = "no_email"
    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"  # never asked, or asked and not answered: only an explicit opt-in counts
    BLOCKED = "blocked"
    FREQUENCY_CAP = "frequency_cap"
    NO_CREDITS = "no_credits"  # only when a campaign starts: the balance ran out


@dataclass(frozen=True, slots=True)
class FrequencyCap:
    """At most `messages` marketing messages per customer within `days`, across campaigns, stores and channels.
    `messages` 0 means no cap."""

    messages: int
    days: int

    def window_start(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)

    def allows(self, sends: Mapping[str, datetime], now: datetime) -> bool:
        if self.messages <= 0:
            return True
        start = self.window_start(now)
        return sum(1 for at in sends.values() if at > start) < self.messages

    def kept(self, sends: Mapping[str, datetime], now: datetime) -> dict[str, datetime]:
        """The sends still inside the window: what the profile needs to keep."""
        start = self.window_start(now)
        return {campaign: at for campaign, at in sends.items() if at > start}


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, or that month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def matches(member: Member, audience: AudienceFilter, *, today: date, purchasers: frozenset[str] | None) -> bool:
    """Whether a customer is in the audience. `today` is the store's local date; `purchasers` the customers the
    purchase index gave for the filter's products or categories (None when the filter has none)."""
    customer = member.customer
    checks = (
        not audience.tags or bool(set(audience.tags) & set(customer.tags)),
        not audience.genders or customer.gender in audience.genders,
        _age_matches(customer.birth_date, audience, today),
        not audience.postal_code_prefixes or _postal_code_matches(customer, audience.postal_code_prefixes),
        purchasers is None or customer.id in purchasers,
        audience.inactive_months is None or _inactive(member, audience.inactive_months, today),
        not audience.pet_species or any(p.species in audience.pet_species for p in customer.pets),
        audience.pet_birth_month is None or any(p.birth_month == audience.pet_birth_month for p in customer.pets),
        audience.birth_month is None
        or (customer.birth_date is not None and customer.birth_date.month == audience.birth_month),
        all(customer.attributes.get(name) == value for name, value in audience.attributes.items()),
    )
    return all(checks)


def _age_matches(birth: date | None, audience: AudienceFilter, today: date) -> bool:
    if audience.min_age is None and audience.max_age is None:
        return True
    if birth is None:
        return False  # an age range asks for people whose age we know
    age = age_on(birth, today)
    return (audience.min_age is None or age >= audience.min_age) and (
        audience.max_age is None or age <= audience.max_age
    )


def _postal_code_matches(customer: Customer, prefixes: tuple[str, ...]) -> bool:
    if customer.address is None:
        return False
    code = customer.address.postal_code.replace(" ", "").upper()
    return any(code.startswith(prefix.replace(" ", "").upper()) for prefix in prefixes)


def _inactive(member: Member, months: int, today: date) -> bool:
    """No visit or purchase since `months` ago; a customer who never bought counts from when they were created."""
    seen = [d for d in (member.last_purchase_at, member.last_visit_at) if d is not None]
    reference = max(seen) if seen else member.customer.created_at
    return reference.date() < months_before(today, months)


def exclusion(member: Member, channel: Channel, store_id: str, *, cap: FrequencyCap, now: datetime) -> Exclusion | None:
    """Consent first: marketing consent opted in on the channel (SMS: effective at the store), not blocked in the
    store, a phone or an email, and under the frequency cap. None: the customer may be sent the campaign."""
    customer = member.customer
    if channel == Channel.SMS and not customer.phone_number:
        return Exclusion.NO_PHONE
    if channel == Channel.EMAIL and not customer.email:
        return Exclusion.NO_EMAIL
    status = effective(customer.consents, channel, Purpose.MARKETING, store_id if channel == Channel.SMS else None)
    if status == Status.OPTED_OUT:
        return Exclusion.OPTED_OUT
    if status != Status.OPTED_IN:
        return Exclusion.NO_CONSENT
    if store_id in member.blocked_stores:
        return Exclusion.BLOCKED
    if not cap.allows(member.marketing_sends, now):
        return Exclusion.FREQUENCY_CAP
    return None
