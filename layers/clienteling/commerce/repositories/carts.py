"""Carts, their public pages, and the payment requests made for them. Access patterns AP-K1..AP-K6 of
docs/data-model.md.

A cart is one item (its lines inside): reading it is 1 GetItem and changing it 1 conditional write. Once shared,
its page item (keyed by the random token) holds a copy of the cart written in the same transaction as every
change, so the customer's page costs exactly 1 GetItem and always shows the current cart. Every item carries
`expires_at` = the store's next local midnight (the TTL attribute); reads treat an expired cart as empty.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.commerce.domain.carts import (
    Cart,
    CartLine,
    Discount,
    DiscountKind,
    Fulfillment,
    PageInfo,
    Share,
    ShippingChoice,
    TaxMode,
)
from clienteling.commerce.domain.orders import CartPage, PaymentRequest, PaymentState
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import Conflict, StaleVersion
from clienteling.kernel.items import address_from_item, address_to_item, dt, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# Payment requests outlive Adyen's retries of a notification (up to 30 days) by far.
PAYMENT_REQUEST_RETENTION = timedelta(days=35)


class ReferenceTaken(Conflict):
    """A payment reference was used by an earlier life of the same cart (its item expired and was deleted)."""

    code = "reference_taken"


class CartRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        return self._table

    def get(self, cart_id: str) -> Cart | None:
        """AP-K1: a cart, expired or not (the service decides). 1 GetItem, strongly consistent."""
        item = self._table.get_item(Key=keys.cart(cart_id), ConsistentRead=True).get("Item")
        return cart_from_document(item) if item else None

    def save(self, cart: Cart, *, previous_version: int) -> None:
        """AP-K2: write a changed cart if nobody changed it since `previous_version`, with its page when shared.
        1 TransactWriteItems (cart + page) or 1 PutItem (cart not shared)."""
        ops = [self.cart_op(cart, previous_version=previous_version)]
        if cart.share is not None and cart.page is not None:
            ops.append(self.page_op(cart, token=cart.share.token))
        transactions.transact(self._table, ops) if len(ops) > 1 else self._put(ops[0])

    def _put(self, op: transactions.Op) -> None:
        request = dict(op.request["Put"])
        request.pop("TableName")
        try:
            self._table.put_item(**request)
        except self._table.meta.client.exceptions.ConditionalCheckFailedException as error:
            raise (op.on_condition_failed or transactions.ConditionFailed()) from error

    def cart_op(self, cart: Cart, *, previous_version: int, lifetime: str | None = None) -> transactions.Op:
        """Put the cart if its version is still `previous_version` (and, when given, its life `lifetime`)."""
        item = {**keys.cart(cart.id), "entity": "cart", **cart_to_document(cart)}
        if cart.lines:
            # In the sparse due index until midnight clears it (the expiry sweep reads only what is due).
            item["GSI3PK"] = keys.cart_expiry(keys.due_shard(cart.id))
            item["GSI3SK"] = keys.activity_rank(when(cart.expires_at), cart.id)
        if previous_version == 0:
            return transactions.put(self._table, item, condition="attribute_not_exists(PK)", error=StaleVersion())
        condition, values = "version = :expected", dict[str, Any]({":expected": previous_version})
        if lifetime is not None:
            condition, values = condition + " AND lifetime = :lifetime", {**values, ":lifetime": lifetime}
        return transactions.put(self._table, item, condition=condition, values=values, error=StaleVersion())

    def page_op(
        self, cart: Cart, *, token: str, order_id: str | None = None, paid_total_minor: int | None = None
    ) -> transactions.Op:
        """The customer's page: a copy of the cart under its token, expiring with it (paid: the cart as paid)."""
        return transactions.put(
            self._table,
            without_none(
                {
                    **keys.cart_page(token),
                    "entity": "cart_page",
                    "cart": cart_to_document(cart),
                    "paid": order_id is not None,
                    "order_id": order_id,
                    "paid_total_minor": paid_total_minor,
                    "expires_at": cart_to_document(cart)["expires_at"],
                }
            ),
        )

    def page(self, token: str) -> CartPage | None:
        """AP-K3: the customer's page by its token. 1 GetItem: everything it shows is in the item."""
        found = self._table.get_item(Key=keys.cart_page(token)).get("Item")
        if not found:
            return None
        item = dict[str, Any](found)
        cart = cart_from_document(item["cart"])
        if cart.page is None:
            return None
        return CartPage(
            token=token,
            cart=cart,
            page=cart.page,
            paid=bool(item.get("paid")),
            order_id=item.get("order_id"),
            paid_total_minor=to_int(item["paid_total_minor"]) if "paid_total_minor" in item else None,
        )

    def due_for_expiry(self, shard: int, now: datetime, *, limit: int, cursor: str | None) -> Page[str]:
        """AP-K9: ids of a shard's carts past their midnight that still hold lines. 1 Query on GSI3 per page."""
        return query_page(
            self._table,
            lambda item: str(item["GSI3SK"]).rsplit("#", 1)[-1],
            index="GSI3",
            partition=keys.cart_expiry(shard),
            sort_key=Key("GSI3SK").lte(when(now) + "#~"),
            limit=limit,
            cursor=cursor,
        )

    # ------------------------------------------------------------------ payment requests
    def claim_reference_op(self, request: PaymentRequest) -> transactions.Op:
        """AP-K4: a payment request for a cart version; refused when an earlier life of the cart used the
        reference (its cart item was deleted by TTL and the versions started again)."""
        return transactions.put(
            self._table,
            payment_request_to_item(request),
            condition="attribute_not_exists(PK) OR lifetime = :lifetime",
            values={":lifetime": request.cart.lifetime},
            error=ReferenceTaken(),
        )

    def payment_request(self, reference: str) -> PaymentRequest | None:
        """AP-K5: the payment request of a merchant reference (the webhook's lookup). 1 GetItem, consistent."""
        item = self._table.get_item(Key=keys.payment_reference(reference), ConsistentRead=True).get("Item")
        return payment_request_from_item(item) if item else None

    def payment_link_op(self, reference: str, link_id: str) -> transactions.Op:
        return transactions.update(
            self._table, keys.payment_reference(reference), "SET link_id = :link", values={":link": link_id}
        )

    def payment_paid_op(self, reference: str, order_id: str) -> transactions.Op:
        return transactions.update(
            self._table,
            keys.payment_reference(reference),
            "SET #state = :paid, order_id = :order",
            names={"#state": "state"},
            values={":paid": PaymentState.PAID.value, ":order": order_id},
        )

    def payment_failed_op(self, reference: str, psp_reference: str, reason: str, at_iso: str) -> transactions.Op:
        return transactions.update(
            self._table,
            keys.payment_reference(reference),
            "SET last_failure = :failure",
            values={":failure": {"psp_reference": psp_reference, "reason": reason, "at": at_iso}},
        )


