"""What messaging keeps of a customer and moves with them, in the same unit of work as the change: the SMS threads'
copies of the consent statuses (the inbound webhook reads them), when the conversations get archived after a
consent change, the customer's name and phone on their conversations, and opting a customer out of texts (carrier
reports, associate-confirmed opt-outs).

`CustomerCopies` is the implementation of directory's port of the same name: the directory calls it when a profile
or a consent changes, without knowing messaging.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from clienteling.directory.ports import (
    BUSINESS_WIDE,
    BusinessSettings,
    Channel,
    ConsentDecision,
    ConsentRecording,
    ConsentWrite,
    Customer,
    Method,
    OptOutScope,
    Purpose,
    SettingsLookup,
    Status,
    display_name,
    effective,
)
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import UnitOfWork
from clienteling.messaging.domain.archiving import archive_due
from clienteling.messaging.domain.conversations import conversation_id
from clienteling.messaging.repositories.conversations import ConversationRepository

CARRIER_NOTE = "provider error 21610: the number opted out at the carrier"


class ThreadCopies(Protocol):
    """What following a consent change, and opting a customer out, use of the conversations:
    `ConversationRepository` in the product, an in-memory one in the fast service tests (tests/fakes)."""

    def links(self, customer_id: str) -> list[tuple[str, str]]: ...

    def thread_update_op(self, store_id: str, phone: str, **changes: Any) -> Op: ...

    def archive_due_op(self, conversation_id: str, due: datetime) -> Op: ...


def follow_consent(
    work: UnitOfWork,
    conversations: ThreadCopies,
    customer: Customer,
    write: ConsentWrite,
    *,
    now: datetime,
    settings: BusinessSettings,
    except_conversation: str | None = None,
) -> None:
    """What SMS consent changes move besides the profile: the threads' copies the webhook reads, and when
    the conversations get archived (soon after an opt-out, a week after an unanswered request).
    `except_conversation`: the caller writes that conversation itself in the same transaction (one operation
    per item), and moves its archiving time there."""
    for store_id, changes in write.thread_changes.items():
        if customer.phone_number:
            work.add(conversations.thread_update_op(store_id, customer.phone_number, **changes))
        conversation = conversation_id(store_id, customer.id)
        if "sms_conversational" in changes and conversation != except_conversation:
            due = archive_due(now, Status(changes["sms_conversational"]), settings)
            work.add(conversations.archive_due_op(conversation, due))


class SmsOptOut:
    """Opting a customer out of a store's texts (or every store's, per the business setting), with the
    thread copies following: for carrier reports and associate-confirmed opt-outs."""

    def __init__(self, consents: ConsentRecording, conversations: ThreadCopies) -> None:
        self._recorder = consents
        self._conversations = conversations

    def record(
        self,
        work: UnitOfWork,
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
    ) -> None:
        if not customer.phone_number:
            return
        scope = store_id if settings.opt_out_scope == OptOutScope.STORE else BUSINESS_WIDE
        stores = [s for s, _ in self._conversations.links(customer.id)] if scope == BUSINESS_WIDE else [store_id]
        write = self._recorder.record(
            work,
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
        follow_consent(
            work,
            self._conversations,
            customer,
            write,
            now=now,
            settings=settings,
            except_conversation=except_conversation,
        )


class CustomerCopies:
    """Directory's CustomerCopies port: conversations show the customer's name and route texts by phone, and SMS
    threads copy the consent statuses. Kept in step inside the directory's own unit of work."""

    def __init__(self, conversations: ConversationRepository, settings: SettingsLookup) -> None:
        self._conversations = conversations
        self._settings = settings

    def texting_stores(self, customer_id: str) -> list[str]:
        """AP-M9: the stores the customer has a conversation with."""
        return [store_id for store_id, _ in self._conversations.links(customer_id)]

    def consent_recorded(self, work: UnitOfWork, customer: Customer, write: ConsentWrite, *, now: datetime) -> None:
        follow_consent(work, self._conversations, customer, write, now=now, settings=self._settings.get(""))

    def customer_changed(self, work: UnitOfWork, before: Customer, after: Customer) -> None:
        name_changed = (before.first_name, before.last_name) != (after.first_name, after.last_name)
        phone_changed = before.phone_number != after.phone_number
        primary_changed = before.primary_associates != after.primary_associates
        if not (name_changed or phone_changed or primary_changed):
            return
        links = self._conversations.links(after.id)
        if name_changed or phone_changed:
            work.extend(
                self._conversations.copy_customer_op(
                    conversation_id_, name=display_name(after), phone=after.phone_number
                )
                for _store_id, conversation_id_ in links
            )
        if name_changed:
            # Found by the new name too (the old one keeps finding it: words are never unindexed one by one).
            for store_id, conversation_id_ in links:
                work.extend(self._conversations.word_ops(store_id, conversation_id_, display_name(after)))
        if phone_changed:
            work.extend(
                self._conversations.rekey_threads_ops(
                    [store_id for store_id, _ in links],
                    before.phone_number,
                    after.phone_number,
                    customer_id=after.id,
                    consents=after.consents,
                    primary_associates=after.primary_associates,
                )
            )
        elif primary_changed and after.phone_number:
            work.extend(
                self._conversations.thread_update_op(
                    store_id, after.phone_number, primary_associate_id=after.primary_associates.get(store_id)
                )
                for store_id, _ in links
                if before.primary_associates.get(store_id) != after.primary_associates.get(store_id)
            )
