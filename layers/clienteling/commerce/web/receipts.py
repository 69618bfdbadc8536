"""The emailed receipt of an order, in the store's language."""

from __future__ import annotations

from clienteling.commerce.domain import cart_texts
from clienteling.commerce.domain.orders import Order
from clienteling.commerce.web.texts import labels
from clienteling.directory.ports import Store
from clienteling.web.rendering import environment, money


def render_receipt(order: Order, store: Store, first_name: str) -> tuple[str, str, str]:
    """(subject, text, html) of the receipt."""
    language = cart_texts.language(store.locale)
    words = labels(language)

    def m(amount_minor: int) -> str:
        return money(amount_minor, order.currency, store.locale)

    context = {
        "order": order,
        "store": store,
        "t": words,
        "lang": language,
        "m": m,
        "number": cart_texts.order_number(order.id),
        "hello": words["hello"].format(name=first_name),
    }
    subject = cart_texts.text(store.locale, "receipt_subject", store=store.name)
    env = environment()
    return subject, env.get_template("receipt.txt").render(context), env.get_template("receipt.html").render(context)