# ---------------------------------------------------------------------------------------------------- documents
def _discount_to_item(discount: Discount | None) -> dict[str, Any] | None:
    if discount is None:
        return None
    return {"kind": discount.kind.value, "value": discount.value, "reason": discount.reason,
            "by": discount.by_associate_id}  # fmt: skip


def _discount_from_item(item: dict[str, Any] | None) -> Discount | None:
    if not item:
        return None
    return Discount(DiscountKind(item["kind"]), to_int(item["value"]), str(item["reason"]), str(item.get("by", "")))


def _line_to_item(line: CartLine) -> dict[str, Any]:
    return without_none(
        {
            "id": line.id,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price_minor,
            "tax_category": line.tax_category,
            "tax_rate_ppm": line.tax_rate_ppm,
            "fulfillment": line.fulfillment.value,
            "image_url": line.image_url,
            "product_url": line.product_url,
            "category_id": line.category_id,
            "discount": _discount_to_item(line.discount),
        }
    )


def _line_from_item(item: dict[str, Any]) -> CartLine:
    return CartLine(
        id=str(item["id"]),
        sku=str(item["sku"]),
        name=str(item["name"]),
        quantity=to_int(item["quantity"]),
        unit_price_minor=to_int(item["unit_price_minor"]),
        tax_category=str(item["tax_category"]),
        tax_rate_ppm=to_int(item["tax_rate_ppm"]),
        fulfillment=Fulfillment(item["fulfillment"]),
        image_url=item.get("image_url"),
        product_url=item.get("product_url"),
        category_id=item.get("category_id"),
        discount=_discount_from_item(item.get("discount")),
    )


