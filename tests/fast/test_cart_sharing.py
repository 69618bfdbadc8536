"""Sharing a remote cart (commerce.services.carts.CartService.share), in memory: the payment link asked of Adyen,
the text the customer gets, what is saved and published, and what stops a share before anything is made. The same
rules run end to end in tests/e2e/test_carts.py (with the simulators) and on DynamoDB Local in
tests/integration/test_carts.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from clienteling.commerce.contracts.carts import CartChange, DiscountIn, LineAdd, LineChange
from clienteling.commerce.domain.carts import Cart, DiscountKind, Fulfillment, PageInfo, cart_id, next_midnight
from clienteling.commerce.events import CartShared
from clienteling.commerce.services.carts import CartEmpty, CartService, Shared
from clienteling.directory.ports import Customer, Product, Status, Store
from clienteling.edge.errors import status_for
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.errors import (
    ConsentRequired,
    DomainError,
    NotFound,
    OptedOut,
    ProviderUnavailable,
    Unprocessable,
)
from clienteling.kernel.fields import Address as AddressIn
from clienteling.kernel.providers import ACTIVE, EXPIRED, PaymentProviderError

from tests.fakes.clock import ManualClock
from tests.fakes.commerce import FakeCarts
from tests.fakes.directory import FakeCatalog, FakeCustomers, FakeStores
from tests.fakes.messaging import FakeTextSender
from tests.fakes.providers import FakePaymentLinks, FakeSms
from tests.fakes.storage import InMemoryTransactions
from tests.fast.givens import ZOE_MOBILE, associate, paris, zoe

BASE_URL = "https://clienteling.example"


@dataclass
class Shop:
    """A Paris store with cart settings (20 % VAT included, Colissimo at 9.90), two products, Zoë opted in to chat
    with the store, and Léa, an associate of the store."""

    store: Store
    customer: Customer
    lea: Caller
    dress: Product  # 390.00, in stock in the store
    bag: Product  # 650.00, shipped only
    customers: FakeCustomers
    carts: FakeCarts
    links: FakePaymentLinks
    sms: FakeSms
    texts: FakeTextSender
    transactions: InMemoryTransactions
    service: CartService

    @property
    def cart_id(self) -> str:
        return cart_id(self.store.id, self.customer.id)

    def cart(self) -> Cart:
        return self.service.get(self.lea, self.cart_id)

    def fill(self) -> Cart:
        """The dress picked up in the store, the bag shipped to Lyon by Colissimo."""
        cart = self.service.add_line(
            self.lea, self.cart_id, LineAdd(sku=self.dress.sku, fulfillment=Fulfillment.IN_STORE), expected_version=0
        )
        cart = self.service.add_line(
            self.lea, self.cart_id, LineAdd(sku=self.bag.sku, fulfillment=Fulfillment.SHIP),
            expected_version=cart.version,
        )  # fmt: skip
        lyon = AddressIn(line1="3 rue du Bac", city="Lyon", postal_code="69002", country="FR")
        return self.service.update(
            self.lea, self.cart_id, CartChange(delivery_address=lyon, shipping_option_id="colissimo"),
            expected_version=cart.version,
        )  # fmt: skip

    def share(self, note: str | None = None) -> Shared:
        return self.service.share(self.lea, self.cart_id, note, expected_version=None)

    def nothing_was_shared(self) -> None:
        """No link asked of Adyen, no text sent, no page, nothing published."""
        assert self.links.requests == []
        assert self.sms.sent == []
        assert self.transactions.published(CartShared) == []
        saved = self.carts.get(self.cart_id)
        assert saved is None or saved.share is None


def _shop(clock: ManualClock, transactions: InMemoryTransactions, *, locale: str = "fr-FR",
          chat: Status | None = Status.OPTED_IN, texted: bool = True) -> Shop:  # fmt: skip
    store = paris(clock(), locale=locale)
    dress = Product("DRESS-1", "Robe portefeuille en soie", 39000, "EUR", "standard", category_id="dresses",
                    image_url="https://img.example/dress.jpg", product_url="https://shop.example/dress",
                    availability={store.id: True})  # fmt: skip
    bag = Product("BAG-1", "Sac cabas en cuir grainé", 65000, "EUR", "standard", availability={store.id: False})
    customers = FakeCustomers()
    customer = customers.add(zoe(store, clock() - timedelta(days=2), chat=chat))
    stores = FakeStores(store)
    sms = FakeSms()
    texts = FakeTextSender(customers=customers, stores=stores, sms=sms, clock=clock)
    if texted:
        texts.open_conversation(store.id, customer.id)
    links = FakePaymentLinks(clock)
    carts = FakeCarts()
    service = CartService(
        carts_repo=carts,
        catalog=FakeCatalog(dress, bag),
        customers=customers,
        stores=stores,
        texts=lambda: texts,
        payments=lambda: links,
        work=transactions.start,
        clock=clock,
        public_base_url=BASE_URL,
    )
    lea = associate(store)
    return Shop(store, customer, lea, dress, bag, customers, carts, links, sms, texts, transactions, service)


@pytest.fixture
def shop(clock: ManualClock, transactions: InMemoryTransactions) -> Shop:
    return _shop(clock, transactions)


def test_the_link_is_made_for_the_priced_total_with_the_carts_lines(shop: Shop, clock: ManualClock) -> None:
    # Given a cart with an in-store dress (390.00), a shipped bag (650.00) and Colissimo (9.90), VAT 20 % included
    cart = shop.fill()
    dress, bag = cart.lines

    # When Léa shares it
    shared = shop.share()

    # Then Adyen was asked for one link of 1049.90 EUR for this version of the cart, until the store's midnight
    (request,) = shop.links.requests
    assert (request.amount_minor, request.currency) == (39000 + 65000 + 990, "EUR")
    assert request.reference == f"{cart.id}-{cart.version}"
    assert request.expires_at == next_midnight(clock(), "Europe/Paris")
    assert (request.shopper_locale, request.country_code, request.shopper_reference) == (
        "fr-FR",
        "FR",
        shop.customer.id,
    )
    assert request.return_url == shared.page_url
    # And its lines are the cart's, per unit, with the VAT each contains (x / 6 at 20 % included, half up)
    assert [
        (i.id, i.description, i.quantity, i.amount_including_tax_minor, i.amount_excluding_tax_minor,
         i.tax_amount_minor, i.tax_percentage_basis_points)
        for i in request.line_items
    ] == [
        (dress.id, "Robe portefeuille en soie", 1, 39000, 32500, 6500, 2000),
        (bag.id, "Sac cabas en cuir grainé", 1, 65000, 54167, 10833, 2000),
        ("shipping", "Colissimo 48 h", 1, 990, 825, 165, 2000),
    ]  # fmt: skip
    assert (request.line_items[0].image_url, request.line_items[0].product_url) == (
        "https://img.example/dress.jpg",
        "https://shop.example/dress",
    )
    # And the cart now carries the link, current for this version, with the payment request it was made for
    assert shared.cart.share is not None
    assert shared.cart.link_is_current
    assert shop.links.status(shared.cart.share.link_id) == ACTIVE
    payment = shop.carts.payment_request(request.reference)
    assert payment is not None
    assert (payment.amount_minor, payment.link_id) == (104990, shared.cart.share.link_id)
    assert payment.shared_by == shop.lea.associate_id


@pytest.mark.parametrize(
    ("locale", "greeting"),
    [
        ("fr-FR", "Bonjour Zoë, voici votre panier Maison Rivoli : "),
        ("en-US", "Hi Zoë, here is your cart from Maison Rivoli: "),
    ],
)
def test_the_customer_is_texted_the_page_in_the_stores_language_after_the_associates_note(
    clock: ManualClock, transactions: InMemoryTransactions, locale: str, greeting: str
) -> None:
    # Given a filled cart in a store speaking `locale`
    shop = _shop(clock, transactions, locale=locale)
    shop.fill()

    # When Léa shares it with a note of her own
    shared = shop.share("  Votre sélection  ")

    # Then Zoë's phone got one text from the store's number: the note, then the localised message with her page
    (text,) = shop.sms.to(ZOE_MOBILE)
    assert text.from_ == shop.store.phone_number
    note, message = (text.body or "").split("\n")
    assert note == "Votre sélection"
    assert message.startswith(greeting + shared.page_url)
    assert shared.page_url.startswith(f"{BASE_URL}/c/")
    assert shared.message.provider_sid == text.sid
    # And her page shows the cart as shared, in the store's language, with her first name only
    assert shared.cart.share is not None
    page = shop.carts.page(shared.cart.share.token)
    assert page is not None
    assert page.page == PageInfo("Maison Rivoli", locale, "Europe/Paris", "Zoë")
    assert page.cart == shared.cart


def test_a_share_publishes_cart_shared(shop: Shop) -> None:
    # Given a filled cart
    cart = shop.fill()

    # When Léa shares it
    shop.share()

    # Then CartShared says who shared which version of the cart, and for how much
    (event,) = shop.transactions.published(CartShared)
    assert (event.cart_id, event.store_id, event.customer_id, event.associate_id, event.version) == (
        cart.id,
        shop.store.id,
        shop.customer.id,
        shop.lea.associate_id,
        cart.version,
    )
    assert (event.total_minor, event.currency) == (104990, "EUR")


def test_sharing_an_unchanged_cart_again_reuses_its_link(shop: Shop) -> None:
    # Given a cart shared once
    shop.fill()
    first = shop.share()

    # When Léa shares it again without changing it
    again = shop.share()

    # Then no new link is asked of Adyen and nothing new is published: the customer gets the same page again
    assert len(shop.links.requests) == 1
    assert len(shop.transactions.published(CartShared)) == 1
    assert again.cart.share == first.cart.share
    assert again.page_url == first.page_url
    assert [again.page_url in (t.body or "") for t in shop.sms.to(ZOE_MOBILE)] == [True, True]


def test_changing_a_shared_cart_expires_its_link_and_the_next_share_makes_a_new_one(shop: Shop) -> None:
    # Given a shared cart
    cart = shop.fill()
    first = shop.share()
    assert first.cart.share is not None
    old_link = first.cart.share.link_id

    # When Léa changes a quantity
    changed = shop.service.change_line(
        shop.lea, shop.cart_id, cart.lines[1].id, LineChange(quantity=2), expected_version=first.cart.version
    )

    # Then the old link can no longer be paid, and the cart's link is no longer current
    assert shop.links.status(old_link) == EXPIRED
    assert shop.links.expired == [old_link]
    assert not changed.link_is_current

    # When she shares it again
    second = shop.share()

    # Then a new link is made for the new total, on the same page
    assert second.cart.share is not None
    assert second.cart.share.link_id != old_link
    assert [r.amount_minor for r in shop.links.requests] == [104990, 104990 + 65000]
    assert shop.links.status(second.cart.share.link_id) == ACTIVE
    assert second.page_url == first.page_url
    assert [e.version for e in shop.transactions.published(CartShared)] == [first.cart.version, changed.version]


@pytest.mark.parametrize(
    ("chat", "conversation", "refusal", "status"),
    [
        pytest.param(Status.OPTED_OUT, True, OptedOut, 409, id="opted-out"),
        pytest.param(None, True, ConsentRequired, 409, id="never-asked"),
        pytest.param(Status.OPTED_IN, False, NotFound, 404, id="never-texted"),
    ],
)
def test_no_link_is_made_for_a_customer_the_store_may_not_text(
    *,
    clock: ManualClock,
    transactions: InMemoryTransactions,
    chat: Status | None,
    conversation: bool,
    refusal: type[DomainError],
    status: int,
) -> None:
    # Given a filled cart for a customer who opted out, was never asked, or never texted with the store
    shop = _shop(clock, transactions, chat=chat, texted=conversation)
    shop.fill()

    # When Léa shares it
    with pytest.raises(refusal) as refused:
        shop.share()

    # Then it is refused before Adyen is asked anything, and nothing is sent, saved or published
    assert status_for(refused.value) == status
    shop.nothing_was_shared()


def test_an_empty_cart_cannot_be_shared(shop: Shop) -> None:
    # Given Zoë's cart holds nothing
    assert shop.cart().lines == ()

    # When Léa shares it
    with pytest.raises(CartEmpty) as refused:
        shop.share()

    # Then it is refused as a conflict, and nothing is made
    assert (status_for(refused.value), refused.value.code) == (409, "cart_empty")
    shop.nothing_was_shared()


def test_a_cart_with_nothing_to_pay_cannot_be_shared(shop: Shop) -> None:
    # Given the in-store dress, entirely discounted off the cart by a manager
    manager = associate(shop.store, Role.MANAGER)
    cart = shop.service.add_line(
        shop.lea, shop.cart_id, LineAdd(sku=shop.dress.sku, fulfillment=Fulfillment.IN_STORE), expected_version=0
    )
    whole = DiscountIn(type=DiscountKind.AMOUNT, amount_minor=shop.dress.price_minor, reason="Offert")
    shop.service.update(manager, shop.cart_id, CartChange(discount=whole), expected_version=cart.version)

    # When Léa shares it
    with pytest.raises(DomainError) as refused:
        shop.share()

    # Then there is nothing to pay, a conflict, and nothing is made
    assert status_for(refused.value) == 409
    assert "total is zero" in refused.value.message
    shop.nothing_was_shared()


@pytest.mark.parametrize(
    ("retryable", "status", "refusal", "answered"),
    [
        pytest.param(True, 503, ProviderUnavailable, 503, id="adyen-unavailable"),
        pytest.param(False, 422, Unprocessable, 422, id="adyen-refuses"),
    ],
)
def test_when_adyen_fails_nothing_is_shared_and_sharing_again_works(
    shop: Shop, retryable: bool, status: int, refusal: type[DomainError], answered: int
) -> None:
    # Given a filled cart, and Adyen failing the next call
    cart = shop.fill()
    shop.links.refuse(PaymentProviderError("Adyen says no", retryable=retryable, status=status))

    # When Léa shares it
    with pytest.raises(refusal) as refused:
        shop.share()

    # Then the app is told why, and the customer got nothing: no text, no page, nothing published
    assert status_for(refused.value) == answered
    shop.nothing_was_shared()
    assert shop.cart() == cart

    # When Adyen answers again and Léa shares once more
    shared = shop.share()

    # Then the cart is shared once, with one link, for the same version
    assert len(shop.links.requests) == 1
    assert shared.cart.share is not None
    assert shared.cart.share.shared_version == cart.version
    assert len(shop.sms.to(ZOE_MOBILE)) == 1
