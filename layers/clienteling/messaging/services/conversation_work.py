"""Working a conversation: reading it and its messages, marking it read, assigning and transferring it, closing and
reopening, topics, staff notes, blocking the customer, confirming an opt-out written in other words, and the upload
slot for a picture to send.

Store scoping is enforced here: every method checks that the caller works in the conversation's store.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from clienteling.directory.ports import (
    AssociateLookup,
    Availability,
    CustomerRecords,
    Method,
    Purpose,
    SettingsLookup,
    Status,
)
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Conflict, Unprocessable, ValidationFailed
from clienteling.kernel.ids import new_id
from clienteling.kernel.pages import Page
from clienteling.kernel.providers import MediaStorage, PresignedUpload
from clienteling.kernel.unit_of_work import StartWork, retry_race
from clienteling.messaging.domain.archiving import archive_due
from clienteling.messaging.domain.conversations import (
    Conversation,
    ConversationStatus,
    Direction,
    Media,
    Message,
    MessageStatus,
)
from clienteling.messaging.events import (
    ConversationAssigned,
    ConversationStatusChanged,
    ConversationTransferred,
    CustomerBlocked,
)
from clienteling.messaging.repositories.conversations import ConversationRepository
from clienteling.messaging.services.consent_copies import SmsOptOut
from clienteling.messaging.services.sending import download_url, visible_conversation

UPLOAD_SECONDS = 900
UPLOAD_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}


class ConversationWork:
    def __init__(
        self,
        *,
        conversations: ConversationRepository,
        customers: CustomerRecords,
        associates: AssociateLookup,
        settings: SettingsLookup,
        media: MediaStorage,
        opt_out: SmsOptOut,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._conversations = conversations
        self._customers = customers
        self._associates = associates
        self._settings = settings
        self._media = media
        self._opt_out = opt_out
        self._work = work
        self._clock = clock

    # ------------------------------------------------------------------ reading
    def get(self, caller: Caller, conversation_id_: str) -> Conversation:
        return visible_conversation(self._conversations, caller, conversation_id_)

    def messages(self, caller: Caller, conversation_id_: str, *, limit: int, cursor: str | None) -> Page[Message]:
        self.get(caller, conversation_id_)
        return self._conversations.messages(conversation_id_, limit=limit, cursor=cursor)

    def media_url(self, media: Media) -> str | None:
        return download_url(self._media, media)

    # ------------------------------------------------------------------ the associate's work
    def mark_read(self, caller: Caller, conversation_id_: str) -> Conversation:
        def attempt() -> Conversation:
            conversation = self.get(caller, conversation_id_)
            if conversation.unread_count == 0:
                return conversation
            with self._work() as work:
                work.add(self._conversations.conversation_update_op(conversation, conversation.version, unread_count=0))
                work.extend(
                    self._conversations.unread_ops(
                        conversation.store_id, conversation.assignee_id, -conversation.unread_count
                    )
                )
            return dataclasses.replace(conversation, unread_count=0, version=conversation.version + 1)

        # A new text arriving meanwhile changes the conversation: read it again.
        return retry_race(
            attempt, on=(Conflict,), exhausted=lambda: Conflict("The conversation keeps changing; retry.")
        )

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
        with self._work() as work:
            work.add(self._conversations.conversation_update_op(conversation, conversation.version, assignee_id=to))
            if conversation.phone_number:
                work.add(
                    self._conversations.thread_update_op(
                        conversation.store_id, conversation.phone_number, assignee_id=to
                    )
                )
            # The store's own counter does not move: only the assignees' do.
            work.extend(
                self._conversations.unread_ops(
                    conversation.store_id, conversation.assignee_id, -conversation.unread_count
                )[1:]
            )
            work.extend(self._conversations.unread_ops(conversation.store_id, to, conversation.unread_count)[1:])
            if note is not None and to is not None:
                work.add(
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
                work.emit(
                    ConversationTransferred(
                        conversation_id=conversation.id,
                        store_id=conversation.store_id,
                        from_associate_id=conversation.assignee_id,
                        to_associate_id=to,
                        by_associate_id=caller.associate_id,
                        note=note,
                        occurred_at=now,
                    )
                )
            else:
                work.emit(
                    ConversationAssigned(
                        conversation_id=conversation.id,
                        store_id=conversation.store_id,
                        assignee_id=to,
                        previous_assignee_id=conversation.assignee_id,
                        by_associate_id=caller.associate_id,
                        occurred_at=now,
                    )
                )
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
        with self._work() as work:
            work.add(
                self._conversations.conversation_update_op(conversation, conversation.version, status=status.value)
            )
            work.emit(
                ConversationStatusChanged(
                    conversation_id=conversation.id,
                    store_id=conversation.store_id,
                    status=status.value,
                    previous=conversation.status.value,
                    by_associate_id=caller.associate_id,
                    occurred_at=now,
                )
            )
        return dataclasses.replace(conversation, status=status, version=conversation.version + 1)

    def set_topics(self, caller: Caller, conversation_id_: str, topics: list[str]) -> Conversation:
        conversation = self.get(caller, conversation_id_)
        chosen = tuple(sorted(dict.fromkeys(topics)))
        with self._work() as work:
            work.add(
                self._conversations.conversation_update_op(conversation, conversation.version, topics=list(chosen))
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
        with self._work() as work:
            work.add(self._conversations.message_put_op(note))
        return note

    def set_blocked(self, caller: Caller, conversation_id_: str, blocked: bool) -> Conversation:
        conversation = self.get(caller, conversation_id_)
        if conversation.blocked == blocked:
            return conversation
        now = self._clock()
        with self._work() as work:
            work.add(self._conversations.conversation_update_op(conversation, conversation.version, blocked=blocked))
            work.emit(
                CustomerBlocked(
                    conversation_id=conversation.id,
                    store_id=conversation.store_id,
                    customer_id=conversation.customer_id,
                    blocked=blocked,
                    by_associate_id=caller.associate_id,
                    occurred_at=now,
                )
            )
            if conversation.phone_number:
                work.add(
                    self._conversations.thread_update_op(
                        conversation.store_id, conversation.phone_number, blocked=blocked
                    )
                )
            # Campaigns read audiences from profiles: the profile keeps the stores that blocked the customer.
            work.add(self._customers.blocked_op(conversation.customer_id, conversation.store_id, blocked=blocked))
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
        with self._work() as work:
            work.add(self._conversations.clear_flag_op(conversation.id, "opt_out_intent", archive_at=archive_at))
            if stop_chat:
                self._opt_out.record(
                    work,
                    self._customers.require(conversation.customer_id),
                    conversation.store_id,
                    settings=settings,
                    method=Method.SMS_INTENT,
                    purposes=(Purpose.CONVERSATIONAL,),
                    now=now,
                    associate_id=caller.associate_id,
                    note="opt-out in other words, confirmed by the associate",
                    except_conversation=conversation.id,
                )
        return dataclasses.replace(conversation, flags=tuple(f for f in conversation.flags if f != "opt_out_intent"))

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

    def _require_colleague(self, store_id: str, associate_id: str, *, available: bool) -> None:
        associate = self._associates.get(associate_id)
        if associate is None or store_id not in associate.store_ids or not associate.active:
            raise Unprocessable(
                "This associate does not work in the conversation's store.",
                details=[{"field": "associateId", "type": "not_a_colleague"}],
            )
        if available and associate.availability != Availability.AVAILABLE:
            raise Conflict("This associate is unavailable; pick someone available.")
