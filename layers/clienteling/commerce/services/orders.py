"""Orders as associates read them: store-scoped, and a customer's history."""

from __future__ import annotations

from clienteling.commerce.domain.orders import Order
from clienteling.commerce.repositories.orders import OrderRepository
from clienteling.directory.ports import CustomerRecords
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.errors import NotFound
from clienteling.kernel.pages import Page


class OrderService:
    """Orders as associates read them: store-scoped."""

    def __init__(self, orders_repo: OrderRepository, customers: CustomerRecords) -> None:
        self._orders = orders_repo
        self._customers = customers

    def get(self, caller: Caller, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None or not caller.can_access_store(order.store_id):
            raise NotFound("No such order in your stores.")
        return order

    def for_customer(self, caller: Caller, customer_id: str, *, limit: int, cursor: str | None) -> Page[Order]:
        """A customer's orders in the caller's stores (every store's for an admin), as `get` shows them: the
        customer record is the retailer's, another store's orders are that store's."""
        caller.require_role(Role.ASSOCIATE)
        if self._customers.get(customer_id) is None:
            raise NotFound("No such customer.")
        stores = None if caller.is_admin else caller.store_ids
        return self._orders.by_customer(customer_id, limit=limit, cursor=cursor, store_ids=stores)
