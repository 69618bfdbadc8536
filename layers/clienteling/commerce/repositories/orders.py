"""Orders and the markers of payment notifications already handled. Access patterns AP-O1..AP-O4 of
docs/data-model.md. An order has its own item and an entry in the customer's partition (their purchase history,
reachable for erasure with the rest of the customer)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, Key

from clienteling.commerce.domain.carts import Fulfillment, TaxMode
from clienteling.commerce.domain.orders import Order, OrderLine
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import Conflict
from clienteling.kernel.items import address_from_item, address_to_item, dt, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# Adyen retries an unacknowledged notification for up to 30 days; the markers outlive that.
MARKER_RETENTION = timedelta(days=35)
_IN_LIMIT = 100  # values of one IN in a DynamoDB condition


class AlreadyHandled(Conflict):
    """The same notification (pspReference + eventCode) was handled before: Adyen delivers at least once."""

    code = "already_handled"


class OrderRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, order_id: str) -> Order | None:
        """AP-O1: an order. 1 GetItem."""
        item = self._table.get_item(Key=keys.order(order_id)).get("Item")
        return _from_item(item) if item else None

    def by_customer(
        self, customer_id: str, *, limit: int, cursor: str | None, store_ids: Collection[str] | None = None
    ) -> Page[Order]:
        """AP-O2: a customer's orders, newest first, all of them or only those of `store_ids` (a filter on the
        entries read: a page may hold fewer than `limit`). 1 Query on the customer's partition."""
        only = None
        if store_ids is not None:
            stores = sorted(store_ids) or [""]  # no store: nothing matches
            chunks = [Attr("store_id").is_in(stores[i : i + _IN_LIMIT]) for i in range(0, len(stores), _IN_LIMIT)]
            only = functools.reduce(operator.or_, chunks)
        return query_page(
            self._table,
            _from_item,
            partition=keys.customer_partition(customer_id),
            sort_key=Key("SK").begins_with(keys.ORDER_PREFIX),
            newest_first=True,
            limit=limit,
            cursor=cursor,
            only=only,
        )

    def marker(self, psp_reference: str, event_code: str) -> dict[str, Any] | None:
        """AP-O3: what a handled notification led to. 1 GetItem."""
        item = self._table.get_item(Key=keys.payment_notification(psp_reference, event_code), ConsistentRead=True).get(
            "Item"
        )
        return dict(item) if item else None

    def marker_op(
        self, psp_reference: str, event_code: str, *, now: datetime, order_id: str | None, outcome: str
    ) -> transactions.Op:
        """AP-O4: claims a notification; the transaction fails if it was handled before."""
        return transactions.put(
            self._table,
            without_none(
                {
                    **keys.payment_notification(psp_reference, event_code),
                    "entity": "payment_notification",
                    "order_id": order_id,
                    "outcome": outcome,
                    "handled_at": when(now),
                    "expires_at": int((now + MARKER_RETENTION).timestamp()),
                }
            ),
            condition="attribute_not_exists(PK)",
            error=AlreadyHandled(),
        )

    def create_ops(self, order: Order) -> list[transactions.Op]:
        """AP-O4: the order and its entry in the customer's history."""
        document = _to_document(order)
        return [
            transactions.put(
                self._table,
                {**keys.order(order.id), "entity": "order", **document},
                condition="attribute_not_exists(PK)",
            ),
            transactions.put(
                self._table,
                {**keys.customer_order(order.customer_id, when(order.created_at), order.id), "entity": "customer_order",
                 **document},
            ),
        ]  # fmt: skip

    def claim_followup(self, key: str, step: str, *, now: datetime) -> bool:
        """Claim one follow-up (a receipt, a chat line) of a payment event: False when it was claimed before, so
        a redelivered event never texts the customer twice. 1 PutItem."""
        try:
            self._table.put_item(
                Item={
                    **keys.payment_followup(key, step),
                    "entity": "payment_followup",
                    "done_at": when(now),
                    "expires_at": int((now + MARKER_RETENTION).timestamp()),
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _to_document(order: Order) -> dict[str, Any]:
    return without_none(
        {
            "id": order.id,
            "cart_id": order.cart_id,
            "payment_reference": order.payment_reference,
            "psp_reference": order.psp_reference,
            "store_id": order.store_id,
            "customer_id": order.customer_id,
            "conversation_id": order.conversation_id,
            "associate_id": order.associate_id,
            "currency": order.currency,
            "tax_mode": order.tax_mode.value,
            "lines": [
                without_none(
                    {
                        "sku": line.sku,
                        "name": line.name,
                        "quantity": line.quantity,
                        "unit_price_minor": line.unit_price_minor,
                        "fulfillment": line.fulfillment.value,
                        "discount_minor": line.discount_minor,
                        "tax_minor": line.tax_minor,
                        "total_minor": line.total_minor,
                        "category_id": line.category_id,
                    }
                )
                for line in order.lines
            ],
            "subtotal_minor": order.subtotal_minor,
            "discount_minor": order.discount_minor,
            "shipping_minor": order.shipping_minor,
            "tax_minor": order.tax_minor,
            "total_minor": order.total_minor,
            "created_at": when(order.created_at),
            "delivery_address": address_to_item(order.delivery_address),
            "shipping_name": order.shipping_name,
            "cart_changed_since": order.cart_changed_since,
        }
    )


def _from_item(item: dict[str, Any]) -> Order:
    return Order(
        id=str(item["id"]),
        cart_id=str(item["cart_id"]),
        payment_reference=str(item["payment_reference"]),
        psp_reference=str(item["psp_reference"]),
        store_id=str(item["store_id"]),
        customer_id=str(item["customer_id"]),
        conversation_id=str(item["conversation_id"]),
        associate_id=item.get("associate_id"),
        currency=str(item["currency"]),
        tax_mode=TaxMode(item["tax_mode"]),
        lines=tuple(
            OrderLine(
                sku=str(line["sku"]),
                name=str(line["name"]),
                quantity=to_int(line["quantity"]),
                unit_price_minor=to_int(line["unit_price_minor"]),
                fulfillment=Fulfillment(line["fulfillment"]),
                discount_minor=to_int(line["discount_minor"]),
                tax_minor=to_int(line["tax_minor"]),
                total_minor=to_int(line["total_minor"]),
                category_id=line.get("category_id"),
            )
            for line in item.get("lines") or ()
        ),
        subtotal_minor=to_int(item["subtotal_minor"]),
        discount_minor=to_int(item["discount_minor"]),
        shipping_minor=to_int(item["shipping_minor"]),
        tax_minor=to_int(item["tax_minor"]),
        total_minor=to_int(item["total_minor"]),
        created_at=dt(item["created_at"]),
        delivery_address=address_from_item(item.get("delivery_address")),
        shipping_name=item.get("shipping_name"),
        cart_changed_since=bool(item.get("cart_changed_since", False)),
    )
