"""Asking a customer to opt in to a store's texts: the associate's introduction and the store's opt-in wording,
sent as the first text of the conversation; the customer's conversational consent becomes pending until they
answer (YES, OUI...). Never twice in 24 hours, never to a customer who opted out."""

from __future__ import annotations

from datetime import timedelta

from clienteling.directory.ports import (
    Channel,
    ConsentDecision,
    ConsentRecording,
    CustomerRecords,
    Method,
    Purpose,
    SettingsLookup,
    Status,
    display_name,
    effective,
)
from clienteling.kernel.access import Caller
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Conflict, NoPhone, OptedOut
from clienteling.kernel.unit_of_work import StartWork
from clienteling.messaging.domain import keywords
from clienteling.messaging.domain.conversations import Conversation, ConversationStatus, Message, conversation_id
from clienteling.messaging.domain.texting import TextingContext
from clienteling.messaging.repositories.conversations import ConversationRepository, Thread
from clienteling.messaging.services.sending import Sender

OPT_IN_RESEND_AFTER = timedelta(hours=24)
OPT_IN_WORDING_VERSION = "opt-in-request/1"


class OptInRequests:
    def __init__(
        self,
        *,
        conversations: ConversationRepository,
        customers: CustomerRecords,
        consents: ConsentRecording,
        settings: SettingsLookup,
        sender: Sender,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._conversations = conversations
        self._customers = customers
        self._consents = consents
        self._settings = settings
        self._sender = sender
        self._work = work
        self._clock = clock

    def request(self, caller: Caller, customer_id: str, store_id: str, introduction: str) -> Message:
        """The associate's introduction plus the store's opt-in wording; conversational consent becomes pending."""
        caller.require_store(store_id)
        customer = self._customers.require(customer_id)
        store = self._sender.store(store_id)
        if not customer.phone_number:
            raise NoPhone()
        state = effective(customer.consents, Channel.SMS, Purpose.CONVERSATIONAL, store_id)
        if state == Status.OPTED_OUT:
            raise OptedOut()
        if state == Status.OPTED_IN:
            raise Conflict("The customer already opted in: just write to them.")
        pending = customer.consents.get(f"sms:conversational:{store_id}")
        now = self._clock()
        if state == Status.PENDING and pending is not None and now - pending.updated_at < OPT_IN_RESEND_AFTER:
            raise Conflict("An opt-in request was sent less than 24 hours ago; wait for the answer.")
        settings = self._settings.get("")
        wording = keywords.opt_in_request_text(store.locale, store_name=settings.brand_name or store.name)
        body = f"{introduction.strip()} {wording}".strip()
        conv_id = conversation_id(store_id, customer.id)
        thread = self._conversations.thread(store_id, customer.phone_number)
        conversation = self._conversations.get(conv_id) or Conversation(
            id=conv_id,
            store_id=store_id,
            customer_id=customer.id,
            customer_name=display_name(customer),
            status=ConversationStatus.OPEN,
            created_at=now,
            last_activity_at=now,
            phone_number=customer.phone_number,
        )
        work = self._work()
        write = self._consents.record(
            work,
            customer.id,
            [
                ConsentDecision(
                    channel=Channel.SMS,
                    purpose=Purpose.CONVERSATIONAL,
                    scope=store_id,
                    status=Status.PENDING,
                    method=Method.SMS_REQUEST,
                    wording=wording,
                    wording_version=OPT_IN_WORDING_VERSION,
                    associate_id=caller.associate_id,
                    store_id=store_id,
                )
            ],
            now=now,
            previous=lambda _: state,
            thread_stores=[store_id],
        )
        if thread is None:
            first = Thread(
                store_id=store_id,
                phone=customer.phone_number,
                customer_id=customer.id,
                conversation_id=conv_id,
                opt_in_pending=True,
                sms_conversational=Status.PENDING,
                sms_marketing=effective(customer.consents, Channel.SMS, Purpose.MARKETING, store_id),
            )
            work.extend(self._conversations.first_contact_ops(first))
        else:
            changes = write.thread_changes.get(store_id, {})
            work.add(self._conversations.thread_update_op(store_id, customer.phone_number, **changes))
        return self._sender.transmit(
            caller.associate_id,
            TextingContext(conversation, customer, store, customer.phone_number),
            body=body,
            media=(),
            work=work,
            chat_consent=Status.PENDING,
            # The new conversation is also found by its customer's name in the store's search.
            index_also=display_name(customer) if thread is None else None,
        )
