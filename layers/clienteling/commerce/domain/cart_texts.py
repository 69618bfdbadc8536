"""What the product writes about carts, in the store's language: the link message, receipts, chat lines.

Amounts and dates are formatted by Babel in the store's locale; English is the fallback language.
"""

from __future__ import annotations

from decimal import Decimal

from clienteling.kernel.money import from_minor

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "share": "Hi {first_name}, here is your cart from {store}: {url} It is yours until midnight tonight.",
        "receipt": "Thank you {first_name}! We received your payment of {total} for order {order}. {store}",
        "receipt_subject": "Your receipt from {store}",
        "paid": "{name} paid {total} (order {order}). Sale attributed to {associate}.",
        "paid_nobody": "{name} paid {total} (order {order}).",
        "paid_changed": "Note: the customer paid the cart as shared; it was changed afterwards.",
        "refused": "{name}'s payment of {total} was refused ({reason}). The link can be tried again.",
        "mismatch": "A payment of {total} arrived for this cart but does not match what was shared; check it "
        "with a manager before fulfilling.",
    },
    "fr": {
        "share": "Bonjour {first_name}, voici votre panier {store} : {url} Il vous attend jusqu'à minuit ce soir.",
        "receipt": "Merci {first_name} ! Nous avons bien reçu votre paiement de {total} pour la commande {order}. "
        "{store}",
        "receipt_subject": "Votre reçu {store}",
        "paid": "{name} a payé {total} (commande {order}). Vente attribuée à {associate}.",
        "paid_nobody": "{name} a payé {total} (commande {order}).",
        "paid_changed": "Attention : le client a payé le panier tel que partagé ; il a été modifié depuis.",
        "refused": "Le paiement de {total} par {name} a été refusé ({reason}). Le lien peut être réessayé.",
        "mismatch": "Un paiement de {total} est arrivé pour ce panier mais ne correspond pas au partage ; "
        "vérifiez avec un responsable avant de préparer la commande.",
    },
}


def language(locale: str) -> str:
    lang = locale.replace("_", "-").split("-")[0].lower()
    return lang if lang in _TEXTS else "en"


def text(locale: str, key: str, **values: str) -> str:
    return _TEXTS[language(locale)][key].format(**values)


def order_number(order_id: str) -> str:
    """What customers read of an order id: its last eight characters."""
    return order_id[-8:]


def decimal_amount(amount_minor: int, currency: str) -> Decimal:
    return from_minor(amount_minor, currency)
