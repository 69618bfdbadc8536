"""Remote carts, their public page and orders on the wire. Amounts are integers in minor units of `currency`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from clienteling.commerce.domain import carts
from clienteling.commerce.domain.carts import Cart, DiscountKind, Fulfillment, TaxMode
from clienteling.commerce.domain.orders import CartPage
from clienteling.kernel import money
from clienteling.kernel.fields import Address, AddressOut, Sku
from clienteling.kernel.reference import currency_exponent
from clienteling.kernel.wire import ApiModel, Id, ResponseModel

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Quantity = Annotated[int, Field(ge=1, le=carts.MAX_QUANTITY)]


class DiscountIn(ApiModel):
    type: DiscountKind
    percent: Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=4)] | None = Field(
        default=None, description="With type percent: 15 for 15 %"
    )
    amount_minor: Annotated[int, Field(gt=0, le=10**12)] | None = Field(
        default=None, description="With type amount: minor units off (a line's amount is off the whole line)"
    )
    reason: Reason = Field(description="Why: shown to colleagues, kept on the order")

    @model_validator(mode="after")
    def _matches_type(self) -> DiscountIn:
        if self.type == DiscountKind.PERCENT and (self.percent is None or self.amount_minor is not None):
            raise ValueError("a percent discount has `percent` and no `amountMinor`")
        if self.type == DiscountKind.AMOUNT and (self.amount_minor is None or self.percent is not None):
            raise ValueError("an amount discount has `amountMinor` and no `percent`")
        return self

    @property
    def value(self) -> int:
        return money.percent_to_ppm(self.percent) if self.percent is not None else int(self.amount_minor or 0)


class LineAdd(ApiModel):
    sku: Sku
    quantity: Quantity = 1
    fulfillment: Fulfillment = Field(description="in_store: picked up in the store; ship: sent to the address")


class LineChange(ApiModel):
    quantity: Quantity | None = None
    fulfillment: Fulfillment | None = None
    discount: DiscountIn | None = Field(default=None, description="null removes the line's discount")


class CartChange(ApiModel):
    discount: DiscountIn | None = Field(default=None, description="The cart discount; null removes it")
    delivery_address: Address | None = Field(default=None, description="Required to share when a line ships")
    shipping_option_id: Id | None = Field(default=None, description="One of the store's shipping options")


class ShareIn(ApiModel):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = Field(
        default=None, description="Your own words before the link; the localised link message follows"
    )


class DiscountOut(ResponseModel):
    type: DiscountKind
    percent: Decimal | None = None
    amount_minor: int | None = None
    reason: str
    by_associate_id: str | None = None


class CartLineOut(ResponseModel):
    id: str
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    fulfillment: Fulfillment
    tax_category: str
    tax_rate_percent: Decimal
    image_url: str | None = None
    product_url: str | None = None
    discount: DiscountOut | None = None
    gross_minor: int
    line_discount_minor: int
    cart_discount_minor: int = Field(description="This line's exact share of the cart discount")
    tax_minor: int
    total_minor: int


class TaxOut(ResponseModel):
    category: str
    rate_percent: Decimal
    base_minor: int
    tax_minor: int


class TotalsOut(ResponseModel):
    currency: str
    exponent: int = Field(description="Digits of the minor unit: JPY 0, EUR 2, KWD 3")
    tax_mode: TaxMode
    subtotal_minor: int
    line_discounts_minor: int
    cart_discount_minor: int
    discount_minor: int
    shipping_minor: int
    shipping_tax_minor: int
    shipping_total_minor: int
    tax_minor: int = Field(description="Included in the total (inclusive) or added to it (exclusive)")
    total_minor: int = Field(description="The sum of the line totals and the shipping total, to the unit")
    taxes: list[TaxOut]


class ShippingOut(ResponseModel):
    option_id: str
    name: str
    price_minor: int


class ShareOut(ResponseModel):
    page_url: str
    payment_url: str
    shared_version: int
    current: bool = Field(description="false once the cart changed: share again for a new payment link")
    shared_at: datetime
    shared_by: str


class CartOut(ResponseModel):
    id: str
    store_id: str
    customer_id: str
    version: int = Field(description="Also the ETag; send it as If-Match to change the cart")
    currency: str
    tax_mode: TaxMode
    lines: list[CartLineOut]
    discount: DiscountOut | None = None
    delivery_address: AddressOut | None = None
    shipping: ShippingOut | None = None
    totals: TotalsOut
    expires_at: datetime | None = Field(default=None, description="The store's next local midnight")
    shared: ShareOut | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


class ShareResult(ResponseModel):
    cart: CartOut
    page_url: str
    payment_url: str
    message_id: str
    message_status: str


class OrderLineOut(ResponseModel):
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    fulfillment: Fulfillment
    category_id: str | None = None
    discount_minor: int
    tax_minor: int
    total_minor: int


class OrderOut(ResponseModel):
    id: str
    cart_id: str
    payment_reference: str
    psp_reference: str
    store_id: str
    customer_id: str
    conversation_id: str
    associate_id: str | None = Field(default=None, description="The sale's attribution: last associate who wrote")
    currency: str
    tax_mode: TaxMode
    lines: list[OrderLineOut]
    subtotal_minor: int
    discount_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int
    delivery_address: AddressOut | None = None
    shipping_name: str | None = None
    cart_changed_since: bool = Field(description="true: the customer paid a version the associate changed since")
    created_at: datetime


class PageLineOut(ResponseModel):
    name: str
    quantity: int
    unit_price_minor: int
    fulfillment: Fulfillment
    image_url: str | None = None
    product_url: str | None = None
    gross_minor: int
    discount_minor: int = Field(description="The line's own discount")
    discount_reason: str | None = None
    price_minor: int = Field(description="What the line costs after its own discount (before the cart discount)")
    total_minor: int = Field(description="After its exact share of the cart discount (and tax when added)")


class CartPageOut(ResponseModel):
    """What the customer's page shows (GET /c/{token}.json): the same data as the HTML."""

    status: Literal["open", "updating", "paid"] = Field(
        description="open: payable now; updating: changed since shared, the associate will share again; paid"
    )
    store_name: str
    locale: str
    first_name: str
    currency: str
    exponent: int
    tax_mode: TaxMode
    lines: list[PageLineOut]
    subtotal_minor: int = Field(description="The lines after their own discounts")
    discount_minor: int = Field(description="Every discount: the lines' and the cart's")
    cart_discount_minor: int
    cart_discount_reason: str | None = None
    shipping_minor: int
    shipping_name: str | None = None
    delivery_city: str | None = None
    tax_minor: int
    total_minor: int
    expires_at: datetime
    pay_url: str | None = None
    order_id: str | None = None


