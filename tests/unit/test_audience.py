"""Audience filters and the consent-first exclusions, on customers built in memory."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from clienteling.campaigns.domain.audience import (
    AudienceFilter,
    Exclusion,
    FrequencyCap,
    Member,
    age_on,
    exclusion,
    matches,
    months_before,
)
from clienteling.directory.domain.consent import BUSINESS_WIDE, Channel, ConsentState, Purpose, Status, state_key
from clienteling.directory.domain.customers import Customer, Gender, Pet
from clienteling.kernel.addresses import Address

NOW = datetime(2026, 3, 10, 10, tzinfo=UTC)
TODAY = NOW.date()
STORE = "S1"
NO_CAP = FrequencyCap(0, 7)


def customer(**changes: object) -> Customer:
    base = Customer(
        id="C1",
        customer_number="0000000018",
        first_name="Zoë",
        last_name="Müller",
        home_store_id=STORE,
        version=3,
        created_at=NOW - timedelta(days=1000),
        updated_at=NOW,
        phone_number="+33612345678",
        email="zoe@example.com",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def consent(channel: Channel, status: Status, scope: str = STORE, at: datetime = NOW) -> dict[str, ConsentState]:
    state = ConsentState(channel=channel, purpose=Purpose.MARKETING, scope=scope, status=status, updated_at=at)
    return {state_key(channel, Purpose.MARKETING, scope): state}


def member(c: Customer | None = None, **changes: object) -> Member:
    return dataclasses.replace(Member(customer=c or customer()), **changes)  # type: ignore[arg-type]


def test_an_empty_filter_matches_everyone() -> None:
    assert matches(member(), AudienceFilter(), today=TODAY, purchasers=None)


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (AudienceFilter(tags=("vip",)), True),
        (AudienceFilter(tags=("shoes", "vip")), True),  # any of the tags
        (AudienceFilter(tags=("menswear",)), False),
        (AudienceFilter(genders=(Gender.FEMALE,)), True),
        (AudienceFilter(genders=(Gender.MALE, Gender.NON_BINARY)), False),
        (AudienceFilter(postal_code_prefixes=("75",)), True),
        (AudienceFilter(postal_code_prefixes=("69", "7500")), True),
        (AudienceFilter(postal_code_prefixes=("69",)), False),
        (AudienceFilter(pet_species=("cat",)), True),
        (AudienceFilter(pet_species=("dog",)), False),
        (AudienceFilter(pet_birth_month=5), True),
        (AudienceFilter(pet_birth_month=6), False),
        (AudienceFilter(birth_month=4), True),
        (AudienceFilter(birth_month=5), False),
        (AudienceFilter(attributes={"shoeSize": 38}), True),
        (AudienceFilter(attributes={"shoeSize": 39}), False),
        (AudienceFilter(tags=("vip",), genders=(Gender.FEMALE,), pet_species=("dog",)), False),  # AND across
    ],
)
def test_each_filter_and_their_combination(audience: AudienceFilter, expected: bool) -> None:
    zoe = customer(
        tags=("vip", "shoes"),
        gender=Gender.FEMALE,
        birth_date=date(1990, 4, 12),
        pets=(Pet("Gribouille", "cat", 5),),
        attributes={"shoeSize": 38},
        address=Address(line1="1 rue", city="Paris", postal_code="75 009", country="FR"),
    )
    assert matches(member(zoe), audience, today=TODAY, purchasers=None) is expected


def test_age_range_is_inclusive_on_the_store_date_and_needs_a_birth_date() -> None:
    born = date(2000, 3, 10)  # 26 on TODAY exactly
    audience = AudienceFilter(min_age=26, max_age=26)
    assert matches(member(customer(birth_date=born)), audience, today=TODAY, purchasers=None)
    assert not matches(member(customer(birth_date=born)), audience, today=TODAY - timedelta(days=1), purchasers=None)
    assert not matches(member(customer(birth_date=None)), audience, today=TODAY, purchasers=None)
    assert age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
    assert age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26


def test_purchased_is_the_purchase_index_set() -> None:
    audience = AudienceFilter(purchased_skus=("SKU-1",))
    assert matches(member(), audience, today=TODAY, purchasers=frozenset({"C1"}))
    assert not matches(member(), audience, today=TODAY, purchasers=frozenset({"C2"}))


def test_no_visit_or_purchase_for_n_months() -> None:
    audience = AudienceFilter(inactive_months=6)
    six_months = datetime(2025, 9, 10, tzinfo=UTC)
    # Last seen exactly six months ago: not yet inactive; a day more: inactive
    assert not matches(member(last_purchase_at=six_months), audience, today=TODAY, purchasers=None)
    assert matches(member(last_purchase_at=six_months - timedelta(days=1)), audience, today=TODAY, purchasers=None)
    # A recent visit counts as activity even with an old purchase
    old, recent = six_months - timedelta(days=90), NOW - timedelta(days=3)
    assert not matches(member(last_purchase_at=old, last_visit_at=recent), audience, today=TODAY, purchasers=None)
    # Never bought: counts from when the customer was created
    new_customer = customer(created_at=NOW - timedelta(days=10))
    assert not matches(member(new_customer), audience, today=TODAY, purchasers=None)
    assert matches(member(), audience, today=TODAY, purchasers=None)


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_consent_first_exclusions_in_order() -> None:
    opted_in = consent(Channel.SMS, Status.OPTED_IN)
    assert exclusion(member(customer(consents=opted_in)), Channel.SMS, STORE, cap=NO_CAP, now=NOW) is None
    no_phone = customer(phone_number=None, consents=opted_in)
    assert exclusion(member(no_phone), Channel.SMS, STORE, cap=NO_CAP, now=NOW) == Exclusion.NO_PHONE
    assert exclusion(member(customer(email=None)), Channel.EMAIL, STORE, cap=NO_CAP, now=NOW) == Exclusion.NO_EMAIL
    assert exclusion(member(), Channel.SMS, STORE, cap=NO_CAP, now=NOW) == Exclusion.NO_CONSENT
    pending = customer(consents=consent(Channel.SMS, Status.PENDING))
    assert exclusion(member(pending), Channel.SMS, STORE, cap=NO_CAP, now=NOW) == Exclusion.NO_CONSENT
    out = customer(consents=consent(Channel.SMS, Status.OPTED_OUT))
    assert exclusion(member(out), Channel.SMS, STORE, cap=NO_CAP, now=NOW) == Exclusion.OPTED_OUT
    blocked = member(customer(consents=opted_in), blocked_stores=frozenset({STORE}))
    assert exclusion(blocked, Channel.SMS, STORE, cap=NO_CAP, now=NOW) == Exclusion.BLOCKED
    assert exclusion(blocked, Channel.SMS, "S2", cap=NO_CAP, now=NOW) == Exclusion.NO_CONSENT  # S1's opt-in only


def test_sms_consent_is_the_latest_of_store_and_business_wide() -> None:
    # Opted in at the store, then opted out business-wide later: out everywhere
    states = {
        **consent(Channel.SMS, Status.OPTED_IN, STORE, NOW - timedelta(days=2)),
        **consent(Channel.SMS, Status.OPTED_OUT, BUSINESS_WIDE, NOW - timedelta(days=1)),
    }
    assert exclusion(member(customer(consents=states)), Channel.SMS, STORE, cap=NO_CAP, now=NOW) == Exclusion.OPTED_OUT
    # Email consent is business-wide only: a store-scoped SMS opt-in does not count for email
    sms_only = customer(consents=consent(Channel.SMS, Status.OPTED_IN))
    assert exclusion(member(sms_only), Channel.EMAIL, STORE, cap=NO_CAP, now=NOW) == Exclusion.NO_CONSENT
    email_in = customer(consents=consent(Channel.EMAIL, Status.OPTED_IN, BUSINESS_WIDE))
    assert exclusion(member(email_in), Channel.EMAIL, STORE, cap=NO_CAP, now=NOW) is None


def test_frequency_cap_counts_sends_inside_the_window_across_campaigns() -> None:
    cap = FrequencyCap(messages=2, days=7)
    inside = {"A": NOW - timedelta(days=1), "B": NOW - timedelta(days=6, hours=23)}
    assert not cap.allows(inside, NOW)
    edge = {"A": NOW - timedelta(days=1), "B": NOW - timedelta(days=7)}  # exactly 7 days ago has left the window
    assert cap.allows(edge, NOW)
    assert cap.kept(edge, NOW) == {"A": NOW - timedelta(days=1)}
    assert FrequencyCap(0, 7).allows(inside, NOW)  # 0: no cap
    opted_in = customer(consents=consent(Channel.SMS, Status.OPTED_IN))
    capped = member(opted_in, marketing_sends=inside)
    assert exclusion(capped, Channel.SMS, STORE, cap=cap, now=NOW) == Exclusion.FREQUENCY_CAP