def cart_to_document(cart: Cart) -> dict[str, Any]:
    """Every attribute of a cart, for its item, its page's copy and payment requests' snapshots."""
    share = cart.share
    page = cart.page
    return without_none(
        {
            "id": cart.id,
            "store_id": cart.store_id,
            "customer_id": cart.customer_id,
            "currency": cart.currency,
            "tax_mode": cart.tax_mode.value,
            "version": cart.version,
            "lifetime": cart.lifetime,
            "expires_at": int(cart.expires_at.timestamp()),
            "updated_at": when(cart.updated_at),
            "updated_by": cart.updated_by,
            "lines": [_line_to_item(line) for line in cart.lines],
            "discount": _discount_to_item(cart.discount),
            "delivery_address": address_to_item(cart.delivery_address),
            "shipping": without_none(
                {
                    "option_id": cart.shipping.option_id,
                    "name": cart.shipping.name,
                    "price_minor": cart.shipping.price_minor,
                    "tax_category": cart.shipping.tax_category,
                    "tax_rate_ppm": cart.shipping.tax_rate_ppm,
                }
            )
            if cart.shipping
            else None,
            "share": {
                "token": share.token,
                "shared_version": share.shared_version,
                "reference": share.reference,
                "link_id": share.link_id,
                "pay_url": share.pay_url,
                "shared_at": when(share.shared_at),
                "shared_by": share.shared_by,
            }
            if share
            else None,
            "page": {"store_name": page.store_name, "locale": page.locale, "time_zone": page.time_zone,
                     "first_name": page.first_name}
            if page
            else None,
        }
    )  # fmt: skip


def cart_from_document(item: dict[str, Any]) -> Cart:
    share = item.get("share")
    page = item.get("page")
    shipping = item.get("shipping")
    return Cart(
        id=str(item["id"]),
        store_id=str(item["store_id"]),
        customer_id=str(item["customer_id"]),
        currency=str(item["currency"]),
        tax_mode=TaxMode(item["tax_mode"]),
        version=to_int(item["version"]),
        lifetime=str(item["lifetime"]),
        expires_at=datetime.fromtimestamp(to_int(item["expires_at"]), UTC),
        updated_at=dt(item["updated_at"]),
        updated_by=item.get("updated_by"),
        lines=tuple(_line_from_item(line) for line in item.get("lines") or ()),
        discount=_discount_from_item(item.get("discount")),
        delivery_address=address_from_item(item.get("delivery_address")),
        shipping=ShippingChoice(
            option_id=str(shipping["option_id"]),
            name=str(shipping["name"]),
            price_minor=to_int(shipping["price_minor"]),
            tax_category=str(shipping.get("tax_category", "standard")),
            tax_rate_ppm=to_int(shipping.get("tax_rate_ppm", 0)),
        )
        if shipping
        else None,
        share=Share(
            token=str(share["token"]),
            shared_version=to_int(share["shared_version"]),
            reference=str(share["reference"]),
            link_id=str(share["link_id"]),
            pay_url=str(share["pay_url"]),
            shared_at=dt(share["shared_at"]),
            shared_by=str(share["shared_by"]),
        )
        if share
        else None,
        page=PageInfo(
            store_name=str(page["store_name"]),
            locale=str(page["locale"]),
            time_zone=str(page["time_zone"]),
            first_name=str(page["first_name"]),
        )
        if page
        else None,
    )


def payment_request_to_item(request: PaymentRequest) -> dict[str, Any]:
    expires = request.cart.expires_at + PAYMENT_REQUEST_RETENTION
    return without_none(
        {
            **keys.payment_reference(request.reference),
            "entity": "payment_request",
            "reference": request.reference,
            "lifetime": request.cart.lifetime,
            "cart": cart_to_document(request.cart),
            "amount_minor": request.amount_minor,
            "currency": request.currency,
            "token": request.token,
            "shared_by": request.shared_by,
            "state": request.state.value,
            "link_id": request.link_id,
            "order_id": request.order_id,
            "expires_at": int(expires.timestamp()),
        }
    )


def payment_request_from_item(item: dict[str, Any]) -> PaymentRequest:
    return PaymentRequest(
        reference=str(item["reference"]),
        cart=cart_from_document(item["cart"]),
        amount_minor=to_int(item["amount_minor"]),
        currency=str(item["currency"]),
        token=str(item["token"]),
        shared_by=str(item.get("shared_by", "")),
        state=PaymentState(item.get("state", PaymentState.OPEN.value)),
        link_id=item.get("link_id"),
        order_id=item.get("order_id"),
    )
