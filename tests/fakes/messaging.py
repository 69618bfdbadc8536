"""Messaging in memory: the conversations an inbound text reads and writes (messaging.services.inbound's
InboundConversations, ConversationRepository in the product) and the campaign sender's texts write through
messaging's own OutboundLog (its OutboundConversations, and SmsOptOut's ThreadCopies), and the TextSender port commerce
texts through."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from clienteling.directory.ports import CustomerRecords, Status, StoreLookup
from clienteling.kernel import keys
from clienteling.kernel.access import Caller
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import DomainError, NotFound
from clienteling.kernel.ids import new_id
from clienteling.kernel.pages import Page
from clienteling.kernel.providers import SmsError, SmsSender
from clienteling.kernel.transactions import Op
from clienteling.messaging.domain import segments
from clienteling.messaging.domain.conversations import (
    STATUS_RANK,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
    conversation_id,
    index_words,
)
from clienteling.messaging.domain.texting import TextingContext
from clienteling.messaging.repositories.conversations import PROVIDER_MARKER_TTL, Thread, message_sk
from clienteling.messaging.services.sending import nothing_to_send, texting_phone

from tests.fakes.directory import FakeCustomers
from tests.fakes.storage import fake_op, run

OPT_OUT_FLAG = "opt_out_intent"
_THREAD_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Thread)}


class FakeConversations:
    """Conversations, their messages, SMS threads, provider markers, search words and unread counters in memory,
    for the inbound use case and the campaign sender's texts (through the real OutboundLog and SmsOptOut). Each
    operation mirrors ConversationRepository's method of the same name:

    - `provider_marker_op`: claims a MessageSid (condition: not seen; the service names the error);
    - `first_contact_ops`: the thread (condition: new, else `race`) and the customer's link to the conversation;
      with `keep_existing` (ensure_thread_op), no condition: a thread already there keeps its fields and only gets
      those it lacks (if_not_exists);
    - `thread_update_op`: sets fields of an existing thread (condition: it exists; None removes a field);
    - `message_put_op`: a new message (condition: new);
    - `message_sid_op`: the provider's sid on a message (condition: the message exists);
    - `message_status_op`: moves a message's status forward only (condition: it exists and its status ranks lower,
      or the same with `allow_same`), with the error code and the sid when given;
    - `message_delete_op`: takes a message back; no condition;
    - `touch_op`: upserts the conversation (identity kept when it exists), moves it to the top of the open inbox,
      counts `unread_delta`, adds the opt-out flag once, and sets its archiving time; no condition;
    - `ensure_conversation_op`: a campaign text's conversation: created closed and in no inbox when new, an existing
      one left as it is (only what it lacks is filled in); no condition;
    - `archive_due_op`: moves the archiving time (condition: the conversation exists);
    - `unread_ops`: the store's and the assignee's unread counters; `word_ops`: the search words.

    `inbound_context` reads the customer owning the phone through `customers` (the real one reads the directory's
    phone marker in the same BatchGetItem).
    """

    def __init__(self, customers: FakeCustomers) -> None:
        self._customers = customers
        self._threads: dict[tuple[str, str], Thread] = {}
        self._markers: dict[str, dict[str, Any]] = {}
        self._links: dict[str, dict[str, str]] = {}  # customer id -> store id -> conversation id
        self._conversations: dict[str, Conversation] = {}
        self.archive_at: dict[str, datetime] = {}  # conversation id -> when the archiving sweep takes it
        self._messages: dict[str, dict[str, Message]] = {}  # conversation id -> message sort key -> message
        self._words: dict[tuple[str, str], set[str]] = {}  # (store id, word) -> conversation ids
        self._store_unread: Counter[str] = Counter()
        self._associate_unread: Counter[tuple[str, str]] = Counter()

    # ------------------------------------------------------------------ given
    def add_thread(self, thread: Thread) -> Thread:
        """A thread as an earlier first contact left it (an opt-in request, an earlier text)."""
        run(self.first_contact_ops(thread))
        return thread

    def block(self, conversation_id_: str) -> None:
        """What ConversationWork.set_blocked writes: the conversation, its thread and the customer's profile."""
        conversation = self._conversations[conversation_id_]
        self._conversations[conversation.id] = dataclasses.replace(
            conversation, blocked=True, version=conversation.version + 1
        )
        run(
            [
                self.thread_update_op(conversation.store_id, conversation.phone_number or "", blocked=True),
                self._customers.blocked_op(conversation.customer_id, conversation.store_id, blocked=True),
            ]
        )

    # ------------------------------------------------------------------ reads
    def inbound_context(self, store_id: str, phone: str) -> tuple[Thread | None, str | None]:
        return self._threads.get((store_id, phone)), self._customers.id_by_phone(phone)

    def get(self, conversation_id_: str, /) -> Conversation | None:
        return self._conversations.get(conversation_id_)

    def thread(self, store_id: str, phone: str) -> Thread | None:
        return self._threads.get((store_id, phone))

    def messages(self, conversation_id_: str, *, limit: int, cursor: str | None) -> Page[Message]:
        """The newest `limit` messages, oldest first (one page: as ConversationRepository.messages' first)."""
        if cursor is not None:
            raise NotImplementedError("one page only")
        ordered = [m for _, m in sorted(self._messages.get(conversation_id_, {}).items())]
        return Page(ordered[-limit:])

    def provider_marker(self, sid: str) -> dict[str, Any] | None:
        marker = self._markers.get(sid)
        return dict(marker) if marker is not None else None

    def links(self, customer_id: str) -> list[tuple[str, str]]:
        return sorted(self._links.get(customer_id, {}).items())

    def unread(self, store_ids: list[str], associate_id: str) -> tuple[dict[str, int], dict[str, int]]:
        stores = {s: max(0, self._store_unread[s]) for s in store_ids}
        mine = {s: max(0, self._associate_unread[(associate_id, s)]) for s in store_ids}
        return stores, mine

    def search_words(self, store_id: str, term: str, *, limit: int) -> list[str]:
        found = {c for (store, word), ids in self._words.items() if store == store_id and word.startswith(term)
                 for c in ids}  # fmt: skip
        return sorted(found)[:limit]

    # ------------------------------------------------------------------ operations
    def provider_marker_op(self, sid: str, attributes: dict[str, Any], *, now: datetime) -> Op:
        marker = {k: v for k, v in attributes.items() if v is not None}
        marker["expires_at"] = int((now + PROVIDER_MARKER_TTL).timestamp())

        def claim() -> None:
            self._markers[sid] = marker

        return fake_op(
            keys.provider_message(sid),
            "provider_marker_put",
            apply=claim,
            condition=lambda: sid not in self._markers,
            subject=marker,
        )

    def thread_update_op(self, store_id: str, phone: str, **changes: Any) -> Op:
        unknown = set(changes) - set(_THREAD_DEFAULTS)
        if unknown:
            raise TypeError(f"a thread has no {sorted(unknown)}")

        def update() -> None:
            current = self._threads[(store_id, phone)]
            values = {name: _thread_value(name, value) for name, value in changes.items()}
            self._threads[(store_id, phone)] = dataclasses.replace(current, **values)

        return fake_op(
            keys.thread(store_id, phone),
            "thread_update",
            apply=update,
            condition=lambda: (store_id, phone) in self._threads,
            subject=changes,
        )

    def first_contact_ops(
        self, thread: Thread, *, keep_existing: bool = False, race: DomainError | None = None
    ) -> list[Op]:
        where = (thread.store_id, thread.phone)

        def put_thread() -> None:
            existing = self._threads.get(where)
            if keep_existing and existing is not None:
                missing = {f.name: getattr(thread, f.name) for f in dataclasses.fields(Thread)
                           if getattr(existing, f.name) is None}  # fmt: skip
                self._threads[where] = dataclasses.replace(existing, **missing)
            else:
                self._threads[where] = thread

        def link() -> None:
            self._links.setdefault(thread.customer_id, {})[thread.store_id] = thread.conversation_id

        return [
            fake_op(
                keys.thread(*where),
                "thread_put",
                apply=put_thread,
                condition=(lambda: True) if keep_existing else (lambda: where not in self._threads),
                error=None if keep_existing else race,
                subject=thread,
            ),
            fake_op(keys.customer_conversation(thread.customer_id, thread.store_id), "conversation_link", apply=link),
        ]

    def message_put_op(self, message: Message) -> Op:
        sort_key = message_sk(message)

        def put() -> None:
            self._messages.setdefault(message.conversation_id, {})[sort_key] = message

        return fake_op(
            {"PK": keys.conversation_partition(message.conversation_id), "SK": sort_key},
            "message_put",
            apply=put,
            condition=lambda: sort_key not in self._messages.get(message.conversation_id, {}),
            subject=message,
        )

    def message_sid_op(self, conversation_id: str, message_sk: str, sid: str) -> Op:
        def record() -> None:
            messages = self._messages[conversation_id]
            messages[message_sk] = dataclasses.replace(messages[message_sk], provider_sid=sid)

        return fake_op(
            {"PK": keys.conversation_partition(conversation_id), "SK": message_sk},
            "message_sid",
            apply=record,
            condition=lambda: message_sk in self._messages.get(conversation_id, {}),
            subject=sid,
        )

    def message_status_op(
        self,
        conversation_id: str,
        message_sk: str,
        status: MessageStatus,
        error_code: int | None,
        *,
        sid: str | None = None,
        allow_same: bool = False,
    ) -> Op:
        def forward() -> bool:
            current = self._messages.get(conversation_id, {}).get(message_sk)
            if current is None:
                return False
            before, after = STATUS_RANK[current.status], STATUS_RANK[status]
            return before <= after if allow_same else before < after

        def change() -> None:
            messages = self._messages[conversation_id]
            current = messages[message_sk]
            messages[message_sk] = dataclasses.replace(
                current,
                status=status,
                error_code=error_code if error_code is not None else current.error_code,
                provider_sid=sid if sid is not None else current.provider_sid,
            )

        return fake_op(
            {"PK": keys.conversation_partition(conversation_id), "SK": message_sk},
            "message_status",
            apply=change,
            condition=forward,
            subject=status,
        )

    def message_delete_op(self, message: Message) -> Op:
        sort_key = message_sk(message)

        def delete() -> None:
            self._messages.get(message.conversation_id, {}).pop(sort_key, None)

        return fake_op(
            {"PK": keys.conversation_partition(message.conversation_id), "SK": sort_key},
            "message_delete",
            apply=delete,
            subject=message,
        )

    def ensure_conversation_op(self, conversation: Conversation, *, at: datetime, preview: str) -> Op:
        def ensure() -> None:
            existing = self._conversations.get(conversation.id)
            if existing is None:
                self._conversations[conversation.id] = dataclasses.replace(
                    conversation,
                    status=ConversationStatus.CLOSED,
                    last_activity_at=at,
                    last_message_preview=preview,
                    last_direction=Direction.OUTBOUND,
                    version=1,
                    unread_count=0,
                )
            elif existing.phone_number is None and conversation.phone_number:
                self._conversations[conversation.id] = dataclasses.replace(
                    existing, phone_number=conversation.phone_number
                )

        return fake_op(keys.conversation(conversation.id), "conversation_ensure", apply=ensure, subject=conversation)

    def archive_due_op(self, conversation_id: str, due: datetime) -> Op:
        def move() -> None:
            self.archive_at[conversation_id] = due

        return fake_op(
            keys.conversation(conversation_id),
            "conversation_archive_due",
            apply=move,
            condition=lambda: conversation_id in self._conversations,
            subject=due,
        )

    def word_ops(self, store_id: str, conversation_id: str, text: str | None) -> list[Op]:
        def index(word: str) -> Callable[[], None]:
            return lambda: self._words.setdefault((store_id, word), set()).add(conversation_id)

        return [
            fake_op(keys.conversation_word(store_id, word, conversation_id), "conversation_word", apply=index(word))
            for word in index_words(text)
        ]

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
    ) -> Op:
        def touch() -> None:
            existing = self._conversations.get(conversation.id)
            base = existing or dataclasses.replace(conversation, version=0, unread_count=0, flags=(), blocked=False)
            flags = base.flags + ((OPT_OUT_FLAG,) if flag_opt_out and OPT_OUT_FLAG not in base.flags else ())
            self._conversations[conversation.id] = dataclasses.replace(
                base,
                status=ConversationStatus.OPEN,
                last_activity_at=at,
                last_message_preview=preview,
                last_direction=direction,
                version=base.version + 1,
                unread_count=base.unread_count + unread_delta,
                phone_number=conversation.phone_number or base.phone_number,
                assignee_id=conversation.assignee_id or base.assignee_id,
                last_outbound_associate_id=outbound_associate_id or base.last_outbound_associate_id,
                flags=flags,
            )
            self.archive_at[conversation.id] = archive_at

        return fake_op(keys.conversation(conversation.id), "conversation_touch", apply=touch, subject=conversation)

    def unread_ops(self, store_id: str, assignee_id: str | None, delta: int) -> list[Op]:
        def count_store() -> None:
            self._store_unread[store_id] += delta

        ops = [fake_op(keys.store_unread(store_id), "store_unread", apply=count_store)]
        if assignee_id:

            def count_mine() -> None:
                self._associate_unread[(assignee_id, store_id)] += delta

            ops.append(fake_op(keys.associate_unread(assignee_id, store_id), "associate_unread", apply=count_mine))
        return ops


