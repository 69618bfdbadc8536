"""Payments on cart links: Adyen's notifications become orders (or recorded failures), and their follow-ups.

The webhook use case writes, in one transaction, the notification's marker (idempotency on pspReference and
eventCode), the order and its entry in the customer's history, the emptied cart, the paid page and the OrderPaid
event (outbox). The follow-ups (the "customer paid" line in the chat, the receipts by SMS and email) run from
that event, each claimed once, so a redelivered notification or event never makes a second order or receipt.
"""

from __future__ import annotations

import dataclasses

from clienteling.commerce.contracts.webhooks import AdyenNotification
from clienteling.commerce.domain import orders
from clienteling.commerce.domain.orders import Order, PaymentRequest
from clienteling.commerce.events import OrderPaid, PaymentFailed
from clienteling.commerce.repositories.carts import CartRepository
from clienteling.commerce.repositories.orders import AlreadyHandled, OrderRepository
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import StaleVersion
from clienteling.kernel.events import PurchasedLine
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.unit_of_work import StartWork, UnitOfWork
from clienteling.messaging.ports import ConversationLookup, conversation_id

AUTHORISATION = "AUTHORISATION"


class PaymentService:
    def __init__(
        self,
        *,
        carts_repo: CartRepository,
        orders_repo: OrderRepository,
        conversations: ConversationLookup,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._carts = carts_repo
        self._orders = orders_repo
        self._conversations = conversations
        self._work = work
        self._clock = clock

    def handle(self, notification: AdyenNotification) -> str:
        """One verified notification item; returns what became of it (for logs and tests)."""
        context = {"psp_reference": notification.psp_reference, "event_code": notification.event_code}
        if notification.event_code != AUTHORISATION:
            logger.info("adyen notification ignored", extra=context)
            return "ignored"
        request = self._carts.payment_request(notification.merchant_reference)
        if request is None:
            logger.warning("adyen notification for an unknown payment link", extra=context)
            return "unknown_link"
        if notification.amount.value != request.amount_minor or notification.amount.currency != request.currency:
            logger.error("adyen amount differs from the shared cart", extra={**context, "cart_id": request.cart.id})
            return self._failed(notification, request, "amount_mismatch")
        if not notification.success:
            return self._failed(notification, request, "refused")
        return self._paid(notification, request)

    def _paid(self, notification: AdyenNotification, request: PaymentRequest) -> str:
        cart, now = request.cart, self._clock()
        conversation_id_ = conversation_id(cart.store_id, cart.customer_id)
        conversation = self._conversations.get(conversation_id_)
        order = orders.from_cart(
            cart,
            order_id=new_id(),
            payment_reference=request.reference,
            psp_reference=notification.psp_reference,
            conversation_id=conversation_id_,
            associate_id=conversation.last_outbound_associate_id if conversation else None,
            at=now,
        )
        emptied = dataclasses.replace(
            cart,
            version=cart.version + 1,
            lifetime=new_id(),
            lines=(),
            discount=None,
            delivery_address=None,
            shipping=None,
            share=None,
            page=None,
            updated_at=now,
            updated_by=None,
        )
        try:
            with self._work() as work:
                self._add_order(work, notification, request, order)
                work.add(
                    self._carts.cart_op(emptied, previous_version=cart.version, lifetime=cart.lifetime),
                    self._carts.page_op(
                        cart, token=request.token, order_id=order.id, paid_total_minor=order.total_minor
                    ),
                )
        except AlreadyHandled:
            logger.info("adyen notification delivered again", extra={"psp_reference": notification.psp_reference})
            return "duplicate"
        except StaleVersion:
            # The associate changed the cart after sharing it and the customer paid the shared version: record what
            # was paid, leave the cart as the associate has it now.
            order = dataclasses.replace(order, cart_changed_since=True)
            try:
                with self._work() as work:
                    self._add_order(work, notification, request, order)
            except AlreadyHandled:
                return "duplicate"
        logger.info(
            "order paid",
            extra={"order_id": order.id, "cart_id": cart.id, "total_minor": order.total_minor,
                   "associate_id": order.associate_id},
        )  # fmt: skip
        return "paid"

    def _add_order(
        self, work: UnitOfWork, notification: AdyenNotification, request: PaymentRequest, order: Order
    ) -> None:
        now = order.created_at
        work.add(
            self._orders.marker_op(
                notification.psp_reference, notification.event_code, now=now, order_id=order.id, outcome="paid"
            )
        )
        work.extend(self._orders.create_ops(order))
        work.add(self._carts.payment_paid_op(request.reference, order.id))
        work.emit(
                OrderPaid(
                    order_id=order.id,
                    cart_id=order.cart_id,
                    customer_id=order.customer_id,
                    store_id=order.store_id,
                    conversation_id=order.conversation_id,
                    associate_id=order.associate_id,
                    total_minor=order.total_minor,
                    currency=order.currency,
                    lines=[
                        PurchasedLine(
                            sku=line.sku, category_id=line.category_id, quantity=line.quantity,
                            total_minor=line.total_minor,
                        )
                        for line in order.lines
                    ],
                    psp_reference=order.psp_reference,
                    occurred_at=now,
                )
        )  # fmt: skip

    def _failed(self, notification: AdyenNotification, request: PaymentRequest, reason: str) -> str:
        cart, now = request.cart, self._clock()
        try:
            with self._work() as work:
                work.add(
                    self._orders.marker_op(
                        notification.psp_reference, notification.event_code, now=now, order_id=None, outcome=reason
                    ),
                    self._carts.payment_failed_op(
                        request.reference, notification.psp_reference, reason, now.isoformat()
                    ),
                )
                work.emit(
                    PaymentFailed(
                        cart_id=cart.id,
                        store_id=cart.store_id,
                        customer_id=cart.customer_id,
                        conversation_id=conversation_id(cart.store_id, cart.customer_id),
                        associate_id=request.shared_by or None,
                        payment_reference=request.reference,
                        psp_reference=notification.psp_reference,
                        reason=reason,
                        amount_minor=notification.amount.value,
                        currency=notification.amount.currency,
                        occurred_at=now,
                    )
                )
        except AlreadyHandled:
            return "duplicate"
        logger.info("payment not settled", extra={"cart_id": cart.id, "reason": reason})
        return reason
