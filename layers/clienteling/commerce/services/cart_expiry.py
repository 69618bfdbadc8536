"""Carts expire at their store's midnight: the sweep clears their lines, expires the shared payment link at
Adyen and tells the rest of the product (CartExpired). Reads already show an expired cart as empty at midnight
exactly, and DynamoDB's TTL deletes the items later anyway: the sweep makes the payment link die on time too."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from clienteling.commerce.domain import carts
from clienteling.commerce.events import CartExpired
from clienteling.commerce.repositories.carts import CartRepository
from clienteling.kernel.clock import Clock
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import PaymentLinks, PaymentProviderError
from clienteling.kernel.sweeps import PAGE, SweepReport, sweep
from clienteling.kernel.transactions import ConditionFailed
from clienteling.kernel.unit_of_work import StartWork


class CartExpirySweep:
    def __init__(
        self, carts_: CartRepository, payments: Callable[[], PaymentLinks], work: StartWork, clock: Clock
    ) -> None:
        self._carts = carts_
        self._payments = payments
        self._work = work
        self._clock = clock

    def run(self) -> SweepReport:
        now = self._clock()
        return sweep(
            lambda shard, cursor: self._carts.due_for_expiry(shard, now, limit=PAGE, cursor=cursor),
            self._expire,
            lambda cart_id: cart_id,
            name="cart expiry sweep",
        )

    def _expire(self, cart_id: str) -> None:
        now = self._clock()
        cart = self._carts.get(cart_id)
        if cart is None or not cart.lines or not carts.is_expired(cart, now):
            raise ConditionFailed()  # already cleared, or started afresh: nothing due
        link_expired = False
        if cart.share is not None and cart.share.link_id:
            try:
                self._payments().expire_link(cart.share.link_id)
                link_expired = True
            except PaymentProviderError as error:
                if error.retryable:
                    raise  # the next run tries again, before clearing the cart
                logger.warning("payment link not expired at midnight", extra={"cart_id": cart.id})
        cleared = dataclasses.replace(
            cart,
            lines=(),
            discount=None,
            delivery_address=None,
            shipping=None,
            share=None,
            version=cart.version + 1,
            updated_at=now,
            updated_by=None,
        )
        with self._work() as work:
            work.add(self._carts.cart_op(cleared, previous_version=cart.version, lifetime=cart.lifetime))
            work.emit(
                CartExpired(
                    cart_id=cart.id,
                    store_id=cart.store_id,
                    customer_id=cart.customer_id,
                    lines=len(cart.lines),
                    link_expired=link_expired,
                    occurred_at=now,
                )
            )