def _thread_value(name: str, value: Any) -> Any:
    """A thread field as the real repository reads it back: removed (None) is its default, statuses are Status."""
    if value is None:
        return _THREAD_DEFAULTS[name]
    if name.startswith("sms_"):
        return Status(value)
    return value


class FakeTextSender:
    """messaging.ports.TextSender, with messaging's own rules (mirrors Sender.context_for and Sender.send_text):

    - `context_for`: 404 unless the store has a conversation with the customer (`open_conversation`) in the
      caller's stores; then what sending would refuse, by the real `texting_phone` rule (422 no_phone, 409
      opted_out, consent_required, blocked);
    - `send_text`: a blank text is a 400; the text goes to the SmsSender from the store's number, as
      Sender.transmit hands it over, and the message comes back with the provider's sid and status (failed with
      the provider's code when it refused). What transmit writes in the conversation is not kept here.
    """

    def __init__(self, *, customers: CustomerRecords, stores: StoreLookup, sms: SmsSender, clock: Clock) -> None:
        self._customers = customers
        self._stores = stores
        self._sms = sms
        self._clock = clock
        self._conversations: dict[str, Conversation] = {}
        self.sent: list[Message] = []

    def open_conversation(self, store_id: str, customer_id: str) -> Conversation:
        """Given: the store and the customer have texted before (an opt-in request, a text)."""
        customer = self._customers.require(customer_id)
        now = self._clock() - timedelta(days=1)
        conversation = Conversation(
            id=conversation_id(store_id, customer_id),
            store_id=store_id,
            customer_id=customer_id,
            customer_name=f"{customer.first_name} {customer.last_name}",
            status=ConversationStatus.OPEN,
            created_at=now,
            last_activity_at=now,
            phone_number=customer.phone_number,
        )
        self._conversations[conversation.id] = conversation
        return conversation

    def context_for(self, caller: Caller, store_id: str, customer_id: str) -> TextingContext:
        conversation = self._conversations.get(conversation_id(store_id, customer_id))
        if conversation is None or not caller.can_access_store(conversation.store_id):
            raise NotFound("No such conversation in your stores.")
        customer = self._customers.require(conversation.customer_id)
        store = self._stores.get(conversation.store_id)
        if store is None:
            raise NotFound("No such store.")
        return TextingContext(conversation, customer, store, texting_phone(conversation, customer, store))

    def send_text(self, caller: Caller, context: TextingContext, body: str) -> Message:
        text = body.strip()
        if not text:
            raise nothing_to_send()
        count = segments.count(text)
        message = Message(
            id=new_id(),
            conversation_id=context.conversation.id,
            direction=Direction.OUTBOUND,
            created_at=self._clock(),
            body=text,
            status=MessageStatus.QUEUED,
            associate_id=caller.associate_id,
            encoding=count.encoding.value,
            segments=count.segments,
        )
        try:
            sent = self._sms.send(
                from_=context.store.phone_number, to=context.phone, body=text, media_urls=[], status_callback=None
            )
        except SmsError as error:
            message = dataclasses.replace(message, status=MessageStatus.FAILED, error_code=error.code)
        else:
            message = dataclasses.replace(message, status=MessageStatus(sent.status), provider_sid=sent.sid)
        self.sent.append(message)
        return message
