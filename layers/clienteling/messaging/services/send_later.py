"""Send later: a text written now goes out at a given time (one EventBridge Scheduler schedule per message), moved
to the recipient's next allowed hour when it falls in quiet hours, cancellable until it goes; consent is checked
again when it goes, and it goes at most once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from clienteling.kernel.access import Caller
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Blocked, Conflict, ConsentRequired, NoPhone, NotFound, OptedOut, ValidationFailed
from clienteling.kernel.ids import new_id
from clienteling.kernel.providers import Schedules
from clienteling.kernel.quiet_hours import MessageKind, defer, recipient_zone
from clienteling.kernel.transactions import ConditionFailed
from clienteling.kernel.unit_of_work import StartWork
from clienteling.messaging.domain.conversations import ScheduledMessage, ScheduledState
from clienteling.messaging.repositories.conversations import ConversationRepository
from clienteling.messaging.services.sending import Outgoing, Sender, nothing_to_send, visible_conversation

SCHEDULE_MIN_DELAY = timedelta(minutes=1)
SCHEDULE_MAX_DELAY = timedelta(days=366)


class SendLater:
    def __init__(
        self,
        *,
        conversations: ConversationRepository,
        sender: Sender,
        schedules: Callable[[], Schedules],
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._conversations = conversations
        self._sender = sender
        self._schedules = schedules
        self._work = work
        self._clock = clock

    def schedule(
        self, caller: Caller, conversation_id_: str, outgoing: Outgoing, send_at: datetime
    ) -> ScheduledMessage:
        """A text to go out at `send_at` (moved to the recipient's next allowed hour), cancellable until then."""
        context = self._sender.context(caller, conversation_id_)
        now = self._clock()
        if not now + SCHEDULE_MIN_DELAY <= send_at <= now + SCHEDULE_MAX_DELAY:
            raise ValidationFailed(
                "sendAt must be between 1 minute and 1 year from now.",
                details=[{"field": "sendAt", "loc": ["body", "sendAt"], "type": "range"}],
            )
        body = self._sender.compose(caller, outgoing, context.customer, context.store)
        media = self._sender.outgoing_media(caller, context.conversation, outgoing.media_keys, context.phone)
        if not body and not media:
            raise nothing_to_send()
        store = context.store
        recipient = recipient_zone(context.phone, fallback_tz=store.time_zone, fallback_country=store.country)
        scheduled = ScheduledMessage(
            id=new_id(),
            conversation_id=context.conversation.id,
            associate_id=caller.associate_id,
            body=body,
            media=media,
            requested_for=send_at.astimezone(UTC),
            scheduled_for=defer(send_at, MessageKind.SCHEDULED, recipient).astimezone(UTC),
            state=ScheduledState.SCHEDULED,
            created_at=now,
        )
        with self._work() as work:
            work.add(self._conversations.scheduled_put_op(scheduled))
        try:
            self._schedules().create(
                _schedule_name(scheduled),
                scheduled.scheduled_for,
                {"conversationId": context.conversation.id, "scheduledId": scheduled.id},
            )
        except Exception:
            self._conversations.scheduled_transition(scheduled, ScheduledState.FAILED, reason="not_scheduled")
            raise
        return scheduled

    def scheduled(self, caller: Caller, conversation_id_: str) -> list[ScheduledMessage]:
        visible_conversation(self._conversations, caller, conversation_id_)
        return sorted(self._conversations.scheduled_list(conversation_id_), key=lambda s: s.scheduled_for)

    def cancel(self, caller: Caller, conversation_id_: str, scheduled_id: str) -> ScheduledMessage:
        visible_conversation(self._conversations, caller, conversation_id_)
        scheduled = self._conversations.scheduled(conversation_id_, scheduled_id)
        if scheduled is None:
            raise NotFound("No such scheduled message.")
        if scheduled.state != ScheduledState.SCHEDULED:
            raise Conflict(f"The message is already {scheduled.state.value}.")
        try:
            self._conversations.scheduled_transition(scheduled, ScheduledState.CANCELLED)
        except ConditionFailed as error:
            raise Conflict("The message is being sent.") from error
        self._schedules().delete(_schedule_name(scheduled))
        return dataclasses.replace(scheduled, state=ScheduledState.CANCELLED)

    def deliver(self, conversation_id_: str, scheduled_id: str) -> ScheduledMessage | None:
        """The schedule fired: send if still scheduled, allowed now and the customer may be texted. At most once:
        a run that dies after claiming the message does not send it twice."""
        scheduled = self._conversations.scheduled(conversation_id_, scheduled_id)
        if scheduled is None or scheduled.state != ScheduledState.SCHEDULED:
            return scheduled
        conversation = self._conversations.require(conversation_id_)
        customer = self._sender.customer(conversation.customer_id)
        store = self._sender.store(conversation.store_id)
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
        except ConditionFailed:
            return self._conversations.scheduled(conversation_id_, scheduled_id)  # cancelled or another run
        sending = dataclasses.replace(scheduled, state=ScheduledState.SENDING)
        try:
            context = self._sender.texting_context(conversation, customer, store)
        except (NoPhone, OptedOut, ConsentRequired, Blocked) as reason:
            self._conversations.scheduled_transition(sending, ScheduledState.FAILED, reason=reason.code)
            return dataclasses.replace(sending, state=ScheduledState.FAILED, reason=reason.code)
        message = self._sender.transmit(scheduled.associate_id, context, body=scheduled.body, media=scheduled.media)
        self._conversations.scheduled_transition(sending, ScheduledState.SENT, message_id=message.id)
        return dataclasses.replace(sending, state=ScheduledState.SENT, message_id=message.id)


def _schedule_name(scheduled: ScheduledMessage) -> str:
    return f"msg-{scheduled.id}"
