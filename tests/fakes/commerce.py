"""Commerce in memory: carts, their customers' pages and the payment requests made for them (what
commerce.services.carts.CartStore names; CartRepository in the product)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from clienteling.commerce.domain.carts import Cart
from clienteling.commerce.domain.orders import CartPage, PaymentRequest
from clienteling.commerce.repositories.carts import ReferenceTaken
from clienteling.kernel import keys
from clienteling.kernel.errors import StaleVersion
from clienteling.kernel.transactions import Op

from tests.fakes.storage import fake_op, run


@dataclass(frozen=True, slots=True)
class _Page:
    cart: Cart
    order_id: str | None
    paid_total_minor: int | None


class FakeCarts:
    """Mirrors CartRepository:

    - `cart_op`: puts the cart if it is new (`previous_version` 0) or still at `previous_version` (and, when given,
      in its life `lifetime`); StaleVersion otherwise;
    - `save`: that put on its own, with the page when the cart is shared (the real one is 1 PutItem or 1
      TransactWriteItems outside any unit of work, so this commits at once too);
    - `page_op`: the customer's page, a copy of the cart under its token; `page` reads it back (None when the cart
      carries no page information, as the real read);
    - `claim_reference_op`: a payment request for a cart version, refused with ReferenceTaken when an earlier life
      of the cart (another `lifetime`) holds the reference; `payment_link_op` records the link's id on it.
    """

    def __init__(self) -> None:
        self._carts: dict[str, Cart] = {}
        self._pages: dict[str, _Page] = {}
        self._requests: dict[str, PaymentRequest] = {}

    # ------------------------------------------------------------------ reads
    def get(self, cart_id: str) -> Cart | None:
        return self._carts.get(cart_id)

    def page(self, token: str) -> CartPage | None:
        found = self._pages.get(token)
        if found is None or found.cart.page is None:
            return None
        return CartPage(
            token=token,
            cart=found.cart,
            page=found.cart.page,
            paid=found.order_id is not None,
            order_id=found.order_id,
            paid_total_minor=found.paid_total_minor,
        )

    def payment_request(self, reference: str) -> PaymentRequest | None:
        return self._requests.get(reference)

    # ------------------------------------------------------------------ writes
    def save(self, cart: Cart, *, previous_version: int) -> None:
        ops = [self.cart_op(cart, previous_version=previous_version)]
        if cart.share is not None and cart.page is not None:
            ops.append(self.page_op(cart, token=cart.share.token))
        run(ops)

    def cart_op(self, cart: Cart, *, previous_version: int, lifetime: str | None = None) -> Op:
        def current() -> bool:
            saved = self._carts.get(cart.id)
            if previous_version == 0:
                return saved is None
            return (
                saved is not None
                and saved.version == previous_version
                and (lifetime is None or saved.lifetime == lifetime)
            )

        def put() -> None:
            self._carts[cart.id] = cart

        return fake_op(keys.cart(cart.id), "cart_put", apply=put, condition=current, error=StaleVersion(), subject=cart)

    def page_op(
        self, cart: Cart, *, token: str, order_id: str | None = None, paid_total_minor: int | None = None
    ) -> Op:
        def put() -> None:
            self._pages[token] = _Page(cart, order_id, paid_total_minor)

        return fake_op(keys.cart_page(token), "cart_page_put", apply=put, subject=cart)

    def claim_reference_op(self, request: PaymentRequest) -> Op:
        def free() -> bool:
            held = self._requests.get(request.reference)
            return held is None or held.cart.lifetime == request.cart.lifetime

        def claim() -> None:
            self._requests[request.reference] = request

        return fake_op(
            keys.payment_reference(request.reference),
            "payment_request_put",
            apply=claim,
            condition=free,
            error=ReferenceTaken(),
            subject=request,
        )

    def payment_link_op(self, reference: str, link_id: str) -> Op:
        def record() -> None:
            self._requests[reference] = dataclasses.replace(self._requests[reference], link_id=link_id)

        # The real update has no condition; the service claims the reference in an earlier unit of work.
        return fake_op(keys.payment_reference(reference), "payment_request_link", apply=record)
