"""The customer's cart page (HTML), and the friendly pages for unknown and expired links."""

from __future__ import annotations

from clienteling.commerce.contracts.carts import CartPageOut
from clienteling.commerce.domain import cart_texts
from clienteling.commerce.web.texts import labels
from clienteling.web import headers
from clienteling.web.rendering import environment, last_moment, money


def render_cart_page(page: CartPageOut, *, time_zone: str, nonce: str) -> str:
    language = cart_texts.language(page.locale)
    words = labels(language)

    def m(amount_minor: int) -> str:
        return money(amount_minor, page.currency, page.locale)

    day, clock = last_moment(page.expires_at, time_zone, page.locale)
    return (
        environment()
        .get_template("cart.html")
        .render(
            page=page,
            t=words,
            lang=language,
            m=m,
            nonce=nonce,
            valid_until=words["valid_until"].format(day=day, time=clock),
            hello=words["hello"].format(name=page.first_name),
            intro=words["intro"].format(store=page.store_name),
            pay=words["pay"].format(total=m(page.total_minor)),
            paid=words["paid"].format(total=m(page.total_minor), order=cart_texts.order_number(page.order_id or "")),
        )
    )


def render_notice(kind: str, *, language: str, nonce: str) -> str:
    """kind: not_found or gone."""
    words = labels(language)
    return environment().get_template("notice.html").render(
        t=words, lang=language if language in ("en", "fr") else "en", nonce=nonce,
        title=words[f"{kind}_title"], text=words[kind],
    )  # fmt: skip


def preferred_language(accept_language: str | None) -> str:
    """The first language of an Accept-Language header we have words for."""
    return headers.preferred_language(accept_language)
