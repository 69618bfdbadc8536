"""Who hears about what: new texts go to the assignee while they are available, else to the whole store;
assignments and transfers to the new assignee. Fed by EventBridge events, each handled once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clienteling.commerce.events import OrderPaid, PaymentFailed
from clienteling.directory.ports import AssociateLookup, Availability
from clienteling.kernel.access import Caller
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page
from clienteling.kernel.providers import Push
from clienteling.messaging.domain.notifications import Notification, NotificationKind
from clienteling.messaging.events import ConversationAssigned, ConversationTransferred, MessageReceived
from clienteling.messaging.repositories.conversations import ConversationRepository
from clienteling.messaging.repositories.notifications import NotificationRepository


class NotificationService:
    def __init__(
        self,
        notifications: NotificationRepository,
        associates: AssociateLookup,
        conversations: ConversationRepository,
        push: Push | None,
    ) -> None:
        self._notifications = notifications
        self._associates = associates
        self._conversations = conversations
        self._push = push

    def handle(self, event_id: str, detail_type: str, detail: dict[str, Any], at: datetime) -> int:
        """Notify for one event (at its own time, so a redelivery finds the same keys); returns how many
        notifications were new."""
        if detail_type == "MessageReceived":
            received = MessageReceived.model_validate(detail)
            if received.blocked:
                return 0  # a blocked customer raises nothing, and is never told
            kind = NotificationKind.OPT_OUT_INTENT if received.opt_out_intent else NotificationKind.NEW_MESSAGE
            recipients = self._new_message_recipients(received.store_id, received.assignee_id)
            return self._notify(event_id, recipients, kind, received.conversation_id, received.store_id, at=at)
        if detail_type == "ConversationAssigned":
            assigned = ConversationAssigned.model_validate(detail)
            if not assigned.assignee_id or assigned.assignee_id == assigned.by_associate_id:
                return 0
            return self._notify(
                event_id,
                [assigned.assignee_id],
                NotificationKind.ASSIGNED,
                assigned.conversation_id,
                assigned.store_id,
                at=at,
            )
        if detail_type == "ConversationTransferred":
            transferred = ConversationTransferred.model_validate(detail)
            return self._notify(
                event_id,
                [transferred.to_associate_id],
                NotificationKind.TRANSFERRED,
                transferred.conversation_id,
                transferred.store_id,
                note=transferred.note,
                at=at,
            )
        if detail_type in ("OrderPaid", "PaymentFailed"):
            return self._payment(event_id, detail_type, detail, at)
        return 0

    def _payment(self, event_id: str, detail_type: str, detail: dict[str, Any], at: datetime) -> int:
        """The associate the sale is attributed to (or who shared the cart) hears that the customer paid, or
        that the payment failed; the whole store does when nobody is."""
        event: OrderPaid | PaymentFailed = (
            OrderPaid.model_validate(detail) if detail_type == "OrderPaid" else PaymentFailed.model_validate(detail)
        )
        kind = NotificationKind.PAYMENT_RECEIVED if detail_type == "OrderPaid" else NotificationKind.PAYMENT_FAILED
        recipients = [event.associate_id] if event.associate_id else self._new_message_recipients(event.store_id, None)
        if event.conversation_id is None:
            return 0
        return self._notify(event_id, recipients, kind, event.conversation_id, event.store_id, at=at)

    def list_mine(self, caller: Caller, *, limit: int, cursor: str | None) -> Page[Notification]:
        return self._notifications.list_for(caller.associate_id, limit=limit, cursor=cursor)

    def _new_message_recipients(self, store_id: str, assignee_id: str | None) -> list[str]:
        if assignee_id:
            assignee = self._associates.get(assignee_id)
            if assignee and assignee.active and assignee.availability == Availability.AVAILABLE:
                return [assignee_id]
        members = [a for a in self._associates.list_by_store(store_id, limit=200, cursor=None).items if a.active]
        available = [a.id for a in members if a.availability == Availability.AVAILABLE]
        return available or [a.id for a in members]

    def _notify(
        self,
        event_id: str,
        recipients: list[str],
        kind: NotificationKind,
        conversation_id: str,
        store_id: str,
        *,
        at: datetime,
        note: str | None = None,
    ) -> int:
        conversation = self._conversations.get(conversation_id)
        name = conversation.customer_name if conversation else "A customer"
        text = {
            NotificationKind.NEW_MESSAGE: f"New message from {name}",
            NotificationKind.OPT_OUT_INTENT: f"{name} may want to stop texts: please confirm",
            NotificationKind.ASSIGNED: f"The conversation with {name} was assigned to you",
            NotificationKind.TRANSFERRED: f"{name} was transferred to you" + (f": {note}" if note else ""),
            NotificationKind.PAYMENT_RECEIVED: f"{name} paid their cart",
            NotificationKind.PAYMENT_FAILED: f"{name}'s payment did not go through",
        }[kind]
        added = self._notifications.add(
            [
                Notification(
                    id=event_id,
                    associate_id=a,
                    kind=kind,
                    conversation_id=conversation_id,
                    store_id=store_id,
                    created_at=at,
                    text=text,
                )
                for a in dict.fromkeys(recipients)
            ]
        )
        if self._push is not None and added:
            for associate_id in dict.fromkeys(recipients):
                self._push.notify(associate_id, title=text, conversation_id=conversation_id)
        logger.info("notified", extra={"kind": kind.value, "recipients": len(recipients), "new": added})
        return added
