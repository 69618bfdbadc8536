"""Inbound texts from customers (Twilio's webhook): route, store once, honour keywords, answer with TwiML.

Before answering it makes two DynamoDB requests when the store's configuration is cached: one BatchGetItem
(the SMS thread and the owner of the number) and one TransactWriteItems that stores the message, claims
the provider's MessageSid (so a retry stores nothing twice and gets the same answer), moves the
conversation to the top of the open inboxes, counts it unread, records any consent change with its proof,
and queues the events.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from clienteling.directory.events import CustomerCreated
from clienteling.directory.ports import (
    BUSINESS_WIDE,
    BusinessSettings,
    Channel,
    ConsentDecision,
    ConsentRecording,
    ConsentWrite,
    Customer,
    CustomerNumberTaken,
    CustomerRecords,
    KeywordReplies,
    Method,
    OptOutScope,
    Purpose,
    SettingsLookup,
    Status,
    Store,
    StoreLookup,
    customer_numbers,
    display_name,
    effective,
)
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import AlreadyExists, DomainError
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger, redact_phone
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import StartWork, UnitOfWork
from clienteling.messaging.domain import keywords, opt_out_intent
from clienteling.messaging.domain.archiving import archive_due
from clienteling.messaging.domain.conversations import (
    Conversation,
    ConversationStatus,
    Direction,
    Media,
    MediaState,
    Message,
    MessageStatus,
    conversation_id,
    preview,
)
from clienteling.messaging.events import MessageReceived
from clienteling.messaging.repositories.conversations import Thread, message_sk
from clienteling.messaging.services.twiml import twiml

ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class InboundMedia:
    url: str
    content_type: str


@dataclass(frozen=True, slots=True)
class InboundSms:
    message_sid: str
    from_phone: str
    to_phone: str
    body: str
    media: tuple[InboundMedia, ...] = ()


class InboundConversations(Protocol):
    """What an inbound text reads and writes of the conversations: `ConversationRepository` in the product, an
    in-memory one in the fast service tests (tests/fakes)."""

    def inbound_context(self, store_id: str, phone: str) -> tuple[Thread | None, str | None]: ...

    def provider_marker(self, sid: str) -> dict[str, Any] | None: ...

    def links(self, customer_id: str) -> list[tuple[str, str]]: ...

    def provider_marker_op(self, sid: str, attributes: dict[str, Any], *, now: datetime) -> Op: ...

    def thread_update_op(self, store_id: str, phone: str, **changes: Any) -> Op: ...

    def first_contact_ops(
        self, thread: Thread, *, keep_existing: bool = False, race: DomainError | None = None
    ) -> list[Op]: ...

    def message_put_op(self, message: Message) -> Op: ...

    def word_ops(self, store_id: str, conversation_id: str, text: str | None) -> list[Op]: ...

    def touch_op(
        self,
        conversation: Conversation,
        *,
        at: datetime,
        preview: str,
        direction: Direction,
        archive_at: datetime,
        unread_delta: int = 0,
        flag_opt_out: bool = False,
        outbound_associate_id: str | None = None,
    ) -> Op: ...

    def unread_ops(self, store_id: str, assignee_id: str | None, delta: int) -> list[Op]: ...


class _Duplicate(DomainError):
    code = "duplicate_delivery"


class _Race(DomainError):
    code = "concurrent_first_message"


@dataclass(frozen=True, slots=True)
class _Context:
    """One inbound text, with what the product knows about its sender at this store."""

    sms: InboundSms
    store: Store
    now: datetime
    settings: BusinessSettings
    thread: Thread | None
    customer_id: str
    new_customer: Customer | None
    customer_name: str
    plan: _Plan
    message_id: str
    conversation_id: str
    previous: dict[Purpose, Status]
    scope_stores: list[str]
    primary: str | None
    assignee: str | None
    blocked: bool


@dataclass(frozen=True, slots=True)
class _Plan:
    decisions: list[ConsentDecision]
    reply: str | None
    keyword: keywords.KeywordMatch | None
    intent: opt_out_intent.OptOutIntent | None


class InboundService:
    def __init__(
        self,
        *,
        conversations: InboundConversations,
        customers: CustomerRecords,
        consents: ConsentRecording,
        stores: StoreLookup,
        settings: SettingsLookup,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._conversations = conversations
        self._customers = customers
        self._consents = consents
        self._stores = stores
        self._settings = settings
        self._work = work
        self._clock = clock

    def receive(self, sms: InboundSms) -> str:
        """Store the text and return the TwiML answer (empty, or a keyword reply)."""
        store = self._stores.by_phone(sms.to_phone)
        if store is None:
            # A number of the account that no store uses: nothing to route to, and a retry won't help.
            logger.warning("inbound text to an unknown store number", extra={"to": redact_phone(sms.to_phone)})
            return twiml(None)
        for attempt in range(ATTEMPTS):
            try:
                return self._receive_once(sms, store)
            except _Duplicate:
                marker = self._conversations.provider_marker(sms.message_sid) or {}
                logger.info("duplicate delivery answered again", extra={"message_sid": sms.message_sid})
                return str(marker.get("reply", twiml(None)))
            except (_Race, CustomerNumberTaken):
                # Two first texts from one number at once, or a random customer number collided: read again.
                logger.info("inbound race, retrying", extra={"attempt": attempt + 1})
        raise RuntimeError("inbound text could not be stored after retries")

    def _receive_once(self, sms: InboundSms, store: Store) -> str:
        ctx = self._context(sms, store)
        reply_twiml = twiml(ctx.plan.reply)
        marker = {
            "conversation_id": ctx.conversation_id,
            "message_id": ctx.message_id,
            "message_sk": message_sk(_inbound_message(ctx)),
            "direction": "inbound",
            "reply": reply_twiml,
            # The media copier finds the provider's URLs here; they are never shown to associates.
            "media_urls": [m.url for m in sms.media] or None,
        }
        work = self._work()
        # First, so that a redelivery is told apart from any other failed condition.
        work.add(
            dataclasses.replace(
                self._conversations.provider_marker_op(sms.message_sid, marker, now=ctx.now),
                on_condition_failed=_Duplicate(),
            )
        )
        write = self._consents.record(
            work,
            ctx.customer_id,
            [dataclasses.replace(d, message_id=ctx.message_id) for d in ctx.plan.decisions],
            now=ctx.now,
            previous=lambda d: ctx.previous[d.purpose],
            thread_stores=ctx.scope_stores,
            update_profile=ctx.new_customer is None,
        )
        self._add_customer(work, ctx, write)
        self._add_threads(work, ctx, write)
        self._add_conversation(work, ctx, write)
        work.commit()
        logger.info(
            "inbound text stored",
            extra={
                "conversation_id": ctx.conversation_id,
                "message_id": ctx.message_id,
                "store_id": store.id,
                "keyword": ctx.plan.keyword.kind.value if ctx.plan.keyword else None,
                "media": len(sms.media),
                "new_customer": ctx.new_customer is not None,
                "blocked": ctx.blocked,
            },
        )
        return reply_twiml

    def _context(self, sms: InboundSms, store: Store) -> _Context:
        """Everything the answer depends on: one read (two for a known customer's first text to this store)."""
        now = self._clock()
        thread, customer_id = self._conversations.inbound_context(store.id, sms.from_phone)
        settings = self._settings.get("")
        plan = self._plan(sms, store, settings, thread)
        new_customer = _unidentified(store, sms.from_phone, now) if customer_id is None else None
        known = self._customers.get(customer_id) if customer_id is not None and thread is None else None
        customer_id = customer_id or (new_customer.id if new_customer else "")
        scope_stores = [store.id]
        if thread is not None and any(d.scope == BUSINESS_WIDE for d in plan.decisions):
            scope_stores = [s for s, _ in self._conversations.links(customer_id)] or [store.id]
        consents = known.consents if known else {}
        previous = {
            purpose: getattr(thread, f"sms_{purpose.value}")
            if thread
            else effective(consents, Channel.SMS, purpose, store.id)
            for purpose in (Purpose.CONVERSATIONAL, Purpose.MARKETING)
        }
        primary = thread.primary_associate_id if thread else (known.primary_associates.get(store.id) if known else None)
        named = new_customer or known
        return _Context(
            sms=sms,
            store=store,
            now=now,
            settings=settings,
            thread=thread,
            customer_id=customer_id,
            new_customer=new_customer,
            customer_name=display_name(named) if named else "",
            plan=plan,
            message_id=new_id(),
            conversation_id=conversation_id(store.id, customer_id),
            previous=previous,
            scope_stores=scope_stores,
            primary=primary,
            # The customer's own associate takes an unassigned conversation.
            assignee=(thread.assignee_id if thread else None) or primary,
            blocked=thread.blocked if thread else False,
        )

    def _add_customer(self, work: UnitOfWork, ctx: _Context, write: ConsentWrite) -> None:
        if ctx.new_customer is None:
            return
        for op in self._customers.create_ops(dataclasses.replace(ctx.new_customer, consents=write.states)):
            taken_by_race = isinstance(op.on_condition_failed, AlreadyExists) and not isinstance(
                op.on_condition_failed, CustomerNumberTaken
            )
            work.add(dataclasses.replace(op, on_condition_failed=_Race()) if taken_by_race else op)
        work.emit(
            CustomerCreated(
                customer_id=ctx.customer_id, home_store_id=ctx.store.id, unidentified=True, occurred_at=ctx.now
            )
        )

    def _add_threads(self, work: UnitOfWork, ctx: _Context, write: ConsentWrite) -> None:
        thread_changes = {k: dict(v) for k, v in write.thread_changes.items()}
        if ctx.thread is not None and ctx.thread.assignee_id is None and ctx.assignee:
            thread_changes.setdefault(ctx.store.id, {})["assignee_id"] = ctx.assignee
        work.extend(
            self._conversations.thread_update_op(store_id, ctx.sms.from_phone, **changes)
            for store_id, changes in thread_changes.items()
            if store_id != ctx.store.id or ctx.thread is not None
        )
        if ctx.thread is None:
            changes = thread_changes.get(ctx.store.id, {})
            thread = Thread(
                store_id=ctx.store.id,
                phone=ctx.sms.from_phone,
                customer_id=ctx.customer_id,
                conversation_id=ctx.conversation_id,
                opt_in_pending=bool(changes.get("opt_in_pending", False)),
                assignee_id=ctx.assignee,
                primary_associate_id=ctx.primary,
                sms_conversational=Status(changes.get("sms_conversational", ctx.previous[Purpose.CONVERSATIONAL])),
                sms_marketing=Status(changes.get("sms_marketing", ctx.previous[Purpose.MARKETING])),
            )
            work.extend(self._conversations.first_contact_ops(thread, race=_Race()))

    def _add_conversation(self, work: UnitOfWork, ctx: _Context, write: ConsentWrite) -> None:
        sms, plan = ctx.sms, ctx.plan
        chat_consent = Status(
            write.thread_changes.get(ctx.store.id, {}).get("sms_conversational", ctx.previous[Purpose.CONVERSATIONAL])
        )
        work.add(self._conversations.message_put_op(_inbound_message(ctx)))
        # A new conversation is also found by its customer's name in the store's search.
        work.extend(
            self._conversations.word_ops(
                ctx.store.id, ctx.conversation_id, f"{sms.body} {ctx.customer_name if ctx.thread is None else ''}"
            )
        )
        if plan.reply:
            # What the customer was told, visible to associates in the thread.
            work.add(
                self._conversations.message_put_op(
                    Message(
                        id=new_id(),
                        conversation_id=ctx.conversation_id,
                        direction=Direction.SYSTEM,
                        created_at=_after(ctx.now),
                        body=plan.reply,
                        status=MessageStatus.SENT,
                    )
                )
            )
        conversation = Conversation(
            id=ctx.conversation_id,
            store_id=ctx.store.id,
            customer_id=ctx.customer_id,
            customer_name=ctx.customer_name,
            status=ConversationStatus.OPEN,
            created_at=ctx.now,
            last_activity_at=ctx.now,
            phone_number=sms.from_phone,
            assignee_id=ctx.assignee,
        )
        work.add(
            self._conversations.touch_op(
                conversation,
                at=ctx.now,
                preview=preview(sms.body, len(sms.media)),
                direction=Direction.INBOUND,
                archive_at=archive_due(ctx.now, chat_consent, ctx.settings),
                unread_delta=0 if ctx.blocked else 1,
                flag_opt_out=plan.intent is not None,
            )
        )
        if not ctx.blocked:
            work.extend(self._conversations.unread_ops(ctx.store.id, ctx.assignee, 1))
        received = MessageReceived(
            conversation_id=ctx.conversation_id,
            store_id=ctx.store.id,
            customer_id=ctx.customer_id,
            message_id=ctx.message_id,
            provider_sid=sms.message_sid,
            assignee_id=ctx.assignee,
            blocked=ctx.blocked,
            media_count=len(sms.media),
            opt_out_intent=plan.intent is not None,
            keyword=plan.keyword.kind.value if plan.keyword else None,
            occurred_at=ctx.now,
        )
        work.emit(received)

    def _plan(self, sms: InboundSms, store: Store, settings: BusinessSettings, thread: Thread | None) -> _Plan:
        """What this text means: a keyword, an opt-out in other words, or just a message."""
        match = keywords.classify(sms.body, store.locale, opt_in_pending=bool(thread and thread.opt_in_pending))
        if match is not None and _is_plain_answer(match, thread):
            match = None  # "yes" answering an associate's question, not a request to subscribe
        brand = settings.brand_name or store.name
        opt_out_scope = store.id if settings.opt_out_scope == OptOutScope.STORE else BUSINESS_WIDE
        if match is None:
            intent = opt_out_intent.detect(sms.body, store.locale) if sms.body else None
            decisions = []
            if intent is not None and intent.confidence == opt_out_intent.Confidence.HIGH:
                decisions.append(
                    ConsentDecision(
                        channel=Channel.SMS,
                        purpose=Purpose.MARKETING,
                        scope=opt_out_scope,
                        status=Status.OPTED_OUT,
                        method=Method.SMS_INTENT,
                        wording=intent.phrase,
                        store_id=store.id,
                        note="opt-out in other words; the associate confirms whether the chat stops too",
                    )
                )
            return _Plan(decisions=decisions, reply=None, keyword=None, intent=intent)
        decisions = []
        if match.kind == keywords.KeywordKind.OPT_OUT:
            decisions = [
                ConsentDecision(
                    channel=Channel.SMS,
                    purpose=purpose,
                    scope=opt_out_scope,
                    status=Status.OPTED_OUT,
                    method=Method.SMS_KEYWORD,
                    wording=match.keyword,
                    store_id=store.id,
                )
                for purpose in (Purpose.CONVERSATIONAL, Purpose.MARKETING)
            ]
        elif match.kind == keywords.KeywordKind.OPT_IN:
            decisions = [
                ConsentDecision(
                    channel=Channel.SMS,
                    purpose=Purpose.CONVERSATIONAL,
                    scope=store.id,
                    status=Status.OPTED_IN,
                    method=Method.SMS_KEYWORD,
                    wording=match.keyword,
                    store_id=store.id,
                )
            ]
        answer = store.messaging.keyword_replies == KeywordReplies.PRODUCT or not match.provider_handles
        reply = (
            keywords.reply_text(
                match.kind,
                store.locale,
                store_name=brand,
                help_contact=store.messaging.help_contact or store.phone_number,
            )
            if answer
            else None
        )
        return _Plan(decisions=decisions, reply=reply, keyword=match, intent=None)


# Explicit subscribe words always opt in; affirmatives (YES, OUI, SÍ, JA, Y) only answer an opt-in request or
# lift an earlier opt-out, as Twilio's YES does. Otherwise they are ordinary replies in the chat.
_EXPLICIT_OPT_IN = frozenset({"START", "UNSTOP", "DEMARRER", "DÉMARRER", "COMENZAR"})


def _is_plain_answer(match: keywords.KeywordMatch, thread: Thread | None) -> bool:
    if match.kind != keywords.KeywordKind.OPT_IN or match.keyword in _EXPLICIT_OPT_IN:
        return False
    return not (thread and (thread.opt_in_pending or thread.sms_conversational == Status.OPTED_OUT))


def _inbound_message(ctx: _Context) -> Message:
    return Message(
        id=ctx.message_id,
        conversation_id=ctx.conversation_id,
        direction=Direction.INBOUND,
        created_at=ctx.now,
        body=ctx.sms.body or None,
        media=tuple(Media(content_type=m.content_type, state=MediaState.PENDING) for m in ctx.sms.media),
        status=MessageStatus.RECEIVED,
        provider_sid=ctx.sms.message_sid,
        flags=("opt_out_intent",) if ctx.plan.intent else (),
    )


def _after(instant: datetime) -> datetime:
    """A system reply sorts right after the text it answers."""
    return instant + timedelta(microseconds=1)


def _unidentified(store: Store, phone: str, now: datetime) -> Customer:
    """A texting number nobody knows yet: a customer to be named by an associate."""
    return Customer(
        id=new_id(),
        customer_number=customer_numbers.generate(),
        first_name="Unknown",
        last_name=phone[-4:],
        home_store_id=store.id,
        version=1,
        created_at=now,
        updated_at=now,
        phone_number=phone,
        unidentified=True,
    )
