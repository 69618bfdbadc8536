"""The customer's page and receipts as rendered: escaped, localised, only the first name."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from clienteling.commerce.contracts.carts import cart_page_out
from clienteling.commerce.domain.carts import Cart, CartLine, Fulfillment, PageInfo, Share, TaxMode
from clienteling.commerce.domain.orders import CartPage
from clienteling.commerce.web.pages import preferred_language, render_cart_page, render_notice
from clienteling.kernel import localisation

NOW = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # the end of 29 March in Paris (CEST)


def _page(name: str = "Robe", *, locale: str = "fr-FR", currency: str = "EUR", price: int = 39000) -> CartPage:
    line = CartLine("L1", "SKU", name, 2, price, "standard", 200_000, Fulfillment.IN_STORE,
                    image_url="https://img.example/a.jpg?x=1&y=2")  # fmt: skip
    share = Share("tok", 3, "S_C-3", "PL1", "https://pay.example/PL1", NOW, "a")
    cart = Cart("S_C", "S", "C", currency, TaxMode.INCLUSIVE, 3, "L", MIDNIGHT, NOW, lines=(line,), share=share,
                page=PageInfo("Maison <Lumière>", locale, "Europe/Paris", "Zoë"))  # fmt: skip
    return CartPage("tok", cart, cart.page)  # type: ignore[arg-type]


def test_the_page_is_escaped_and_localised() -> None:
    html = render_cart_page(cart_page_out(_page('<script>alert("x")</script>')), time_zone="Europe/Paris", nonce="n0")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "Maison &lt;Lumière&gt;" in html
    assert 'nonce="n0"' in html
    assert "780,00\u00a0€" in html
    assert "dimanche 29 mars 2026 à 23:59" in html  # the last minute of the store's day, on a 23-hour day
    assert 'src="https://img.example/a.jpg?x=1&amp;y=2"' in html
    assert 'href="https://pay.example/PL1"' in html


def test_english_and_other_currencies() -> None:
    html = render_cart_page(cart_page_out(_page(locale="en-US", currency="JPY", price=1500)), time_zone="Europe/Paris",
                            nonce="n")  # fmt: skip
    assert "Pay ¥3,000" in html
    assert "Sunday, March 29, 2026" in html
    assert localisation.format_money(12345, "KWD", "en-US").endswith("12.345")  # three minor digits


def test_a_changed_cart_has_no_pay_button() -> None:
    page = _page()
    assert page.status.value == "open"
    stale = cart_page_out(CartPage("tok", _replace_version(page.cart, 4), page.page))
    assert (stale.status, stale.pay_url) == ("updating", None)
    html = render_cart_page(stale, time_zone="Europe/Paris", nonce="n")
    assert 'id="pay"' not in html
    assert 'id="updating"' in html


def _replace_version(cart: Cart, version: int) -> Cart:
    return dataclasses.replace(cart, version=version)


def test_notices_and_languages() -> None:
    assert preferred_language("de-DE,fr;q=0.8") == "fr"
    assert preferred_language(None) == "en"
    assert "Panier introuvable" in render_notice("not_found", language="fr", nonce="n")
    assert "This cart has expired" in render_notice("gone", language="en", nonce="n")
