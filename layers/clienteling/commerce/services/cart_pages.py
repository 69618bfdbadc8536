"""The customer's cart page: one read by the random token, nothing else."""

from __future__ import annotations

import re

from clienteling.commerce.domain.orders import CartPage
from clienteling.commerce.repositories.carts import CartRepository
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Gone, NotFound

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class CartExpired(Gone):
    code = "cart_expired"
    default_message = "This cart has expired: ask your associate for a new link."


class CartPageService:
    def __init__(self, carts_repo: CartRepository, clock: Clock) -> None:
        self._carts = carts_repo
        self._clock = clock

    def view(self, token: str) -> CartPage:
        """AP-K3: 1 GetItem. Unknown token: NotFound; past the store's midnight: CartExpired (even before TTL)."""
        if not _TOKEN.match(token):
            raise NotFound("No such cart.")
        page = self._carts.page(token)
        if page is None:
            raise NotFound("No such cart.")
        if self._clock() >= page.cart.expires_at:
            raise CartExpired()
        return page
