"""Texting a customer: an associate's message (typed, from a saved reply, with product links or pictures), a text
from the store itself (receipts), a line from the product in the thread, and the one pipeline every outbound text
goes through: written first, handed to the provider, then marked with the provider's answer.

Nothing goes to a customer who has not opted in to the store's texts, who opted out, or whom the store blocked.
`Sender` is also messaging's `TextSender` port (commerce shares carts through it) and `StoreTexts` port.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from clienteling.directory.ports import (
    AssociateLookup,
    Channel,
    Customer,
    CustomerRecords,
    Method,
    ProductLookup,
    Purpose,
    SettingsLookup,
    Status,
    Store,
    StoreLookup,
    effective,
)
from clienteling.kernel.access import Caller
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import (
    Blocked,
    ConsentRequired,
    NoPhone,
    NotFound,
    OptedOut,
    Unprocessable,
    ValidationFailed,
)
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.phone import region_of
from clienteling.kernel.providers import MediaStorage, RecipientOptedOut, SmsError, SmsSender
from clienteling.kernel.transactions import ConditionFailed
from clienteling.kernel.unit_of_work import StartWork, UnitOfWork
from clienteling.messaging.domain import segments
from clienteling.messaging.domain.archiving import archive_due
from clienteling.messaging.domain.conversations import (
    Conversation,
    Direction,
    Media,
    MediaState,
    Message,
    MessageStatus,
    conversation_id,
    preview,
)
from clienteling.messaging.domain.templates import pick, render
from clienteling.messaging.domain.texting import TextingContext
from clienteling.messaging.repositories.conversations import ConversationRepository, message_sk
from clienteling.messaging.repositories.templates import TemplateRepository
from clienteling.messaging.services.consent_copies import CARRIER_NOTE, SmsOptOut
from clienteling.messaging.services.outbound import record_accepted, status_callback

MMS_COUNTRIES = frozenset({"US", "CA", "AU"})
MEDIA_URL_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Outgoing:
    body: str | None = None
    template_id: str | None = None
    product_ids: tuple[str, ...] = ()
    media_keys: tuple[str, ...] = ()


def visible_conversation(conversations: ConversationRepository, caller: Caller, conversation_id_: str) -> Conversation:
    conversation = conversations.get(conversation_id_)
    if conversation is None or not caller.can_access_store(conversation.store_id):
        # Same answer for another store's conversation as for none: ids are not confirmed.
        raise NotFound("No such conversation in your stores.")
    return conversation


def texting_phone(conversation: Conversation, customer: Customer, store: Store) -> str:
    """The number to text, or why the store may not text this customer now (409s, or 422 without a number)."""
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


def download_url(storage: MediaStorage, media: Media) -> str | None:
    """A short-lived link to a stored picture (the app and the provider never get the bucket's own)."""
    if media.state != MediaState.STORED or not media.key:
        return None
    return storage.presign_download(media.key, expires_in=MEDIA_URL_SECONDS)


def nothing_to_send() -> ValidationFailed:
    return ValidationFailed(
        "Send a body, a template, products or images.",
        details=[{"field": "body", "loc": ["body", "body"], "type": "missing"}],
    )


class Sender:
    def __init__(
        self,
        *,
        conversations: ConversationRepository,
        customers: CustomerRecords,
        associates: AssociateLookup,
        templates: TemplateRepository,
        products: ProductLookup,
        stores: StoreLookup,
        settings: SettingsLookup,
        media: MediaStorage,
        sms: Callable[[], SmsSender],
        opt_out: SmsOptOut,
        work: StartWork,
        clock: Clock,
        status_callback_url: str,
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
        self._opt_out = opt_out
        self._work = work
        self._clock = clock
        self._status_callback_url = status_callback_url

    # ------------------------------------------------------------------ who may be texted
    def context(self, caller: Caller, conversation_id_: str) -> TextingContext:
        """What sending in this conversation needs, or what `send` would refuse (404, 409 consent_required /
        opted_out / blocked, 422 no_phone) before anything is prepared."""
        return self._context(visible_conversation(self._conversations, caller, conversation_id_))

    def context_for(self, caller: Caller, store_id: str, customer_id: str) -> TextingContext:
        """TextSender port: the same, found by store and customer (a cart's)."""
        return self.context(caller, conversation_id(store_id, customer_id))

    def _context(self, conversation: Conversation) -> TextingContext:
        customer = self.customer(conversation.customer_id)
        return self.texting_context(conversation, customer, self.store(conversation.store_id))

    @staticmethod
    def texting_context(conversation: Conversation, customer: Customer, store: Store) -> TextingContext:
        return TextingContext(conversation, customer, store, texting_phone(conversation, customer, store))

    def customer(self, customer_id: str) -> Customer:
        return self._customers.require(customer_id)

    def store(self, store_id: str) -> Store:
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        return store

    # ------------------------------------------------------------------ sending
    def send(self, caller: Caller, conversation_id_: str, outgoing: Outgoing) -> Message:
        """An associate's message in a conversation."""
        context = self.context(caller, conversation_id_)
        body = self.compose(caller, outgoing, context.customer, context.store)
        media = self.outgoing_media(caller, context.conversation, outgoing.media_keys, context.phone)
        if not body and not media:
            raise nothing_to_send()
        return self.transmit(caller.associate_id, context, body=body, media=media)

    def send_text(self, caller: Caller, context: TextingContext, body: str) -> Message:
        """TextSender port: a text the caller wrote elsewhere in the product (a shared cart's link)."""
        text = body.strip() or None
        if not text:
            raise nothing_to_send()
        return self.transmit(caller.associate_id, context, body=text, media=())

    def send_from_store(self, conversation_id_: str, body: str) -> Message | None:
        """StoreTexts port: a text from the store itself (receipts), only while the customer may be texted; None
        otherwise."""
        conversation = self._conversations.require(conversation_id_)
        try:
            context = self._context(conversation)
        except (NoPhone, OptedOut, ConsentRequired, Blocked) as reason:
            logger.info("store text not sent", extra={"conversation_id": conversation.id, "reason": reason.code})
            return None
        return self.transmit(None, context, body=body, media=())

    def post_system(self, conversation_id_: str, body: str) -> Message:
        """StoreTexts port: a line from the product in the thread, seen by associates only ("the customer paid")."""
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
        with self._work() as work:
            work.add(
                self._conversations.message_put_op(note),
                self._conversations.touch_op(
                    conversation,
                    at=now,
                    preview=preview(body),
                    direction=Direction.SYSTEM,
                    archive_at=archive_due(now, chat_consent, self._settings.get("")),
                ),
            )
        return note

    def transmit(
        self,
        associate_id: str | None,
        context: TextingContext,
        *,
        body: str | None,
        media: tuple[Media, ...],
        work: UnitOfWork | None = None,
        chat_consent: Status = Status.OPTED_IN,
        index_also: str | None = None,
    ) -> Message:
        """The one way a text leaves: the message is written (with whatever `work` already holds, in the same
        transaction) and the conversation moves to the top of the inboxes; then the provider is asked; then its
        answer is written. A refusal is recorded on the message (and a carrier opt-out as the customer's)."""
        conversation, store = context.conversation, context.store
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
        with work or self._work() as written:
            written.add(self._conversations.message_put_op(message))
            written.extend(self._conversations.word_ops(store.id, conversation.id, f"{body or ''} {index_also or ''}"))
            written.add(
                self._conversations.touch_op(
                    conversation,
                    at=now,
                    preview=preview(body, len(media)),
                    direction=Direction.OUTBOUND,
                    archive_at=archive_due(now, chat_consent, self._settings.get("")),
                    outbound_associate_id=associate_id,
                )
            )
        media_urls = [url for url in (self.media_url(m) for m in media) if url]
        callback = status_callback(self._status_callback_url, message)
        try:
            sent = self._sms().send(
                from_=store.phone_number,
                to=context.phone,
                body=body,
                media_urls=media_urls,
                status_callback=callback,
            )
        except RecipientOptedOut:
            logger.info("carrier reports the recipient opted out", extra={"conversation_id": conversation.id})
            self._carrier_opt_out(context, message)
            return dataclasses.replace(message, status=MessageStatus.FAILED, error_code=21610)
        except SmsError as error:
            logger.warning("sending failed", extra={"conversation_id": conversation.id, "code": error.code})
            with self._work() as failed:
                failed.add(
                    self._conversations.message_status_op(
                        conversation.id, message_sk(message), MessageStatus.FAILED, error.code
                    )
                )
            return dataclasses.replace(message, status=MessageStatus.FAILED, error_code=error.code)
        with self._work() as accepted:
            record_accepted(
                accepted,
                self._conversations,
                message,
                sent.sid,
                store_id=store.id,
                customer_id=context.customer.id,
                now=now,
            )
        status = MessageStatus(sent.status)
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

    def _advance_status(self, conversation_id_: str, message: Message, status: MessageStatus) -> None:
        """The provider already knows more than "queued"; a status callback may have said it first."""
        try:
            with self._work() as work:
                work.add(self._conversations.message_status_op(conversation_id_, message_sk(message), status, None))
        except ConditionFailed:
            logger.info("a status callback was first", extra={"message_id": message.id})

    def _carrier_opt_out(self, context: TextingContext, message: Message) -> None:
        with self._work() as work:
            self._opt_out.record(
                work,
                context.customer,
                context.store.id,
                settings=self._settings.get(""),
                method=Method.CARRIER,
                purposes=(Purpose.CONVERSATIONAL, Purpose.MARKETING),
                now=self._clock(),
                message_id=message.id,
                note=CARRIER_NOTE,
            )
            work.add(
                self._conversations.message_status_op(
                    context.conversation.id, message_sk(message), MessageStatus.FAILED, 21610
                )
            )

    # ------------------------------------------------------------------ what an associate's message holds
    def compose(self, caller: Caller, outgoing: Outgoing, customer: Customer, store: Store) -> str | None:
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

    def outgoing_media(
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

    def media_url(self, media: Media) -> str | None:
        return download_url(self._media, media)
