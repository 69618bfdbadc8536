"""Recording consent changes, from every path (API, SMS keywords, carrier reports, opt-in requests), in the use
case's unit of work: the profile's current state, the append-only audit event and a ConsentChanged event. One
place, so every path leaves the same proof. What the SMS threads copy of it (messaging's routing records) is
returned as `thread_changes` for messaging to apply in the same unit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from clienteling.directory.domain.consent import (
    BUSINESS_WIDE,
    Channel,
    ConsentDecision,
    ConsentEvent,
    ConsentState,
    ConsentWrite,
    Purpose,
    Status,
)
from clienteling.directory.events import ConsentChanged
from clienteling.kernel.ids import new_id
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import UnitOfWork

_THREAD_FIELD = {Purpose.CONVERSATIONAL: "sms_conversational", Purpose.MARKETING: "sms_marketing"}


class ConsentTrail(Protocol):
    """The writes recording consent needs of the customer records: `CustomerRepository` in the product, an
    in-memory one in the fast service tests (tests/fakes)."""

    def consent_event_op(self, event: ConsentEvent) -> Op: ...

    def consents_op(self, customer_id: str, states: dict[str, ConsentState], *, now: datetime) -> Op: ...


class ConsentRecorder:
    def __init__(self, customers: ConsentTrail) -> None:
        self._customers = customers

    def record(
        self,
        work: UnitOfWork,
        customer_id: str,
        decisions: list[ConsentDecision],
        *,
        now: datetime,
        previous: Callable[[ConsentDecision], Status],
        thread_stores: list[str],
        update_profile: bool = True,
    ) -> ConsentWrite:
        """Record `decisions` for a customer in `work`: the audit events, the profile's current states and the
        ConsentChanged events.

        `previous` gives the status each decision replaces (for the audit trail). `thread_stores` are the
        stores whose SMS thread with the customer must follow: right after a decision it is the latest one,
        so it is the effective status wherever its scope covers. With update_profile=False the caller writes
        `states` itself (a customer created in the same transaction).
        """
        write = ConsentWrite()
        for decision in decisions:
            state = ConsentState(
                channel=decision.channel,
                purpose=decision.purpose,
                scope=decision.scope,
                status=decision.status,
                updated_at=now,
                method=decision.method,
            )
            write.states[state.key] = state
            event = ConsentEvent(
                id=new_id(),
                customer_id=customer_id,
                at=now,
                channel=decision.channel,
                purpose=decision.purpose,
                scope=decision.scope,
                previous=previous(decision),
                status=decision.status,
                method=decision.method,
                wording=decision.wording,
                wording_version=decision.wording_version,
                associate_id=decision.associate_id,
                store_id=decision.store_id,
                message_id=decision.message_id,
                note=decision.note,
            )
            write.events.append(event)
            work.add(self._customers.consent_event_op(event))
            work.emit(
                ConsentChanged(
                    customer_id=customer_id,
                    consent_event_id=event.id,
                    channel=decision.channel.value,
                    purpose=decision.purpose.value,
                    store_id=None if decision.scope == BUSINESS_WIDE else decision.scope,
                    previous=event.previous.value,
                    status=decision.status.value,
                    method=decision.method.value,
                    occurred_at=now,
                )
            )
            if decision.channel != Channel.SMS:
                continue
            for store_id in thread_stores:
                if decision.scope not in (store_id, BUSINESS_WIDE):
                    continue
                changes = write.thread_changes.setdefault(store_id, {})
                changes[_THREAD_FIELD[decision.purpose]] = decision.status.value
                if decision.purpose == Purpose.CONVERSATIONAL:
                    changes["opt_in_pending"] = decision.status == Status.PENDING
        if update_profile and write.states:
            work.add(self._customers.consents_op(customer_id, write.states, now=now))
        return write
