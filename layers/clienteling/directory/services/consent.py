"""Recording consent changes, from every path (API, SMS keywords, carrier reports, opt-in requests),
as transaction operations: the profile's current state, the append-only audit event, the SMS thread copies
the inbound webhook reads, and a ConsentChanged event. One place, so every path leaves the same proof."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clienteling.directory.domain.consent import (
    BUSINESS_WIDE,
    Channel,
    ConsentEvent,
    ConsentState,
    Method,
    Purpose,
    Status,
    effective,
)
from clienteling.directory.domain.customers import Customer
from clienteling.directory.domain.settings import BusinessSettings, OptOutScope
from clienteling.directory.events import ConsentChanged
from clienteling.directory.repositories.customers import CustomerRepository, consent_to_item, event_to_item
from clienteling.kernel import keys, outbox, transactions
from clienteling.kernel.ids import new_id
from clienteling.kernel.items import when
from clienteling.messaging.domain.archiving import archive_due
from clienteling.messaging.domain.conversations import conversation_id
from clienteling.messaging.repositories.conversations import ConversationRepository

CARRIER_NOTE = "provider error 21610: the number opted out at the carrier"
_THREAD_FIELD = {Purpose.CONVERSATIONAL: "sms_conversational", Purpose.MARKETING: "sms_marketing"}


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    """One change to make: who decided what, how, and with which proof."""

    channel: Channel
    purpose: Purpose
    scope: str  # store id or BUSINESS_WIDE
    status: Status
    method: Method
    wording: str | None = None
    wording_version: str | None = None
    associate_id: str | None = None
    store_id: str | None = None  # where it happened
    message_id: str | None = None
    note: str | None = None


@dataclass
class ConsentWrite:
    """What recording decisions produces: the new states, audit events, and the operations to run."""

    states: dict[str, ConsentState] = field(default_factory=dict)
    events: list[ConsentEvent] = field(default_factory=list)
    ops: list[transactions.Op] = field(default_factory=list)
    # store id -> fields of that store's SMS thread to set (the webhook's copy of the effective statuses)
    thread_changes: dict[str, dict[str, Any]] = field(default_factory=dict)


class ConsentRecorder:
    def __init__(self, customers: CustomerRepository) -> None:
        self._customers = customers

    def record(
        self,
        customer_id: str,
        decisions: list[ConsentDecision],
        *,
        now: datetime,
        previous: Callable[[ConsentDecision], Status],
        thread_stores: list[str],
        update_profile: bool = True,
    ) -> ConsentWrite:
        """Operations recording `decisions` for a customer.

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
            write.ops.append(
                transactions.put(self._customers.table, event_to_item(event), condition="attribute_not_exists(PK)")
            )
            write.ops.append(
                outbox.event_op(
                    self._customers.table,
                    "ConsentChanged",
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
                    ),
                    now=now,
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
            ordered = sorted(write.states)
            names = {f"#k{i}": k for i, k in enumerate(ordered)}
            values: dict[str, Any] = {f":s{i}": consent_to_item(write.states[k]) for i, k in enumerate(ordered)}
            values.update({":one": 1, ":at": when(now)})
            expression = "SET " + ", ".join(f"consents.#k{i} = :s{i}" for i in range(len(ordered)))
            expression += ", version = version + :one, updated_at = :at"
            write.ops.append(
                transactions.update(
                    self._customers.table,
                    keys.customer(customer_id),
                    expression,
                    names=names,
                    values=values,
                    condition="attribute_exists(PK)",
                )
            )
        return write


class SmsOptOut:
    """Opting a customer out of a store's texts (or every store's, per the business setting), with the
    thread copies following: for carrier reports and associate-confirmed opt-outs."""

    def __init__(self, customers: CustomerRepository, conversations: ConversationRepository) -> None:
        self._recorder = ConsentRecorder(customers)
        self._conversations = conversations

    def ops(
        self,
        customer: Customer,
        store_id: str,
        *,
        settings: BusinessSettings,
        method: Method,
        purposes: tuple[Purpose, ...],
        now: datetime,
        note: str,
        message_id: str | None = None,
        associate_id: str | None = None,
        except_conversation: str | None = None,
    ) -> list[transactions.Op]:
        if not customer.phone_number:
            return []
        scope = store_id if settings.opt_out_scope == OptOutScope.STORE else BUSINESS_WIDE
        stores = [s for s, _ in self._conversations.links(customer.id)] if scope == BUSINESS_WIDE else [store_id]
        write = self._recorder.record(
            customer.id,
            [
                ConsentDecision(
                    channel=Channel.SMS,
                    purpose=p,
                    scope=scope,
                    status=Status.OPTED_OUT,
                    method=method,
                    store_id=store_id,
                    message_id=message_id,
                    associate_id=associate_id,
                    note=note,
                )
                for p in purposes
            ],
            now=now,
            previous=lambda d: effective(customer.consents, d.channel, d.purpose, store_id),
            thread_stores=stores,
        )
        return write.ops + follow_ops(
            self._conversations, customer, write, now=now, settings=settings, except_conversation=except_conversation
        )


def follow_ops(
    conversations: ConversationRepository,
    customer: Customer,
    write: ConsentWrite,
    *,
    now: datetime,
    settings: BusinessSettings,
    except_conversation: str | None = None,
) -> list[transactions.Op]:
    """What SMS consent changes move besides the profile: the threads' copies the webhook reads, and when
    the conversations get archived (soon after an opt-out, a week after an unanswered request).
    `except_conversation`: the caller writes that conversation itself in the same transaction (one operation
    per item), and moves its archiving time there."""
    ops: list[transactions.Op] = []
    for store_id, changes in write.thread_changes.items():
        if customer.phone_number:
            ops.append(conversations.thread_update_op(store_id, customer.phone_number, **changes))
        conversation = conversation_id(store_id, customer.id)
        if "sms_conversational" in changes and conversation != except_conversation:
            due = archive_due(now, Status(changes["sms_conversational"]), settings)
            ops.append(conversations.archive_due_op(conversation, due))
    return ops