# ------------------------------------------------------------------------------------------------------ mapping
def discount_out(discount: carts.Discount | None) -> DiscountOut | None:
    if discount is None:
        return None
    percent = discount.kind == DiscountKind.PERCENT
    return DiscountOut(
        type=discount.kind,
        percent=money.ppm_to_percent(discount.value) if percent else None,
        amount_minor=None if percent else discount.value,
        reason=discount.reason,
        by_associate_id=discount.by_associate_id,
    )


def totals_out(totals: carts.Totals) -> TotalsOut:
    return TotalsOut(
        currency=totals.currency,
        exponent=currency_exponent(totals.currency),
        tax_mode=totals.tax_mode,
        subtotal_minor=totals.subtotal_minor,
        line_discounts_minor=totals.line_discounts_minor,
        cart_discount_minor=totals.cart_discount_minor,
        discount_minor=totals.discount_minor,
        shipping_minor=totals.shipping_minor,
        shipping_tax_minor=totals.shipping_tax_minor,
        shipping_total_minor=totals.shipping_total_minor,
        tax_minor=totals.tax_minor,
        total_minor=totals.total_minor,
        taxes=[
            TaxOut(category=t.category, rate_percent=money.ppm_to_percent(t.rate_ppm), base_minor=t.base_minor,
                   tax_minor=t.tax_minor)
            for t in totals.taxes
        ],
    )  # fmt: skip


