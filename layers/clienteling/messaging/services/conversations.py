"""Conversation work of associates: read and send messages, opt-in requests, read markers, assignment,
transfer, close and reopen, staff notes, blocking, and the opt-out-intent confirmation.

Store scoping is enforced here: every method checks that the caller works in the conversation's store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from clienteling.adapters.media import MediaStore
from clienteling.adapters.schedules import OneTimeSchedules
from clienteling.adapters.sms import TwilioSms, provider_status
from clienteling.campaigns.repositories.marketing import MarketingRepository
from clienteling.directory.domain.associates import Availability
from clienteling.directory.domain.consent import Channel, Method, Purpose, Status, effective
from clienteling.directory.domain.customers import Customer, display_name
from clienteling.directory.domain.settings import BusinessSettings
from clienteling.directory.domain.stores import Store
from clienteling.directory.repositories.associates import AssociateRepository
from clienteling.directory.repositories.catalog import CatalogRepository
from clienteling.directory.repositories.customers import CustomerRepository
from clienteling.directory.services.consent import CARRIER_NOTE, ConsentDecision, ConsentRecorder, SmsOptOut
from clienteling.directory.services.store_directory import StoreDirectory
from clienteling.kernel import outbox, transactions
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.cache import TtlCache
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import (
    Blocked,
    Conflict,
    ConsentRequired,
    NoPhone,
    NotFound,
    OptedOut,
    Unprocessable,
    ValidationFailed,
)
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page
from clienteling.kernel.phone import InvalidPhoneNumber, region_of, to_e164
from clienteling.kernel.providers import PresignedUpload, RecipientOptedOut, SmsError
from clienteling.kernel.search_text import query_terms
from clienteling.messaging.domain import keywords, segments
from clienteling.messaging.domain.archiving import archive_due
from clienteling.messaging.domain.conversations import (
    MIN_WORD_LENGTH,
    Conversation,
    ConversationStatus,
    Direction,
    Media,
    MediaState,
    Message,
    MessageStatus,
    ScheduledMessage,
    ScheduledState,
    conversation_id,
    preview,
)
from clienteling.messaging.domain.quiet_hours import MessageKind, defer, recipient_zone
from clienteling.messaging.domain.templates import pick, render
from clienteling.messaging.events import (
    ConversationAssigned,
    ConversationStatusChanged,
    ConversationTransferred,
    CustomerBlocked,
    MessageSent,
)
from clienteling.messaging.repositories.conversations import ConversationRepository, Thread, message_sk
from clienteling.messaging.repositories.templates import TemplateRepository

MMS_COUNTRIES = frozenset({"US", "CA", "AU"})
MEDIA_URL_SECONDS = 3600
OPT_IN_RESEND_AFTER = timedelta(hours=24)
OPT_IN_WORDING_VERSION = "opt-in-request/1"
UPLOAD_SECONDS = 900
SCHEDULE_MIN_DELAY = timedelta(minutes=1)
SCHEDULE_MAX_DELAY = timedelta(days=366)
UPLOAD_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}


@dataclass(frozen=True, slots=True)
class Outgoing:
    body: str | None = None
    template_id: str | None = None
    product_ids: tuple[str, ...] = ()
    media_keys: tuple[str, ...] = ()


class ConversationService:
    def __init__(
        self,
        *,
        conversations: ConversationRepository,
        customers: CustomerRepository,
        associates: AssociateRepository,
        templates: TemplateRepository,
        products: CatalogRepository,
        stores: StoreDirectory,
        settings: TtlCache[str, BusinessSettings],
        media: MediaStore,
        sms: Callable[[], TwilioSms],
        clock: Clock,
        status_callback_url: str,
        schedules: Callable[[], OneTimeSchedules],
    ) -> None:
        self._conversations = conversations
        self._customers = customers
        self._associates = associates
        self._templates = templates
        self._products = products
        self._stores = stores
        self._settings = settings
        self._media = media
        self._sms = sms
        self._clock = clock
        self._status_callback_url = status_callback_url
        self._schedules = schedules
        self._consents = ConsentRecorder(customers)
        self._opt_out = SmsOptOut(customers, conversations)

    # ------------------------------------------------------------------ reading
    def get(self, caller: Caller, conversation_id_: str) -> Conversation:
        conversation = self._conversations.get(conversation_id_)
        if conversation is None or not caller.can_access_store(conversation.store_id):
            # Same answer for another store's conversation as for none: ids are not confirmed.
            raise NotFound("No such conversation in your stores.")
        return conversation

    def messages(self, caller: Caller, conversation_id_: str, *, limit: int, cursor: str | None) -> Page[Message]:
        self.get(caller, conversation_id_)
        return self._conversations.messages(conversation_id_, limit=limit, cursor=cursor)

    def media_url(self, media: Media) -> str | None:
        if media.state != MediaState.STORED or not media.key:
            return None
        return self._media.presign_download(media.key, expires_in=MEDIA_URL_SECONDS)

    # ------------------------------------------------------------------ sending
    def send(self, caller: Caller, conversation_id_: str, outgoing: Outgoing) -> Message:
        conversation = self.get(caller, conversation_id_)
        customer = self._customers.require(conversation.customer_id)
        store = self._store(conversation.store_id)
        phone = self._check_can_text(conversation, customer, store)
        body = self._compose(caller, outgoing, customer, store)
        media = self._outgoing_media(caller, conversation, outgoing.media_keys, phone)
        if not body and not media:
            raise ValidationFailed(
                "Send a body, a template, products or images.",
                details=[{"field": "body", "loc": ["body", "body"], "type": "missing"}],
            )
        return self._send(
            caller.associate_id,
            conversation,
            customer=customer,
            store=store,
            phone=phone,
            body=body,
            media=media,
            extra_ops=[],
        )

    def ensure_can_text(self, caller: Caller, conversation_id_: str) -> None:
        """Raise what `send` would (404, or 409 consent_required / opted_out / no_phone / blocked) without
        sending: callers that prepare something to send (a cart link) check before preparing it."""
        conversation = self.get(caller, conversation_id_)
        self._check_can_text(
            conversation, self._customers.require(conversation.customer_id), self._store(conversation.store_id)
        )

    def opt_in_request(self, caller: Caller, customer_id: str, store_id: str, introduction: str) -> Message:
        """The associate's introduction plus the store's opt-in wording; conversational consent becomes pending."""
        caller.require_store(store_id)
        customer = self._customers.require(customer_id)
        store = self._store(store_id)
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
        write = self._consents.record(
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
        extra = list(write.ops)
        changes = write.thread_changes.get(store_id, {})
        if thread is None:
            extra.append(
                self._conversations.thread_put_op(
                    Thread(
                        store_id=store_id,
                        phone=customer.phone_number,
                        customer_id=customer.id,
                        conversation_id=conv_id,
                        opt_in_pending=True,
                        sms_conversational=Status.PENDING,
                        sms_marketing=effective(customer.consents, Channel.SMS, Purpose.MARKETING, store_id),
                    )
                )
            )
            extra.append(self._conversations.link_op(customer.id, store_id, conv_id))
        else:
            extra.append(self._conversations.thread_update_op(store_id, customer.phone_number, **changes))
        return self._send(
            caller.associate_id,
            conversation,
            customer=customer,
            store=store,
            phone=customer.phone_number,
            body=body,
            media=(),
            extra_ops=extra,
            chat_consent=Status.PENDING,
            # The new conversation is also found by its customer's name in the store's search.
            index_also=display_name(customer) if thread is None else None,
        )

    def _send(
        self,
        associate_id: str | None,
        conversation: Conversation,
        *,
        customer: Customer,
        store: Store,
        phone: str,
        body: str | None,
        media: tuple[Media, ...],
        extra_ops: list[transactions.Op],
        chat_consent: Status = Status.OPTED_IN,
        index_also: str | None = None,
    ) -> Message:
        now = self._clock()
        count = segments.count(body) if body else None
        message = Message(
            id=new_id(),
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND,
            created_at=now,
            body=body,
            media=media,
            status=MessageStatus.QUEUED,
            associate_id=associate_id,
            encoding=count.encoding.value if count else None,
            segments=count.segments if count else None,
        )
        transactions.transact(
            self._customers.table,
            [
                *extra_ops,
                self._conversations.message_put_op(message),
                *self._conversations.word_ops(store.id, conversation.id, f"{body or ''} {index_also or ''}"),
                self._conversations.touch_op(
                    conversation,
                    at=now,
                    preview=preview(body, len(media)),
                    direction=Direction.OUTBOUND,
                    archive_at=archive_due(now, chat_consent, self._settings.get("")),
                    outbound_associate_id=associate_id,
                ),
            ],
        )
        media_urls = [url for url in (self.media_url(m) for m in media) if url]
        # Where the message is goes in the (signed) callback URL: a callback can beat our own write of the sid.
        callback = f"{self._status_callback_url}?{urlencode({'c': conversation.id, 'm': message_sk(message)})}"

        try:
            sent = self._sms().send(
                from_=store.phone_number,
                to=phone,
                body=body,
                media_urls=media_urls,
                status_callback=callback,
            )
        except RecipientOptedOut:
            logger.info("carrier reports the recipient opted out", extra={"conversation_id": conversation.id})
            self._carrier_opt_out(conversation, customer, store, message)
            return dataclasses.replace(message, status=MessageStatus.FAILED, error_code=21610)
        except SmsError as error:
            logger.warning("sending failed", extra={"conversation_id": conversation.id, "code": error.code})
            transactions.transact(
                self._customers.table,
                [
                    self._conversations.message_status_op(
                        conversation.id, message_sk(message), MessageStatus.FAILED, error.code
                    )
                ],
            )
            return dataclasses.replace(message, status=MessageStatus.FAILED, error_code=error.code)
        transactions.transact(
            self._customers.table,
            [
                self._conversations.message_sid_op(conversation.id, message_sk(message), sent.sid),
                self._conversations.provider_marker_op(
                    sent.sid,
                    {
                        "conversation_id": conversation.id,
                        "message_sk": message_sk(message),
                        "direction": "outbound",
                        "store_id": store.id,
                        "customer_id": customer.id,
                    },
                    now=now,
                ),
                outbox.event_op(
                    self._customers.table,
                    "MessageSent",
                    MessageSent(
                        conversation_id=conversation.id,
                        store_id=store.id,
                        customer_id=customer.id,
                        message_id=message.id,
                        associate_id=associate_id,
                        segments=message.segments,
                        occurred_at=now,
                    ),
                    now=now,
                ),
            ],
        )
        status = MessageStatus(provider_status(sent.status))
        if status != MessageStatus.QUEUED:
            self._advance_status(conversation.id, message, status)
        logger.info(
            "message sent",
            extra={
                "conversation_id": conversation.id,
                "message_id": message.id,
                "segments": message.segments,
                "media": len(media),
            },
        )
        return dataclasses.replace(message, status=status, provider_sid=sent.sid)

    def _advance_status(self, conversation_id: str, message: Message, status: MessageStatus) -> None:
        """The provider already knows more than "queued"; a status callback may have said it first."""
        try:
            transactions.transact(
                self._customers.table,
                [self._conversations.message_status_op(conversation_id, message_sk(message), status, None)],
            )
        except transactions.ConditionFailed:
            logger.info("a status callback was first", extra={"message_id": message.id})

    def post_system(self, conversation_id_: str, body: str) -> Message:
        """A line from the product in the thread, seen by associates only (e.g. "the customer paid")."""
        conversation = self._conversations.require(conversation_id_)
        customer = self._customers.require(conversation.customer_id)
        chat_consent = effective(customer.consents, Channel.SMS, Purpose.CONVERSATIONAL, conversation.store_id)
        now = self._clock()
        note = Message(
            id=new_id(),
            conversation_id=conversation.id,
            direction=Direction.SYSTEM,
            created_at=now,
            body=body,
            status=MessageStatus.SENT,
        )
        transactions.transact(
            self._customers.table,
            [
                self._conversations.message_put_op(note),
                self._conversations.touch_op(
                    conversation,
                    at=now,
                    preview=preview(body),
                    direction=Direction.SYSTEM,
                    archive_at=archive_due(now, chat_consent, self._settings.get("")),
                ),
            ],
        )
        return note

    def send_from_store(self, conversation_id_: str, body: str) -> Message | None:
        """A text from the store itself (receipts): only while the customer may be texted; None otherwise."""
        conversation = self._conversations.require(conversation_id_)
        customer = self._customers.require(conversation.customer_id)
        store = self._store(conversation.store_id)
        try:
            phone = self._check_can_text(conversation, customer, store)
        except (NoPhone, OptedOut, ConsentRequired, Blocked) as reason:
            logger.info("store text not sent", extra={"conversation_id": conversation.id, "reason": reason.code})
            return None
        return self._send(
            None, conversation, customer=customer, store=store, phone=phone, body=body, media=(), extra_ops=[]
        )

    def _carrier_opt_out(self, conversation: Conversation, customer: Customer, store: Store, message: Message) -> None:
        transactions.transact(
            self._customers.table,
            [
                *self._opt_out.ops(
                    customer,
                    store.id,
                    settings=self._settings.get(""),
                    method=Method.CARRIER,
                    purposes=(Purpose.CONVERSATIONAL, Purpose.MARKETING),
                    now=self._clock(),
                    message_id=message.id,
                    note=CARRIER_NOTE,
                ),
                self._conversations.message_status_op(
                    conversation.id, message_sk(message), MessageStatus.FAILED, 21610
                ),
            ],
        )

    def _check_can_text(self, conversation: Conversation, customer: Customer, store: Store) -> str:
        if not customer.phone_number:
            raise NoPhone()
        state = effective(customer.consents, Channel.SMS, Purpose.CONVERSATIONAL, store.id)
        if state == Status.OPTED_OUT:
            raise OptedOut()
        if state != Status.OPTED_IN:
            raise ConsentRequired()
        if conversation.blocked:
            raise Blocked()
        return customer.phone_number

    def _compose(self, caller: Caller, outgoing: Outgoing, customer: Customer, store: Store) -> str | None:
        parts: list[str] = []
        if outgoing.template_id:
            template = self._templates.get(outgoing.template_id)
            if template is None or (template.store_id and template.store_id != store.id):
                raise Unprocessable(
                    "No such template for this store.", details=[{"field": "templateId", "type": "not_found"}]
                )
            text = pick(template.bodies, store.locale, store.locale) or ""
            associate = self._associates.get(caller.associate_id)
            parts.append(
                render(
                    text,
                    {
                        "customer.first_name": customer.first_name,
                        "customer.last_name": customer.last_name,
                        "associate.display_name": associate.display_name if associate else "",
                        "store.name": store.name,
                    },
                )
            )
        if outgoing.body:
            parts.append(outgoing.body.strip())
        if outgoing.product_ids:
            found = self._products.links(list(outgoing.product_ids))
            missing = [sku for sku in outgoing.product_ids if sku not in found or not found[sku].url]
            if missing:
                raise Unprocessable(
                    f"No product page for {', '.join(missing)} in the catalog.",
                    details=[{"field": "productIds", "type": "not_found", "values": missing}],
                )
            parts += [f"{found[sku].name}: {found[sku].url}" for sku in dict.fromkeys(outgoing.product_ids)]
        return "\n".join(p for p in parts if p) or None

    def _outgoing_media(
        self, caller: Caller, conversation: Conversation, media_keys: tuple[str, ...], phone: str
    ) -> tuple[Media, ...]:
        if not media_keys:
            return ()
        if region_of(phone) not in MMS_COUNTRIES:
            raise Unprocessable(
                "Pictures (MMS) can only be sent to US, Canadian and Australian numbers.",
                details=[{"field": "mediaKeys", "type": "mms_unsupported"}],
            )
        allowed = (f"uploads/{caller.associate_id}/", f"conversations/{conversation.id}/")
        media: list[Media] = []
        for key in dict.fromkeys(media_keys):
            stored = self._media.head(key) if key.startswith(allowed) else None
            if stored is None:
                raise Unprocessable(
                    "An image is not among your uploads or this conversation's media.",
                    details=[{"field": "mediaKeys", "type": "not_found"}],
                )
            media.append(Media(content_type=stored.content_type, state=MediaState.STORED, key=key, size=stored.size))
        return tuple(media)

    # ------------------------------------------------------------------ conversation work
    def mark_read(self, caller: Caller, conversation_id_: str) -> Conversation:
        for _ in range(3):
            conversation = self.get(caller, conversation_id_)
            if conversation.unread_count == 0:
                return conversation
            try:
                transactions.transact(
                    self._customers.table,
                    [
                        self._conversations.conversation_update_op(conversation, conversation.version, unread_count=0),
                        *self._conversations.unread_ops(
                            conversation.store_id, conversation.assignee_id, -conversation.unread_count
                        ),
                    ],
                )
                return dataclasses.replace(conversation, unread_count=0, version=conversation.version + 1)
            except Conflict:
                continue  # a new text arrived meanwhile: read again
        raise Conflict("The conversation keeps changing; retry.")

    def assign(self, caller: Caller, conversation_id_: str, associate_id: str | None) -> Conversation:
        conversation = self.get(caller, conversation_id_)
        if associate_id is not None and associate_id != caller.associate_id:
            caller.require_store(conversation.store_id, role=Role.MANAGER)
        if associate_id is None and conversation.assignee_id not in (None, caller.associate_id):
            caller.require_store(conversation.store_id, role=Role.MANAGER)
        if associate_id is not None:
            self._require_colleague(conversation.store_id, associate_id, available=False)
        return self._reassign(caller, conversation, associate_id, note=None)

    def transfer(self, caller: Caller, conversation_id_: str, to_associate_id: str, note: str | None) -> Conversation:
        conversation = self.get(caller, conversation_id_)
        if conversation.assignee_id not in (None, caller.associate_id):
            caller.require_store(conversation.store_id, role=Role.MANAGER)
        if to_associate_id == conversation.assignee_id:
            raise Conflict("The conversation is already with this associate.")
        self._require_colleague(conversation.store_id, to_associate_id, available=True)
        return self._reassign(caller, conversation, to_associate_id, note=note)

    def _reassign(
        self, caller: Caller, conversation: Conversation, to: str | None, *, note: str | None
    ) -> Conversation:
        now = self._clock()
        ops = [
            self._conversations.conversation_update_op(conversation, conversation.version, assignee_id=to),
            self._conversations.thread_update_op(conversation.store_id, conversation.phone_number or "", assignee_id=to)
            if conversation.phone_number
            else None,
            *self._conversations.unread_ops(
                conversation.store_id, conversation.assignee_id, -conversation.unread_count
            )[1:],
            *self._conversations.unread_ops(conversation.store_id, to, conversation.unread_count)[1:],
        ]
        if note is not None and to is not None:
            ops.append(
                self._conversations.message_put_op(
                    Message(
                        id=new_id(),
                        conversation_id=conversation.id,
                        direction=Direction.NOTE,
                        created_at=now,
                        body=note,
                        status=MessageStatus.SENT,
                        associate_id=caller.associate_id,
                    )
                )
            )
            ops.append(
                outbox.event_op(
                    self._customers.table,
                    "ConversationTransferred",
                    ConversationTransferred(
                        conversation_id=conversation.id,
                        store_id=conversation.store_id,
                        from_associate_id=conversation.assignee_id,
                        to_associate_id=to,
                        by_associate_id=caller.associate_id,
                        note=note,
                        occurred_at=now,
                    ),
                    now=now,
                )
            )
        else:
            ops.append(
                outbox.event_op(
                    self._customers.table,
                    "ConversationAssigned",
                    ConversationAssigned(
                        conversation_id=conversation.id,
                        store_id=conversation.store_id,
                        assignee_id=to,
                        previous_assignee_id=conversation.assignee_id,
                        by_associate_id=caller.associate_id,
                        occurred_at=now,
                    ),
                    now=now,
                )
            )
        transactions.transact(self._customers.table, [op for op in ops if op is not None])
        return dataclasses.replace(conversation, assignee_id=to, version=conversation.version + 1)

    def set_status(self, caller: Caller, conversation_id_: str, status: ConversationStatus) -> Conversation:
        conversation = self.get(caller, conversation_id_)
        if status == ConversationStatus.ARCHIVED:
            raise ValidationFailed(
                "Conversations are archived by the daily sweep; close them instead.",
                details=[{"field": "status", "loc": ["body", "status"], "type": "enum"}],
            )
        if conversation.status == status:
            return conversation
        now = self._clock()
        transactions.transact(
            self._customers.table,
            [
                self._conversations.conversation_update_op(conversation, conversation.version, status=status.value),
                outbox.event_op(
                    self._customers.table,
                    "ConversationStatusChanged",
                    ConversationStatusChanged(
                        conversation_id=conversation.id,
                        store_id=conversation.store_id,
                        status=status.value,
                        previous=conversation.status.value,
                        by_associate_id=caller.associate_id,
                        occurred_at=now,
                    ),
                    now=now,
                ),
            ],
        )
        return dataclasses.replace(conversation, status=status, version=conversation.version + 1)

    # ------------------------------------------------------------------ send later
    def schedule(
        self, caller: Caller, conversation_id_: str, outgoing: Outgoing, send_at: datetime
    ) -> ScheduledMessage:
        """A text to go out at `send_at` (moved to the recipient's next allowed hour), cancellable until then."""
        conversation = self.get(caller, conversation_id_)
        customer = self._customers.require(conversation.customer_id)
        store = self._store(conversation.store_id)
        phone = self._check_can_text(conversation, customer, store)
        now = self._clock()
        if not now + SCHEDULE_MIN_DELAY <= send_at <= now + SCHEDULE_MAX_DELAY:
            raise ValidationFailed(
                "sendAt must be between 1 minute and 1 year from now.",
                details=[{"field": "sendAt", "loc": ["body", "sendAt"], "type": "range"}],
            )
        body = self._compose(caller, outgoing, customer, store)
        media = self._outgoing_media(caller, conversation, outgoing.media_keys, phone)
        if not body and not media:
            raise ValidationFailed(
                "Send a body, a template, products or images.",
                details=[{"field": "body", "loc": ["body", "body"], "type": "missing"}],
            )
        recipient = recipient_zone(phone, fallback_tz=store.time_zone, fallback_country=store.country)
        scheduled = ScheduledMessage(
            id=new_id(),
            conversation_id=conversation.id,
            associate_id=caller.associate_id,
            body=body,
            media=media,
            requested_for=send_at.astimezone(UTC),
            scheduled_for=defer(send_at, MessageKind.SCHEDULED, recipient).astimezone(UTC),
            state=ScheduledState.SCHEDULED,
            created_at=now,
        )
        transactions.transact(self._customers.table, [self._conversations.scheduled_put_op(scheduled)])
        try:
            self._schedules().create(
                _schedule_name(scheduled),
                scheduled.scheduled_for,
                {"conversationId": conversation.id, "scheduledId": scheduled.id},
            )
        except Exception:
            self._conversations.scheduled_transition(scheduled, ScheduledState.FAILED, reason="not_scheduled")
            raise
        return scheduled

    def scheduled(self, caller: Caller, conversation_id_: str) -> list[ScheduledMessage]:
        self.get(caller, conversation_id_)
        return sorted(self._conversations.scheduled_list(conversation_id_), key=lambda s: s.scheduled_for)

    def cancel_scheduled(self, caller: Caller, conversation_id_: str, scheduled_id: str) -> ScheduledMessage:
        self.get(caller, conversation_id_)
        scheduled = self._conversations.scheduled(conversation_id_, scheduled_id)
        if scheduled is None:
            raise NotFound("No such scheduled message.")
        if scheduled.state != ScheduledState.SCHEDULED:
            raise Conflict(f"The message is already {scheduled.state.value}.")
        try:
            self._conversations.scheduled_transition(scheduled, ScheduledState.CANCELLED)
        except transactions.ConditionFailed as error:
            raise Conflict("The message is being sent.") from error
        self._schedules().delete(_schedule_name(scheduled))
        return dataclasses.replace(scheduled, state=ScheduledState.CANCELLED)

    def deliver_scheduled(self, conversation_id_: str, scheduled_id: str) -> ScheduledMessage | None:
        """The schedule fired: send if still scheduled, allowed now and the customer may be texted. At most once:
        a run that dies after claiming the message does not send it twice."""
        scheduled = self._conversations.scheduled(conversation_id_, scheduled_id)
        if scheduled is None or scheduled.state != ScheduledState.SCHEDULED:
            return scheduled
        conversation = self._conversations.require(conversation_id_)
        customer = self._customers.require(conversation.customer_id)
        store = self._store(conversation.store_id)
        now = self._clock()
        recipient = recipient_zone(customer.phone_number, fallback_tz=store.time_zone, fallback_country=store.country)
        allowed = defer(now, MessageKind.SCHEDULED, recipient)
        if allowed > now:
            # Quiet hours began (or the policy changed) since it was scheduled: wait for the next allowed time.
            moved = dataclasses.replace(scheduled, scheduled_for=allowed)
            self._conversations.scheduled_transition(scheduled, ScheduledState.SCHEDULED, scheduled_for=allowed)
            self._schedules().create(
                f"{_schedule_name(scheduled)}-{int(allowed.timestamp())}",
                allowed,
                {"conversationId": conversation.id, "scheduledId": scheduled.id},
            )
            return moved
        try:
            self._conversations.scheduled_transition(scheduled, ScheduledState.SENDING)
        except transactions.ConditionFailed:
            return self._conversations.scheduled(conversation_id_, scheduled_id)  # cancelled or another run
        sending = dataclasses.replace(scheduled, state=ScheduledState.SENDING)
        try:
            phone = self._check_can_text(conversation, customer, store)
        except (NoPhone, OptedOut, ConsentRequired, Blocked) as reason:
            self._conversations.scheduled_transition(sending, ScheduledState.FAILED, reason=reason.code)
            return dataclasses.replace(sending, state=ScheduledState.FAILED, reason=reason.code)
        message = self._send(
            scheduled.associate_id,
            conversation,
            customer=customer,
            store=store,
            phone=phone,
            body=scheduled.body,
            media=scheduled.media,
            extra_ops=[],
        )
        self._conversations.scheduled_transition(sending, ScheduledState.SENT, message_id=message.id)
        return dataclasses.replace(sending, state=ScheduledState.SENT, message_id=message.id)

    def set_topics(self, caller: Caller, conversation_id_: str, topics: list[str]) -> Conversation:
        conversation = self.get(caller, conversation_id_)
        chosen = tuple(sorted(dict.fromkeys(topics)))
        transactions.transact(
            self._customers.table,
            [self._conversations.conversation_update_op(conversation, conversation.version, topics=list(chosen))],
        )
        return dataclasses.replace(conversation, topics=chosen, version=conversation.version + 1)

    def add_note(self, caller: Caller, conversation_id_: str, text: str) -> Message:
        conversation = self.get(caller, conversation_id_)
        note = Message(
            id=new_id(),
            conversation_id=conversation.id,
            direction=Direction.NOTE,
            created_at=self._clock(),
            body=text,
            status=MessageStatus.SENT,
            associate_id=caller.associate_id,
        )
        transactions.transact(self._customers.table, [self._conversations.message_put_op(note)])
        return note

    def set_blocked(self, caller: Caller, conversation_id_: str, blocked: bool) -> Conversation:
        conversation = self.get(caller, conversation_id_)
        if conversation.blocked == blocked:
            return conversation
        now = self._clock()
        ops = [
            self._conversations.conversation_update_op(conversation, conversation.version, blocked=blocked),
            outbox.event_op(
                self._customers.table,
                "CustomerBlocked",
                CustomerBlocked(
                    conversation_id=conversation.id,
                    store_id=conversation.store_id,
                    customer_id=conversation.customer_id,
                    blocked=blocked,
                    by_associate_id=caller.associate_id,
                    occurred_at=now,
                ),
                now=now,
            ),
        ]
        if conversation.phone_number:
            ops.append(
                self._conversations.thread_update_op(conversation.store_id, conversation.phone_number, blocked=blocked)
            )
        # Campaigns read audiences from profiles: the profile keeps the stores that blocked the customer.
        ops.append(
            MarketingRepository(self._customers.table).blocked_op(
                conversation.customer_id, conversation.store_id, blocked=blocked
            )
        )
        transactions.transact(self._customers.table, ops)
        return dataclasses.replace(conversation, blocked=blocked, version=conversation.version + 1)

    def resolve_opt_out_intent(self, caller: Caller, conversation_id_: str, *, stop_chat: bool) -> Conversation:
        """The associate read the text the detector flagged: either the customer wants no chat at all (record a
        conversational opt-out too) or it was not an opt-out (dismiss). Marketing stays opted out either way:
        the detector's HIGH matches already recorded it, and re-opting-in is the customer's move."""
        conversation = self.get(caller, conversation_id_)
        if "opt_out_intent" not in conversation.flags:
            raise Conflict("Nothing to confirm in this conversation.")
        now, settings = self._clock(), self._settings.get("")
        archive_at = archive_due(now, Status.OPTED_OUT, settings) if stop_chat else None
        ops = [self._conversations.clear_flag_op(conversation.id, "opt_out_intent", archive_at=archive_at)]
        if stop_chat:
            customer = self._customers.require(conversation.customer_id)
            ops += self._opt_out.ops(
                customer,
                conversation.store_id,
                settings=settings,
                method=Method.SMS_INTENT,
                purposes=(Purpose.CONVERSATIONAL,),
                now=now,
                associate_id=caller.associate_id,
                note="opt-out in other words, confirmed by the associate",
                except_conversation=conversation.id,
            )
        transactions.transact(self._customers.table, ops)
        return dataclasses.replace(conversation, flags=tuple(f for f in conversation.flags if f != "opt_out_intent"))

    def search(self, caller: Caller, store_id: str, text: str, *, limit: int = 25) -> list[Conversation]:
        """Conversations of a store, open or not, by the customer's name, phone or email, or a word written."""
        caller.require_store(store_id)
        store = self._store(store_id)
        query = text.strip()
        if "@" in query:
            customers = self._customers.find_exact("EMAIL", query.lower(), limit=limit, cursor=None).items
        elif sum(c.isdigit() for c in query) >= 6:
            try:
                phone = to_e164(query, store.country)
            except InvalidPhoneNumber:
                return []
            customers = self._customers.find_exact("PHONE", phone, limit=limit, cursor=None).items
        else:
            customers = self._customers.search_names(query, limit=limit, cursor=None).items
        ids = [conversation_id(store_id, c.id) for c in customers]
        terms = [t for t in query_terms(query) if len(t) >= MIN_WORD_LENGTH]
        if terms and "@" not in query:
            ids += self._conversations.search_words(store_id, max(terms, key=len), limit=limit)
        found = self._conversations.get_many(list(dict.fromkeys(ids))[: limit * 2])
        return sorted((c for c in found if c.store_id == store_id), key=lambda c: c.last_activity_at, reverse=True)[
            :limit
        ]

    def upload_slot(self, caller: Caller, content_type: str, size: int) -> tuple[str, PresignedUpload, int]:
        """Where the app uploads an image it will send: under the caller's own prefix."""
        caller.require_role(Role.ASSOCIATE)
        key = f"uploads/{caller.associate_id}/{new_id()}.{UPLOAD_EXTENSIONS[content_type]}"
        return (
            key,
            self._media.presign_upload(key, content_type=content_type, size=size, expires_in=UPLOAD_SECONDS),
            UPLOAD_SECONDS,
        )

    def now(self) -> datetime:
        return self._clock()

    # ------------------------------------------------------------------ helpers
    def _store(self, store_id: str) -> Store:
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        return store

    def _require_colleague(self, store_id: str, associate_id: str, *, available: bool) -> None:
        associate = self._associates.get(associate_id)
        if associate is None or store_id not in associate.store_ids or not associate.active:
            raise Unprocessable(
                "This associate does not work in the conversation's store.",
                details=[{"field": "associateId", "type": "not_a_colleague"}],
            )
        if available and associate.availability != Availability.AVAILABLE:
            raise Conflict("This associate is unavailable; pick someone available.")


def _schedule_name(scheduled: ScheduledMessage) -> str:
    return f"msg-{scheduled.id}"
