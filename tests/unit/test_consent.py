"""Effective consent: the latest decision covering a store wins; purposes never stand in for each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clienteling.directory.domain.consent import BUSINESS_WIDE, Channel, ConsentState, Purpose, Status, effective

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def state(scope: str, status: Status, minutes: int, purpose: Purpose = Purpose.MARKETING) -> ConsentState:
    return ConsentState(Channel.SMS, purpose, scope, status, T0 + timedelta(minutes=minutes))


def test_nothing_recorded_is_not_asked() -> None:
    assert effective({}, Channel.SMS, Purpose.MARKETING, "s1") == Status.NOT_ASKED


def test_latest_of_store_and_business_wins() -> None:
    business_out = state(BUSINESS_WIDE, Status.OPTED_OUT, 10)
    store_in = state("s1", Status.OPTED_IN, 20)
    states = {s.key: s for s in (business_out, store_in)}
    assert effective(states, Channel.SMS, Purpose.MARKETING, "s1") == Status.OPTED_IN
    assert effective(states, Channel.SMS, Purpose.MARKETING, "s2") == Status.OPTED_OUT
    later_out = state(BUSINESS_WIDE, Status.OPTED_OUT, 30)
    states[later_out.key] = later_out
    assert effective(states, Channel.SMS, Purpose.MARKETING, "s1") == Status.OPTED_OUT


def test_purposes_are_separate() -> None:
    chat = state("s1", Status.OPTED_IN, 1, Purpose.CONVERSATIONAL)
    assert effective({chat.key: chat}, Channel.SMS, Purpose.MARKETING, "s1") == Status.NOT_ASKED
