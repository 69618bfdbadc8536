"""Remote carts: associates fill a customer's cart, discount it, choose delivery, and share it by SMS with a
payment link. Store scoping: every method checks that the caller works in the cart's store.

A change is 1 read and 1 conditional write (the version the associate read, sent as If-Match): two associates
never overwrite each other. An expired cart (past the store's local midnight) reads as empty, whatever TTL has
not deleted yet, and the next change starts it afresh.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from clienteling.commerce.contracts.carts import CartChange, DiscountIn, LineAdd, LineChange
from clienteling.commerce.domain import cart_texts, carts
from clienteling.commerce.domain.carts import Cart, CartLine, Discount, PageInfo, Share, ShippingChoice, TaxMode
from clienteling.commerce.domain.orders import PaymentRequest
from clienteling.commerce.events import CartShared
from clienteling.commerce.repositories.carts import ReferenceTaken
from clienteling.directory.ports import CustomerRecords, ProductLookup, Store, StoreLookup
from clienteling.kernel import money
from clienteling.kernel.access import Caller
from clienteling.kernel.addresses import Address
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Conflict, Forbidden, NotFound, ProviderUnavailable, StaleVersion, Unprocessable
from clienteling.kernel.ids import new_id
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import LineItem, PaymentLink, PaymentLinks, PaymentProviderError
from clienteling.kernel.transactions import Op
from clienteling.kernel.unit_of_work import StartWork
from clienteling.messaging.ports import Message, TextSender

TOKEN_BYTES = 24  # 192 random bits in the customer's link


class CartEmpty(Conflict):
    code = "cart_empty"
    default_message = "The cart is empty: add a product before sharing it."


class DeliveryRequired(Conflict):
    code = "delivery_required"
    default_message = "A line ships: set a delivery address and a shipping option before sharing."


class DiscountTooDeep(Forbidden):
    code = "discount_above_maximum"


class NotInStoreStock(Conflict):
    code = "not_in_store_stock"
    default_message = "This product is not in stock in the store: ship it instead."


class CartStore(Protocol):
    """What the cart use cases read and write of carts, pages and payment requests: `CartRepository` in the
    product, an in-memory one in the fast service tests (tests/fakes)."""

    def get(self, cart_id: str) -> Cart | None: ...

    def save(self, cart: Cart, *, previous_version: int) -> None: ...

    def cart_op(self, cart: Cart, *, previous_version: int, lifetime: str | None = None) -> Op: ...

    def page_op(
        self, cart: Cart, *, token: str, order_id: str | None = None, paid_total_minor: int | None = None
    ) -> Op: ...

    def claim_reference_op(self, request: PaymentRequest) -> Op: ...

    def payment_link_op(self, reference: str, link_id: str) -> Op: ...


@dataclass(frozen=True, slots=True)
class Shared:
    cart: Cart
    page_url: str
    message: Message


def _unprocessable(field: str, kind: str, message: str) -> Unprocessable:
    return Unprocessable(message, details=[{"field": field, "loc": ["body", field], "type": kind}])


class CartService:
    def __init__(
        self,
        *,
        carts_repo: CartStore,
        catalog: ProductLookup,
        customers: CustomerRecords,
        stores: StoreLookup,
        texts: Callable[[], TextSender],
        payments: Callable[[], PaymentLinks],
        work: StartWork,
        clock: Clock,
        public_base_url: str,
    ) -> None:
        self._carts = carts_repo
        self._catalog = catalog
        self._customers = customers
        self._stores = stores
        self._texts = texts
        self._payments = payments
        self._work = work
        self._clock = clock
        self._base_url = public_base_url.rstrip("/")

    def page_url(self, cart: Cart) -> str | None:
        return f"{self._base_url}/c/{cart.share.token}" if cart.share else None

    # ------------------------------------------------------------------ reading
    def for_customer(self, caller: Caller, customer_id: str, store_id: str) -> Cart:
        return self.get(caller, carts.cart_id(store_id, customer_id))

    def get(self, caller: Caller, cart_id: str) -> Cart:
        store, customer_id = self._scope(caller, cart_id)
        return self._current(cart_id, store, customer_id)

    def _scope(self, caller: Caller, cart_id: str) -> tuple[Store, str]:
        parsed = carts.parse_cart_id(cart_id)
        if parsed is None:
            raise NotFound("No such cart.")
        store_id, customer_id = parsed
        caller.require_store(store_id)
        store = self._stores.get(store_id)
        if store is None:
            raise NotFound("No such store.")
        return store, customer_id

    def _current(self, cart_id: str, store: Store, customer_id: str) -> Cart:
        """The cart as the associate sees it: an expired one is empty (its version stays, for If-Match)."""
        now = self._clock()
        saved = self._carts.get(cart_id)
        if saved is not None and not carts.is_expired(saved, now):
            return saved
        return Cart(
            id=cart_id,
            store_id=store.id,
            customer_id=customer_id,
            currency=store.currency,
            tax_mode=TaxMode(store.tax_mode),
            version=saved.version if saved else 0,
            lifetime=new_id(),
            expires_at=carts.next_midnight(now, store.time_zone),
            updated_at=now,
        )

    # ------------------------------------------------------------------ changing
    def add_line(self, caller: Caller, cart_id: str, data: LineAdd, *, expected_version: int) -> Cart:
        def change(cart: Cart, store: Store) -> Cart:
            product = self._catalog.get(data.sku)
            if product is None:
                raise _unprocessable("sku", "not_found", "No product with this SKU in the catalog.")
            if product.currency != store.currency:
                raise _unprocessable(
                    "sku", "currency", f"This product is priced in {product.currency}; the store sells in "
                    f"{store.currency}."
                )  # fmt: skip
            if data.fulfillment == carts.Fulfillment.IN_STORE and not product.available_in(store.id):
                raise NotInStoreStock()
            same = next(
                (line for line in cart.lines if line.sku == data.sku and line.fulfillment == data.fulfillment), None
            )
            if same is not None:
                quantity = same.quantity + data.quantity
                if quantity > carts.MAX_QUANTITY:
                    raise _unprocessable("quantity", "too_many", f"At most {carts.MAX_QUANTITY} of one product.")
                return _replace_line(cart, dataclasses.replace(same, quantity=quantity))
            if len(cart.lines) >= carts.MAX_LINES:
                raise _unprocessable("sku", "too_many_lines", f"A cart holds at most {carts.MAX_LINES} lines.")
            line = CartLine(
                id=new_id(),
                sku=product.sku,
                name=product.name,
                quantity=data.quantity,
                unit_price_minor=product.price_minor,
                tax_category=product.tax_category,
                tax_rate_ppm=_tax_rate(store, product.tax_category, "sku"),
                fulfillment=data.fulfillment,
                image_url=product.image_url,
                product_url=product.product_url,
                category_id=product.category_id,
            )
            return dataclasses.replace(cart, lines=(*cart.lines, line))

        return self._change(caller, cart_id, expected_version, change)

    def change_line(
        self, caller: Caller, cart_id: str, line_id: str, data: LineChange, *, expected_version: int
    ) -> Cart:
        def change(cart: Cart, store: Store) -> Cart:
            line = cart.line(line_id)
            if line is None:
                raise NotFound("No such line in the cart.")
            updated = line
            if data.quantity is not None:
                updated = dataclasses.replace(updated, quantity=data.quantity)
            if data.fulfillment is not None and data.fulfillment != line.fulfillment:
                if data.fulfillment == carts.Fulfillment.IN_STORE:
                    product = self._catalog.get(line.sku)
                    if product is None or not product.available_in(store.id):
                        raise NotInStoreStock()
                updated = dataclasses.replace(updated, fulfillment=data.fulfillment)
            if "discount" in data.model_fields_set:
                updated = dataclasses.replace(updated, discount=_discount(data.discount, caller))
            return _replace_line(cart, updated)

        return self._change(caller, cart_id, expected_version, change)

    def remove_line(self, caller: Caller, cart_id: str, line_id: str, *, expected_version: int) -> Cart:
        def change(cart: Cart, _store: Store) -> Cart:
            if cart.line(line_id) is None:
                raise NotFound("No such line in the cart.")
            return dataclasses.replace(cart, lines=tuple(line for line in cart.lines if line.id != line_id))

        return self._change(caller, cart_id, expected_version, change)

    def update(self, caller: Caller, cart_id: str, data: CartChange, *, expected_version: int) -> Cart:
        def change(cart: Cart, store: Store) -> Cart:
            fields = data.model_fields_set
            if "discount" in fields:
                cart = dataclasses.replace(cart, discount=_discount(data.discount, caller))
            if "delivery_address" in fields:
                address = data.delivery_address
                cart = dataclasses.replace(
                    cart,
                    delivery_address=Address(**address.model_dump()) if address is not None else None,
                )
            if "shipping_option_id" in fields:
                cart = dataclasses.replace(cart, shipping=_shipping(store, data.shipping_option_id))
            if cart.shipping is not None and cart.delivery_address is not None:
                option = store.cart_settings.shipping_option(cart.shipping.option_id)
                if option is not None and option.countries and cart.delivery_address.country not in option.countries:
                    country = cart.delivery_address.country
                    raise _unprocessable("shippingOptionId", "country", f"{option.name} does not deliver to {country}.")
            return cart

        return self._change(caller, cart_id, expected_version, change)

    def empty(self, caller: Caller, cart_id: str, *, expected_version: int) -> Cart:
        def change(cart: Cart, _store: Store) -> Cart:
            return dataclasses.replace(cart, lines=(), discount=None, delivery_address=None, shipping=None)

        return self._change(caller, cart_id, expected_version, change)

    def _change(
        self, caller: Caller, cart_id: str, expected_version: int, change: Callable[[Cart, Store], Cart]
    ) -> Cart:
        store, customer_id = self._scope(caller, cart_id)
        before = self._current(cart_id, store, customer_id)
        if before.version != expected_version:
            raise StaleVersion()
        if before.version == 0 and self._customers.get(customer_id) is None:
            raise NotFound("No such customer.")
        changed = change(before, store)
        carts.check_fulfillment(changed.lines, allow_mixed=store.cart_settings.allow_mixed_fulfillment)
        self._check_discounts(caller, store, changed)
        now = self._clock()
        after = dataclasses.replace(
            changed,
            version=before.version + 1,
            expires_at=carts.next_midnight(now, store.time_zone),
            updated_at=now,
            updated_by=caller.associate_id,
        )
        self._carts.save(after, previous_version=before.version)
        if before.link_is_current:
            # What the customer could pay is not the cart any more: the next share makes a new link.
            self._expire_link(before.share.link_id if before.share else "")
        return after

    @staticmethod
    def _check_discounts(caller: Caller, store: Store, cart: Cart) -> None:
        maximum = store.cart_settings.max_discount_ppm
        if maximum is None or caller.is_manager:
            return
        deepest = carts.deepest_discount(cart)
        if deepest > Fraction(maximum, money.PPM):
            shown = money.ppm_to_percent(maximum)
            raise DiscountTooDeep(
                f"Discounts would take {float(deepest * 100):.2f} % off a line; this store allows at most {shown} % "
                "without a manager.",
                details=[{"field": "discount", "loc": ["body", "discount"], "type": "above_maximum"}],
            )

    def _expire_link(self, link_id: str) -> None:
        if not link_id:
            return
        try:
            self._payments().expire_link(link_id)
        except (PaymentProviderError, ValueError):
            # The next share tries again; a payment on it meanwhile is still recorded as what was shared.
            logger.warning("payment link not expired", extra={"link_id": link_id})

    # ------------------------------------------------------------------ sharing
    def share(self, caller: Caller, cart_id: str, note: str | None, *, expected_version: int | None) -> Shared:
        store, customer_id = self._scope(caller, cart_id)
        cart = self._current(cart_id, store, customer_id)
        if expected_version is not None and cart.version != expected_version:
            raise StaleVersion()
        if not cart.lines:
            raise CartEmpty()
        if cart.ships and (cart.delivery_address is None or cart.shipping is None):
            raise DeliveryRequired()
        total = carts.price(cart).total_minor
        if total <= 0:
            raise Conflict("There is nothing to pay: the cart's total is zero.")
        # 404 or 409 before any link is made; what the text needs is read once, here.
        texting = self._texts().context_for(caller, store.id, customer_id)
        customer = texting.customer
        page = PageInfo(store.name, store.locale, store.time_zone, customer.first_name)
        if not cart.link_is_current:
            shared = self._new_link(caller, store, cart, total, page)
        elif cart.page != page:
            shared = dataclasses.replace(cart, page=page)
            self._carts.save(shared, previous_version=cart.version)  # same version: the contents did not change
        else:
            shared = cart
        url = self.page_url(shared) or ""
        body = cart_texts.text(store.locale, "share", first_name=customer.first_name, store=store.name, url=url)
        message = self._texts().send_text(caller, texting, f"{note.strip()}\n{body}" if note else body)
        logger.info("cart shared", extra={"cart_id": cart.id, "version": shared.version, "total_minor": total})
        return Shared(cart=shared, page_url=url, message=message)

    def _new_link(self, caller: Caller, store: Store, cart: Cart, total: int, page: PageInfo) -> Cart:
        """A payment link for this version of the cart: claim the reference, ask Adyen, save it with the page."""
        token = cart.share.token if cart.share else secrets.token_urlsafe(TOKEN_BYTES)
        for _ in range(3):
            reference = carts.payment_reference(cart.id, cart.version)
            request = PaymentRequest(
                reference=reference,
                cart=dataclasses.replace(cart, page=page),
                amount_minor=total,
                currency=cart.currency,
                token=token,
                shared_by=caller.associate_id,
            )
            try:
                with self._work() as work:
                    work.add(self._carts.claim_reference_op(request))
                break
            except ReferenceTaken:
                # An earlier life of this cart (deleted by TTL) used this version: step past it.
                bumped = dataclasses.replace(cart, version=cart.version + 1)
                self._carts.save(bumped, previous_version=cart.version)
                cart = bumped
        else:
            raise Conflict("The cart keeps changing; read it again and retry.")
        link = self._create_link(store, cart, total, reference, f"{self._base_url}/c/{token}")
        now = self._clock()
        previous = cart.share
        shared = dataclasses.replace(
            cart,
            share=Share(
                token=token,
                shared_version=cart.version,
                reference=reference,
                link_id=link.id,
                pay_url=link.url,
                shared_at=now,
                shared_by=caller.associate_id,
            ),
            page=page,
        )
        with self._work() as work:
            work.add(
                self._carts.cart_op(shared, previous_version=cart.version, lifetime=cart.lifetime),
                self._carts.page_op(shared, token=token),
                self._carts.payment_link_op(reference, link.id),
            )
            work.emit(
                CartShared(
                    cart_id=cart.id,
                    store_id=cart.store_id,
                    customer_id=cart.customer_id,
                    associate_id=caller.associate_id,
                    version=cart.version,
                    total_minor=total,
                    currency=cart.currency,
                    occurred_at=now,
                )
            )
        if previous is not None and previous.link_id != link.id:
            self._expire_link(previous.link_id)
        return shared

    def _create_link(self, store: Store, cart: Cart, total: int, reference: str, page_url: str) -> PaymentLink:
        totals = carts.price(cart)
        inclusive = cart.tax_mode == TaxMode.INCLUSIVE
        items = [
            LineItem(
                id=line.id,
                description=line.name,
                quantity=line.quantity,
                amount_including_tax_minor=_per_unit(p.total_minor, line.quantity),
                amount_excluding_tax_minor=_per_unit(p.net_minor - (p.tax_minor if inclusive else 0), line.quantity),
                tax_amount_minor=_per_unit(p.tax_minor, line.quantity),
                tax_percentage_basis_points=round(line.tax_rate_ppm / 100),
                image_url=line.image_url,
                product_url=line.product_url,
            )
            for line, p in zip(cart.lines, totals.lines, strict=True)
        ]  # fmt: skip
        if totals.shipping_total_minor and cart.shipping is not None:
            items.append(
                LineItem(
                    id="shipping",
                    description=cart.shipping.name,
                    quantity=1,
                    amount_including_tax_minor=totals.shipping_total_minor,
                    amount_excluding_tax_minor=totals.shipping_total_minor - totals.shipping_tax_minor
                    if inclusive
                    else totals.shipping_minor,
                    tax_amount_minor=totals.shipping_tax_minor,
                    tax_percentage_basis_points=round(cart.shipping.tax_rate_ppm / 100),
                )
            )
        try:
            return self._payments().create_link(
                reference=reference,
                amount_minor=total,
                currency=cart.currency,
                expires_at=cart.expires_at,
                return_url=page_url,
                shopper_locale=store.locale,
                country_code=store.country,
                line_items=items,
                shopper_reference=cart.customer_id,
                idempotency_key=f"{reference}.{cart.lifetime}",
            )
        except PaymentProviderError as error:
            logger.warning("payment link refused", extra={"status": error.status, "code": error.error_code})
            if error.retryable:
                raise ProviderUnavailable("The payment provider did not answer; share again in a moment.") from error
            raise Unprocessable("The payment provider refused to create the payment link.") from error


def _per_unit(amount: int, quantity: int) -> int:
    """Adyen's line items carry unit amounts; the link's amount is what decides, this is only what Adyen shows."""
    return money.round_half_up(Fraction(amount, quantity))


def _replace_line(cart: Cart, line: CartLine) -> Cart:
    return dataclasses.replace(cart, lines=tuple(line if old.id == line.id else old for old in cart.lines))


def _tax_rate(store: Store, category: str, field: str) -> int:
    rate = store.cart_settings.tax_rates_ppm.get(category)
    if rate is None:
        raise _unprocessable(
            field, "no_tax_rate", f"The store has no tax rate for the tax category '{category}': a manager sets it "
            "in the store's cart settings."
        )  # fmt: skip
    return rate


def _discount(data: DiscountIn | None, caller: Caller) -> Discount | None:
    if data is None:
        return None
    return Discount(kind=data.type, value=data.value, reason=data.reason, by_associate_id=caller.associate_id)


def _shipping(store: Store, option_id: str | None) -> ShippingChoice | None:
    if option_id is None:
        return None
    option = store.cart_settings.shipping_option(option_id)
    if option is None:
        raise _unprocessable("shippingOptionId", "not_found", "The store has no such shipping option.")
    category = store.cart_settings.shipping_tax_category
    return ShippingChoice(
        option_id=option.id,
        name=option.name,
        price_minor=option.price_minor,
        tax_category=category,
        tax_rate_ppm=_tax_rate(store, category, "shippingOptionId"),
    )
