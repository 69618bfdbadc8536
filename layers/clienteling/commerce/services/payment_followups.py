"""What follows a payment: the chat line associates see, the customer's receipts by SMS and email, each once.

Run from the OrderPaid and PaymentFailed events (see clienteling.services.payments), so a redelivered notification
or event never texts or emails the customer twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clienteling.commerce.domain import cart_texts
from clienteling.commerce.domain.orders import Order
from clienteling.commerce.events import OrderPaid, PaymentFailed
from clienteling.commerce.repositories.orders import OrderRepository
from clienteling.commerce.web.receipts import render_receipt
from clienteling.directory.ports import AssociateLookup, CustomerRecords, StoreLookup, display_name
from clienteling.kernel import localisation
from clienteling.kernel.clock import Clock
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import EmailError, EmailSender, OutgoingEmail
from clienteling.messaging.ports import StoreTexts


class PaymentFollowups:
    """What follows a payment event: the chat line associates see, and the customer's receipts."""

    def __init__(
        self,
        *,
        orders_repo: OrderRepository,
        customers: CustomerRecords,
        associates: AssociateLookup,
        stores: StoreLookup,
        texts: Callable[[], StoreTexts],
        email: Callable[[], EmailSender],
        clock: Clock,
    ) -> None:
        self._orders = orders_repo
        self._customers = customers
        self._associates = associates
        self._stores = stores
        self._texts = texts
        self._email = email
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
        total = localisation.format_money(order.total_minor, order.currency, locale)
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
            self._texts().post_system(order.conversation_id, line)
            done.append("chat")
        if self._claim(order.id, "sms"):
            receipt = cart_texts.text(
                locale, "receipt", first_name=customer.first_name, total=total, order=number, store=store.name
            )
            if self._texts().send_from_store(order.conversation_id, receipt) is not None:
                done.append("sms")
        if customer.email and self._claim(order.id, "email"):
            subject, text, html = render_receipt(order, store, customer.first_name)
            try:
                self._email().send(OutgoingEmail(to=customer.email, subject=subject, text=text, html=html))
                done.append("email")
            except EmailError:
                # The text receipt stands; a refused address is not worth failing the whole follow-up for.
                logger.warning("receipt email not sent", extra={"order_id": order.id})
        logger.info("order follow-ups", extra={"order_id": order.id, "done": done})
        return done

    def _payment_failed(self, failed: PaymentFailed) -> list[str]:
        store = self._stores.get(failed.store_id)
        customer = self._customers.get(failed.customer_id)
        if store is None or customer is None or not self._claim(failed.psp_reference, "chat"):
            return []
        total = localisation.format_money(failed.amount_minor, failed.currency, store.locale)
        if failed.reason == "amount_mismatch":
            line = cart_texts.text(store.locale, "mismatch", total=total)
        else:
            line = cart_texts.text(
                store.locale, "refused", name=display_name(customer), total=total, reason=failed.reason
            )
        self._texts().post_system(failed.conversation_id, line)
        return ["chat"]

    def _claim(self, key: str, step: str) -> bool:
        return self._orders.claim_followup(key, step, now=self._clock())
