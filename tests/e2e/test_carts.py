"""Remote carts end to end: the associate app through the gateway, the customer's phone through the Twilio
simulator, the customer's page, and the payment through the Adyen simulator, which posts a signed webhook."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
import requests

from infra.local.stack import RunningStack
from tests.conftest import World
from tests.e2e.cart_helpers import Shop, link_id, make_shop, pay

ADDRESS = {"line1": "3 rue du Bac", "city": "Lyon", "postalCode": "69002", "country": "FR"}


@pytest.fixture
def shop(world: World, local_stack: RunningStack) -> Shop:
    return make_shop(world, local_stack, "paris")


def _sent_emails() -> int:
    return int(boto3.client("ses").get_send_quota()["SentLast24Hours"])


def _fill(shop: Shop) -> dict[str, Any]:
    """An in-store dress with 10 % off, a shipped bag, 20 EUR off the cart, delivered by Colissimo."""
    cart = shop.cart()
    assert cart.status_code == 200, cart.text
    assert cart.json()["lines"] == []
    etag = cart.headers["ETag"]
    added = shop.change("POST", "/lines", {"sku": shop.skus["dress"], "quantity": 1, "fulfillment": "in_store"}, etag=etag)
    assert added.status_code == 200, added.text
    dress_line = added.json()["lines"][0]["id"]
    added = shop.change("POST", "/lines", {"sku": shop.skus["bag"], "fulfillment": "ship"}, etag=added.headers["ETag"])
    assert added.status_code == 200, added.text
    discounted = shop.change(
        "PATCH",
        f"/lines/{dress_line}",
        {"discount": {"type": "percent", "percent": 10, "reason": "Fidélité"}},
        etag=added.headers["ETag"],
    )
    assert discounted.status_code == 200, discounted.text
    delivered = shop.change(
        "PATCH",
        "",
        {"discount": {"type": "amount", "amountMinor": 2000, "reason": "Geste commercial"},
         "deliveryAddress": ADDRESS, "shippingOptionId": "colissimo"},
        etag=discounted.headers["ETag"],
    )  # fmt: skip
    assert delivered.status_code == 200, delivered.text
    return dict(delivered.json())


def test_fill_share_open_pay_and_see_the_order(shop: Shop, local_stack: RunningStack) -> None:
    api = shop.api
    # Given a cart with an in-store line and a shipped line, a line discount, a cart discount and a delivery
    cart = _fill(shop)
    totals = cart["totals"]
    # 390.00 - 10 % = 351.00 and 650.00; 20.00 off the cart splits 7.01 / 12.99 (largest remainder); shipping 9.90
    assert [(line["totalMinor"], line["cartDiscountMinor"]) for line in cart["lines"]] == [(34399, 701), (63701, 1299)]
    assert totals["shippingTotalMinor"] == 990
    assert totals["totalMinor"] == 34399 + 63701 + 990 == 99090
    assert totals["taxMinor"] == 5733 + 10617 + 165  # VAT contained in each line, rounded half up per line
    assert totals["discountMinor"] == 3900 + 2000
    assert cart["version"] == 4

    # When the associate shares it in the chat
    shared = api.post(f"{shop.cart_path}/share", {}, token=shop.associate)
    assert shared.status_code == 200, shared.text
    result = shared.json()
    page_url, payment_url = result["pageUrl"], result["paymentUrl"]
    assert result["cart"]["shared"]["current"] is True

    # Then the customer got a localised text with the link to their page
    text = next(b for b in shop.phone.received() if "/c/" in b)
    assert text.startswith("Bonjour Zoë, voici votre panier")
    assert page_url in text
    token = page_url.rsplit("/", 1)[1]
    assert len(token) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", token)

    # And the page shows their cart, in French, with only their first name, and the Pay button
    page = requests.get(page_url, headers={"Accept-Language": "en"}, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = page.text
    assert "Zoë" in html and "Secretname" not in html
    assert "Robe portefeuille en soie" in html and "Retrait en boutique" in html and "Livraison" in html
    assert "990,90\u00a0€" in html and "Payer 990,90\u00a0€" in html
    assert f'href="{payment_url}"' in html
    data = requests.get(page_url + ".json", timeout=30).json()
    assert (data["status"], data["totalMinor"], data["payUrl"], data["firstName"]) == (
        "open", 99090, payment_url, "Zoë"
    )
    assert "Secretname" not in str(data)

    # When the customer pays through Adyen's hosted page
    sent_before = _sent_emails()
    delivery = pay(local_stack, link_id(payment_url))
    assert (delivery["webhookStatus"], delivery["webhookBody"]) == (200, "[accepted]")
    local_stack.events.drain()

    # Then the order exists, with the totals, the payment reference and the sale attributed to the associate
    orders = api.get(f"/v1/customers/{shop.customer['id']}/orders", token=shop.associate).json()["items"]
    assert len(orders) == 1
    order = orders[0]
    assert (order["totalMinor"], order["currency"], order["associateId"]) == (99090, "EUR", shop.associate_id)
    assert order["pspReference"] == delivery["pspReference"]
    assert [line["totalMinor"] for line in order["lines"]] == [34399, 63701]
    assert order["deliveryAddress"]["city"] == "Lyon" and order["shippingName"] == "Colissimo 48 h"
    assert api.get(f"/v1/orders/{order['id']}", token=shop.associate).json()["id"] == order["id"]

    # And the cart is empty, its page says paid, the chat says paid, and the customer got receipts
    emptied = shop.cart()
    assert emptied.json()["lines"] == [] and emptied.json()["shared"] is None
    paid_page = requests.get(page_url, timeout=30)
    assert paid_page.status_code == 200 and "Merci !" in paid_page.text and 'id="pay"' not in paid_page.text
    conversation_id = result["cart"]["id"] and shared.json()["messageId"]
    messages = api.get(
        f"/v1/conversations/{_conversation(shop)}/messages", token=shop.associate
    ).json()["items"]
    system = [m["body"] for m in messages if m["direction"] == "system"]
    assert any("Zoë Secretname a payé 990,90\u00a0€" in b and "Vente attribuée à Léa" in b for b in system), system
    receipts = [b for b in shop.phone.received() if b.startswith("Merci Zoë")]
    assert len(receipts) == 1 and "990,90\u00a0€" in receipts[0]
    assert _sent_emails() == sent_before + 1
    notifications = api.get("/v1/notifications", token=shop.associate).json()["items"]
    assert any(n["kind"] == "payment_received" for n in notifications)
    assert conversation_id

    # When Adyen delivers the same notification again, nothing more happens
    again = requests.post(f"{local_stack.adyen.base_url}/_sim/replay/{delivery['pspReference']}", timeout=30).json()
    assert again["webhookBody"] == "[accepted]"
    local_stack.events.drain()
    assert len(api.get(f"/v1/customers/{shop.customer['id']}/orders", token=shop.associate).json()["items"]) == 1
    assert len([b for b in shop.phone.received() if b.startswith("Merci Zoë")]) == 1
    assert _sent_emails() == sent_before + 1


def _conversation(shop: Shop) -> str:
    inbox = shop.api.get(f"/v1/stores/{shop.store_id}/inbox", token=shop.associate).json()["items"]
    return str(next(c["id"] for c in inbox if c["customerId"] == shop.customer["id"]))
