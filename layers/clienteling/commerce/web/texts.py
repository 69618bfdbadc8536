"""Words of the customer's page and receipt email, per language (English is the fallback)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your cart",
        "hello": "Hello {name},",
        "intro": "{store} prepared this cart for you.",
        "in_store": "Pick up in store",
        "ship": "Delivered",
        "qty": "Qty",
        "each": "each",
        "discount": "Discount",
        "subtotal": "Subtotal",
        "discounts": "Discounts",
        "cart_discount": "Cart discount",
        "shipping": "Shipping",
        "to": "to",
        "tax_included": "Including tax",
        "tax_added": "Tax",
        "total": "Total",
        "pay": "Pay {total}",
        "secure": "Secure payment by Adyen",
        "valid_until": "This cart is yours until {time} on {day}.",
        "updating": "Your associate is updating this cart. They will send you a new link to pay.",
        "paid_title": "Thank you!",
        "paid": "Your payment of {total} was received. Order {order}.",
        "not_found_title": "Cart not found",
        "not_found": "This link does not lead to a cart. Please check the link in your message, or ask your associate.",
        "gone_title": "This cart has expired",
        "gone": "Carts are kept until midnight. Ask your associate to share a new one.",
        "receipt_title": "Your receipt",
        "order": "Order",
    },
    "fr": {
        "title": "Votre panier",
        "hello": "Bonjour {name},",
        "intro": "{store} a préparé ce panier pour vous.",
        "in_store": "Retrait en boutique",
        "ship": "Livraison",
        "qty": "Qté",
        "each": "l'unité",
        "discount": "Remise",
        "subtotal": "Sous-total",
        "discounts": "Remises",
        "cart_discount": "Remise sur le panier",
        "shipping": "Livraison",
        "to": "à",
        "tax_included": "Dont TVA",
        "tax_added": "Taxes",
        "total": "Total",
        "pay": "Payer {total}",
        "secure": "Paiement sécurisé par Adyen",
        "valid_until": "Ce panier vous attend jusqu'au {day} à {time}.",
        "updating": "Votre conseiller met ce panier à jour. Il vous enverra un nouveau lien pour payer.",
        "paid_title": "Merci !",
        "paid": "Votre paiement de {total} a bien été reçu. Commande {order}.",
        "not_found_title": "Panier introuvable",
        "not_found": "Ce lien ne mène à aucun panier. Vérifiez le lien de votre message ou demandez à votre "
        "conseiller.",
        "gone_title": "Ce panier a expiré",
        "gone": "Les paniers sont conservés jusqu'à minuit. Demandez à votre conseiller de vous en partager un "
        "nouveau.",
        "receipt_title": "Votre reçu",
        "order": "Commande",
    },
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])
