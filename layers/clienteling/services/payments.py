"""Payments on cart links: Adyen's notifications become orders (or recorded failures), and their follow-ups.

The webhook use case writes, in one transaction, the notification's marker (idempotency on pspReference and
eventCode), the order and its entry in the customer's history, the emptied cart, the paid page and the OrderPaid
event (outbox). The follow-ups (the "customer paid" line in the chat, the receipts by SMS and email) run from
that event, each claimed once, so a redelivered notification or event never makes a second order or receipt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from clienteling.adapters.email import SesMailer
from clienteling.clock import Clock
from clienteling.contracts.events import OrderPaid, PaymentFailed, PurchasedLine
from clienteling.contracts.webhooks import AdyenNotification
from clienteling.domain import cart_texts, orders
from clienteling.domain.access import Caller, Role
from clienteling.domain.conversations import conversation_id
from clienteling.domain.customers import display_name
from clienteling.domain.orders import Order, PaymentRequest
from clienteling.errors import NotFound, StaleVersion
from clienteling.ids import new_id
from clienteling.observability import logger
from clienteling.repositories import outbox, transactions
from clienteling.repositories.associates import AssociateRepository
from clienteling.repositories.carts import CartRepository
from clienteling.repositories.conversations import ConversationRepository
from clienteling.repositories.customers import CustomerRepository
from clienteling.repositories.orders import AlreadyHandled, OrderRepository
from clienteling.repositories.pages import Page
from clienteling.services.conversations import ConversationService
from clienteling.services.store_directory import StoreDirectory
from clienteling.web.receipts import render_receipt

AUTHORISATION = "AUTHORISATION"


class PaymentService:
    def __init__(
        self,
        *,
        carts_repo: CartRepository,
        orders_repo: OrderRepository,
        conversations: ConversationRepository,
        clock: Clock,
    ) -> None:
        self._carts = carts_repo
        self._orders = orders_repo
        self._conversations = conversations
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
        cart_ops = [
            self._carts.cart_op(emptied, previous_version=cart.version, lifetime=cart.lifetime),
            self._carts.page_op(cart, token=request.token, order_id=order.id, paid_total_minor=order.total_minor),
        ]
        try:
            transactions.transact(self._carts.table, [*self._order_ops(notification, request, order), *cart_ops])
        except AlreadyHandled:
            logger.info("adyen notification delivered again", extra={"psp_reference": notification.psp_reference})
            return "duplicate"
        except StaleVersion:
            # The associate changed the cart after sharing it and the customer paid the shared version: record what
            # was paid, leave the cart as the associate has it now.
            order = dataclasses.replace(order, cart_changed_since=True)
            try:
                transactions.transact(self._carts.table, self._order_ops(notification, request, order))
            except AlreadyHandled:
                return "duplicate"
        logger.info(
            "order paid",
            extra={"order_id": order.id, "cart_id": cart.id, "total_minor": order.total_minor,
                   "associate_id": order.associate_id},
        )  # fmt: skip
        return "paid"

    def _order_ops(
        self, notification: AdyenNotification, request: PaymentRequest, order: Order
    ) -> list[transactions.Op]:
        now = order.created_at
        return [
            self._orders.marker_op(
                notification.psp_reference, notification.event_code, now=now, order_id=order.id, outcome="paid"
            ),
            *self._orders.create_ops(order),
            self._carts.payment_paid_op(request.reference, order.id),
            outbox.event_op(
                self._carts.table,
                "OrderPaid",
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
                ),
                now=now,
            ),
        ]  # fmt: skip

    def _failed(self, notification: AdyenNotification, request: PaymentRequest, reason: str) -> str:
        cart, now = request.cart, self._clock()
        try:
            transactions.transact(
                self._carts.table,
                [
                    self._orders.marker_op(
                        notification.psp_reference, notification.event_code, now=now, order_id=None, outcome=reason
                    ),
                    self._carts.payment_failed_op(
                        request.reference, notification.psp_reference, reason, now.isoformat()
                    ),
                    outbox.event_op(
                        self._carts.table,
                        "PaymentFailed",
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
                        ),
                        now=now,
                    ),
                ],
            )
        except AlreadyHandled:
            return "duplicate"
        logger.info("payment not settled", extra={"cart_id": cart.id, "reason": reason})
        return reason


class PaymentFollowups:
    """What follows a payment event: the chat line associates see, and the customer's receipts."""

    def __init__(
        self,
        *,
        orders_repo: OrderRepository,
        customers: CustomerRepository,
        associates: AssociateRepository,
        stores: StoreDirectory,
        conversations: Callable[[], ConversationService],
        mailer: Callable[[], SesMailer],
        clock: Clock,
    ) -> None:
        self._orders = orders_repo
        self._customers = customers
        self._associates = associates
        self._stores = stores
        self._conversations = conversations
        self._mailer = mailer
        self._clock = clock

    def handle(self, detail_type: str, detail: dict[str, Any]) -> list[str]:
        """Returns the steps done now (a step already done for this event is skipped)."""
        if detail_type == "OrderPaid":
            paid = OrderPaid.model_validate(detail)
            order = self._orders.get(paid.order_id)
            return self._order_paid(order) if order is not None else []
        if detail_type == "PaymentFailed":
            return self._payment_failed(PaymentFailed.model_validate(detail))
        return []

    def _order_paid(self, order: Order) -> list[str]:
        store = self._stores.get(order.store_id)
        customer = self._customers.get(order.customer_id)
        if store is None or customer is None:
            return []
        locale = store.locale
        total = cart_texts.format_money(order.total_minor, order.currency, locale)
        number = cart_texts.order_number(order.id)
        done: list[str] = []
        if self._claim(order.id, "chat"):
            associate = self._associates.get(order.associate_id) if order.associate_id else None
            line = (
                cart_texts.text(locale, "paid", name=display_name(customer), total=total, order=number,
                                associate=associate.display_name)
                if associate is not None
                else cart_texts.text(locale, "paid_nobody", name=display_name(customer), total=total, order=number)
            )  # fmt: skip
            if order.cart_changed_since:
                line += " " + cart_texts.text(locale, "paid_changed")
            self._conversations().post_system(order.conversation_id, line)
            done.append("chat")
        if self._claim(order.id, "sms"):
            receipt = cart_texts.text(
                locale, "receipt", first_name=customer.first_name, total=total, order=number, store=store.name
            )
            if self._conversations().send_from_store(order.conversation_id, receipt) is not None:
                done.append("sms")
        mailer = self._mailer()
        if customer.email and mailer.enabled and self._claim(order.id, "email"):
            subject, text, html = render_receipt(order, store, customer.first_name)
            mailer.send(to=customer.email, subject=subject, text=text, html=html)
            done.append("email")
        logger.info("order follow-ups", extra={"order_id": order.id, "done": done})
        return done

    def _payment_failed(self, failed: PaymentFailed) -> list[str]:
        store = self._stores.get(failed.store_id)
        customer = self._customers.get(failed.customer_id)
        if store is None or customer is None or not self._claim(failed.psp_reference, "chat"):
            return []
        total = cart_texts.format_money(failed.amount_minor, failed.currency, store.locale)
        if failed.reason == "amount_mismatch":
            line = cart_texts.text(store.locale, "mismatch", total=total)
        else:
            line = cart_texts.text(
                store.locale, "refused", name=display_name(customer), total=total, reason=failed.reason
            )
        self._conversations().post_system(failed.conversation_id, line)
        return ["chat"]

    def _claim(self, key: str, step: str) -> bool:
        return self._orders.claim_followup(key, step, now=self._clock())


class OrderService:
    """Orders as associates read them: store-scoped."""

    def __init__(self, orders_repo: OrderRepository, customers: CustomerRepository) -> None:
        self._orders = orders_repo
        self._customers = customers

    def get(self, caller: Caller, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None or not caller.can_access_store(order.store_id):
            raise NotFound("No such order in your stores.")
        return order

    def for_customer(self, caller: Caller, customer_id: str, *, limit: int, cursor: str | None) -> Page[Order]:
        """A customer's orders from every store (customers belong to the retailer, as their records do)."""
        caller.require_role(Role.ASSOCIATE)
        if self._customers.get(customer_id) is None:
            raise NotFound("No such customer.")
        return self._orders.by_customer(customer_id, limit=limit, cursor=cursor)