def cart_out(cart: Cart, page_url: str | None) -> CartOut:
    totals = carts.price(cart)
    lines = []
    for line in cart.lines:
        p = totals.line(line.id)
        lines.append(
            CartLineOut(
                id=line.id,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                fulfillment=line.fulfillment,
                tax_category=line.tax_category,
                tax_rate_percent=money.ppm_to_percent(line.tax_rate_ppm),
                image_url=line.image_url,
                product_url=line.product_url,
                discount=discount_out(line.discount),
                gross_minor=p.gross_minor,
                line_discount_minor=p.line_discount_minor,
                cart_discount_minor=p.cart_discount_minor,
                tax_minor=p.tax_minor,
                total_minor=p.total_minor,
            )
        )
    share = cart.share
    return CartOut(
        id=cart.id,
        store_id=cart.store_id,
        customer_id=cart.customer_id,
        version=cart.version,
        currency=cart.currency,
        tax_mode=cart.tax_mode,
        lines=lines,
        discount=discount_out(cart.discount),
        delivery_address=AddressOut.model_validate(cart.delivery_address, from_attributes=True)
        if cart.delivery_address
        else None,
        shipping=ShippingOut(
            option_id=cart.shipping.option_id, name=cart.shipping.name, price_minor=cart.shipping.price_minor
        )
        if cart.shipping
        else None,
        totals=totals_out(totals),
        expires_at=cart.expires_at if cart.version else None,
        shared=ShareOut(
            page_url=page_url or "",
            payment_url=share.pay_url,
            shared_version=share.shared_version,
            current=cart.link_is_current,
            shared_at=share.shared_at,
            shared_by=share.shared_by,
        )
        if share is not None
        else None,
        updated_at=cart.updated_at if cart.version else None,
        updated_by=cart.updated_by,
    )


def cart_page_out(page: CartPage) -> CartPageOut:
    cart = page.cart
    totals = carts.price(cart)
    lines = [
        PageLineOut(
            name=line.name,
            quantity=line.quantity,
            unit_price_minor=line.unit_price_minor,
            fulfillment=line.fulfillment,
            image_url=line.image_url,
            product_url=line.product_url,
            gross_minor=p.gross_minor,
            discount_minor=p.line_discount_minor,
            discount_reason=line.discount.reason if line.discount and p.line_discount_minor else None,
            price_minor=p.gross_minor - p.line_discount_minor,
            total_minor=p.total_minor,
        )
        for line, p in zip(cart.lines, totals.lines, strict=True)
    ]
    ships = cart.ships and cart.shipping is not None
    return CartPageOut(
        status=page.status.value,
        store_name=page.page.store_name,
        locale=page.page.locale,
        first_name=page.page.first_name,
        currency=cart.currency,
        exponent=currency_exponent(cart.currency),
        tax_mode=cart.tax_mode,
        lines=lines,
        subtotal_minor=totals.subtotal_minor - totals.line_discounts_minor,
        discount_minor=totals.discount_minor,
        cart_discount_minor=totals.cart_discount_minor,
        cart_discount_reason=cart.discount.reason if cart.discount and totals.cart_discount_minor else None,
        shipping_minor=totals.shipping_total_minor,
        shipping_name=cart.shipping.name if ships and cart.shipping else None,
        delivery_city=cart.delivery_address.city if ships and cart.delivery_address else None,
        tax_minor=totals.tax_minor,
        total_minor=totals.total_minor,
        expires_at=cart.expires_at,
        pay_url=cart.share.pay_url if page.status.value == "open" and cart.share else None,
        order_id=page.order_id,
    )
