"""Remote carts end to end: the associate app through the gateway, the customer's phone through the Twilio
simulator, the customer's page, and the payment through the Adyen simulator, which posts a signed webhook."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
import requests

from infra.local.stack import RunningStack
from tests.conftest import World, random_fr_mobile
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
    added = shop.change(
        "POST", "/lines", {"sku": shop.skus["dress"], "quantity": 1, "fulfillment": "in_store"}, etag=etag
    )
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
    assert len(token) >= 32
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)

    # And the page shows their cart, in French, with only their first name, and the Pay button
    page = requests.get(page_url, headers={"Accept-Language": "en"}, timeout=30)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = page.text
    assert "Zoë" in html
    assert "Secretname" not in html
    assert "Robe portefeuille en soie" in html
    assert "Retrait en boutique" in html
    assert "Livraison" in html
    assert "990,90\u00a0€" in html
    assert "Payer 990,90\u00a0€" in html
    assert f'href="{payment_url}"' in html
    data = requests.get(page_url + ".json", timeout=30).json()
    assert (data["status"], data["totalMinor"], data["payUrl"], data["firstName"]) == (
        "open",
        99090,
        payment_url,
        "Zoë",
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
    assert order["deliveryAddress"]["city"] == "Lyon"
    assert order["shippingName"] == "Colissimo 48 h"
    assert api.get(f"/v1/orders/{order['id']}", token=shop.associate).json()["id"] == order["id"]

    # And the cart is empty, its page says paid, the chat says paid, and the customer got receipts
    emptied = shop.cart()
    assert emptied.json()["lines"] == []
    assert emptied.json()["shared"] is None
    paid_page = requests.get(page_url, timeout=30)
    assert paid_page.status_code == 200
    assert "Merci !" in paid_page.text
    assert 'id="pay"' not in paid_page.text
    messages = api.get(f"/v1/conversations/{_conversation(shop)}/messages", token=shop.associate).json()["items"]
    system = [m["body"] for m in messages if m["direction"] == "system"]
    assert any("Zoë Secretname a payé 990,90\u00a0€" in b and "Vente attribuée à Léa" in b for b in system), system
    receipts = [b for b in shop.phone.received() if b.startswith("Merci Zoë")]
    assert len(receipts) == 1
    assert "990,90\u00a0€" in receipts[0]
    assert _sent_emails() == sent_before + 1
    notifications = api.get("/v1/notifications", token=shop.associate).json()["items"]
    assert any(n["kind"] == "payment_received" for n in notifications)

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


def test_changing_a_shared_cart_expires_its_link_until_it_is_shared_again(
    shop: Shop, local_stack: RunningStack
) -> None:
    cart = _fill(shop)
    first = shop.api.post(f"{shop.cart_path}/share", {"message": "Votre sélection"}, token=shop.associate).json()
    assert any(b.startswith("Votre sélection\nBonjour Zoë") for b in shop.phone.received())
    # When the associate changes a quantity after sharing
    changed = shop.change("PATCH", f"/lines/{cart['lines'][1]['id']}", {"quantity": 2})
    assert changed.status_code == 200, changed.text
    assert changed.json()["shared"]["current"] is False
    # Then the old link cannot be paid any more, and the page shows the new cart without a Pay button
    links = requests.get(f"{local_stack.adyen.base_url}/_sim/links", timeout=30).json()["links"]
    assert {link["id"]: link["status"] for link in links}[link_id(first["paymentUrl"])] == "expired"
    page = requests.get(first["pageUrl"] + ".json", timeout=30).json()
    assert (page["status"], page["payUrl"], page["lines"][1]["quantity"]) == ("updating", None, 2)
    assert 'id="updating"' in requests.get(first["pageUrl"], timeout=30).text
    # When it is shared again: a new link for the new total, the same page
    second = shop.api.post(f"{shop.cart_path}/share", token=shop.associate).json()
    assert second["pageUrl"] == first["pageUrl"]
    assert second["paymentUrl"] != first["paymentUrl"]
    page = requests.get(first["pageUrl"] + ".json", timeout=30).json()
    total = second["cart"]["totals"]["totalMinor"]
    assert (page["status"], page["payUrl"], page["totalMinor"]) == ("open", second["paymentUrl"], total)
    # Sharing again without a change keeps the same link
    third = shop.api.post(f"{shop.cart_path}/share", token=shop.associate).json()
    assert third["paymentUrl"] == second["paymentUrl"]


def test_a_refused_payment_is_recorded_and_shown_in_the_chat(shop: Shop, local_stack: RunningStack) -> None:
    _fill(shop)
    shared = shop.api.post(f"{shop.cart_path}/share", token=shop.associate).json()
    delivery = pay(local_stack, link_id(shared["paymentUrl"]), "refused")
    assert delivery["webhookBody"] == "[accepted]"
    local_stack.events.drain()
    messages = shop.api.get(f"/v1/conversations/{_conversation(shop)}/messages", token=shop.associate).json()["items"]
    assert any(m["direction"] == "system" and "refusé" in (m["body"] or "") for m in messages)
    assert shop.api.get(f"/v1/customers/{shop.customer['id']}/orders", token=shop.associate).json()["items"] == []
    assert len(shop.cart().json()["lines"]) == 2  # still there, still payable
    assert pay(local_stack, link_id(shared["paymentUrl"]))["webhookBody"] == "[accepted]"
    assert len(shop.api.get(f"/v1/customers/{shop.customer['id']}/orders", token=shop.associate).json()["items"]) == 1


def test_a_customers_orders_are_listed_as_store_scoped_as_one_order_is(
    shop: Shop, world: World, local_stack: RunningStack
) -> None:
    # Given an order paid in Paris
    _fill(shop)
    shared = shop.api.post(f"{shop.cart_path}/share", token=shop.associate).json()
    assert pay(local_stack, link_id(shared["paymentUrl"]))["webhookBody"] == "[accepted]"
    local_stack.events.drain()
    path = f"/v1/customers/{shop.customer['id']}/orders"
    [order] = shop.api.get(path, token=shop.associate).json()["items"]

    # When a New York associate reads that customer's orders, and that order
    nyc = world.token("nyc-associate", "associate", "nyc")
    listed = shop.api.get(path, token=nyc)
    one = shop.api.get(f"/v1/orders/{order['id']}", token=nyc)

    # Then both agree: not in your stores (the list is empty, the order is not found)
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []
    assert one.status_code == 404
    # And someone of both stores, or an admin, sees it in both
    both = world.token("roaming", "associate", "paris", "nyc")
    for token in (both, world.admin):
        assert [o["id"] for o in shop.api.get(path, token=token).json()["items"]] == [order["id"]]
        assert shop.api.get(f"/v1/orders/{order['id']}", token=token).status_code == 200


def _notification(reference: str, value: int, currency: str = "EUR", psp: str = "PSP0000000000001") -> dict[str, Any]:
    return {
        "amount": {"value": value, "currency": currency},
        "eventCode": "AUTHORISATION",
        "eventDate": "2026-03-29T10:00:00+02:00",
        "merchantAccountCode": "ClientelingLocalECOM",
        "merchantReference": reference,
        "paymentMethod": "visa",
        "pspReference": psp,
        "reason": "123456:1111:03/2030",
        "success": "true",
    }


def _post_notification(
    api_url: str, item: dict[str, Any], key: str, *, auth: tuple[str, str] | None
) -> requests.Response:
    from Adyen import util

    signed = dict(item)
    signed["additionalData"] = {"hmacSignature": util.generate_notification_sig(item, key).decode()}
    return requests.post(
        f"{api_url}/webhooks/adyen",
        json={"live": "false", "notificationItems": [{"NotificationRequestItem": signed}]},
        auth=auth,
        timeout=30,
    )


def test_forged_or_tampered_notifications_are_refused(shop: Shop, local_stack: RunningStack) -> None:
    from infra.local.config import LocalSettings

    settings = LocalSettings.from_environment()
    auth = (settings.adyen_webhook_username, settings.adyen_webhook_password)
    cart = _fill(shop)
    shared = shop.api.post(f"{shop.cart_path}/share", token=shop.associate).json()
    reference = f"{cart['id']}-{shared['cart']['shared']['sharedVersion']}"
    total = shared["cart"]["totals"]["totalMinor"]
    item = _notification(reference, total)
    # Without Adyen's credentials: refused before anything is read
    assert _post_notification(local_stack.api_url, item, settings.adyen_hmac_key, auth=None).status_code == 401
    assert _post_notification(local_stack.api_url, item, settings.adyen_hmac_key, auth=("adyen-webhook", "guess")
                              ).status_code == 401  # fmt: skip
    # Signed with another key, or tampered after signing (a cheaper amount): refused
    other_key = "00" * 32
    assert _post_notification(local_stack.api_url, item, other_key, auth=auth).status_code == 403
    from Adyen import util

    tampered = dict(
        item, additionalData={"hmacSignature": util.generate_notification_sig(item, settings.adyen_hmac_key).decode()}
    )
    tampered["amount"] = {"value": 1, "currency": "EUR"}
    response = requests.post(
        f"{local_stack.api_url}/webhooks/adyen",
        json={"live": "false", "notificationItems": [{"NotificationRequestItem": tampered}]},
        auth=auth,
        timeout=30,
    )
    assert response.status_code == 403
    local_stack.events.drain()
    assert shop.api.get(f"/v1/customers/{shop.customer['id']}/orders", token=shop.associate).json()["items"] == []
    # A correctly signed notification for a link nobody knows is accepted (and logged), and changes nothing
    unknown = _post_notification(local_stack.api_url, _notification("NOPE_NOPE-1", 100), settings.adyen_hmac_key,
                                 auth=auth)  # fmt: skip
    assert (unknown.status_code, unknown.text) == (200, "[accepted]")
    # A signed amount that differs from what was shared makes no order, and tells the associates
    mismatch = _post_notification(local_stack.api_url, _notification(reference, total - 1, psp="PSP0000000000002"),
                                  settings.adyen_hmac_key, auth=auth)  # fmt: skip
    assert mismatch.text == "[accepted]"
    local_stack.events.drain()
    assert shop.api.get(f"/v1/customers/{shop.customer['id']}/orders", token=shop.associate).json()["items"] == []
    messages = shop.api.get(f"/v1/conversations/{_conversation(shop)}/messages", token=shop.associate).json()["items"]
    assert any("ne correspond pas" in (m["body"] or "") for m in messages if m["direction"] == "system")


def test_cart_rules(world: World, local_stack: RunningStack) -> None:
    shop = make_shop(world, local_stack, "nyc")  # no mixed carts, 15 % at most without a manager, exclusive tax
    etag = shop.cart().headers["ETag"]
    assert etag == '"0"'
    # An update needs the ETag it read
    missing = shop.api.post(f"{shop.cart_path}/lines", {"sku": shop.skus["dress"], "fulfillment": "ship"},
                            token=shop.associate)  # fmt: skip
    assert missing.status_code == 428
    added = shop.change("POST", "/lines", {"sku": shop.skus["dress"], "fulfillment": "ship"}, etag=etag)
    assert added.status_code == 200, added.text
    # Two associates read version 1: the second write is refused instead of overwriting the first
    stale = shop.change("POST", "/lines", {"sku": shop.skus["scarf"], "fulfillment": "ship"}, etag=etag)
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "version_conflict")
    # The store does not mix fulfillment modes
    mixed = shop.change("POST", "/lines", {"sku": shop.skus["scarf"], "fulfillment": "in_store"})
    assert (mixed.status_code, mixed.json()["error"]["code"]) == (409, "mixed_fulfillment")
    # A product not in stock in the store cannot be picked up there
    shop_line = added.json()["lines"][0]["id"]
    not_here = shop.change("POST", "/lines", {"sku": shop.skus["bag"], "fulfillment": "in_store"})
    assert not_here.status_code == 409
    unknown = shop.change("POST", "/lines", {"sku": "NO-SUCH-SKU", "fulfillment": "ship"})
    assert unknown.status_code == 422
    # Discounts above the store's maximum need a manager
    deep = {"discount": {"type": "percent", "percent": 16, "reason": "VIP"}}
    refused = shop.change("PATCH", f"/lines/{shop_line}", deep)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "discount_above_maximum")
    combined = shop.change(
        "PATCH", f"/lines/{shop_line}", {"discount": {"type": "percent", "percent": 10, "reason": "VIP"}}
    )
    assert combined.status_code == 200
    on_top = shop.change("PATCH", "", {"discount": {"type": "amount", "amountMinor": 3000, "reason": "Sorry"}})
    assert on_top.status_code == 403  # 10 % then 30.00 off the 351.00 left (8.5 %): 17.7 % off the line
    allowed = shop.change("PATCH", f"/lines/{shop_line}", deep, token=shop.manager)
    assert allowed.status_code == 200, allowed.text
    # Exclusive tax: 390.00 - 16 % = 327.60, + 8.875 % = 29.07 (29.0745, half up) -> 356.67
    totals = allowed.json()["totals"]
    assert (totals["taxMinor"], totals["totalMinor"]) == (2907, 32760 + 2907)
    # Sharing needs a delivery address and a shipping option when a line ships
    no_delivery = shop.api.post(f"{shop.cart_path}/share", token=shop.associate)
    assert (no_delivery.status_code, no_delivery.json()["error"]["code"]) == (409, "delivery_required")
    wrong_country = shop.change("PATCH", "", {"deliveryAddress": ADDRESS, "shippingOptionId": "ground"})
    assert wrong_country.status_code == 422  # UPS Ground ships in the US only
    # Other stores' associates cannot see the cart
    paris = world.token("p-" + shop.associate_id, "associate", "paris")
    assert shop.api.get(shop.cart_path, token=paris).status_code == 403
    # An emptied cart cannot be shared
    emptied = shop.change("DELETE", "")
    assert emptied.status_code == 200
    assert emptied.json()["lines"] == []
    empty = shop.api.post(f"{shop.cart_path}/share", token=shop.associate)
    assert (empty.status_code, empty.json()["error"]["code"]) == (409, "cart_empty")


def test_sharing_needs_the_customers_consent(world: World, local_stack: RunningStack, shop: Shop) -> None:
    stranger = shop.api.post(
        "/v1/customers",
        {
            "firstName": "Noé",
            "lastName": "Pas-Inscrit",
            "phoneNumber": random_fr_mobile(),
            "homeStoreId": shop.store_id,
        },
        token=shop.associate,
    )
    assert stranger.status_code == 201, stranger.text
    customer_id = stranger.json()["id"]
    path = f"/v1/carts/{shop.store_id}_{customer_id}"
    added = shop.api.request("POST", path + "/lines", json={"sku": shop.skus["dress"], "fulfillment": "in_store"},
                             headers={"If-Match": '"0"'}, token=shop.associate)  # fmt: skip
    assert added.status_code == 200, added.text
    links_before = len(requests.get(f"{local_stack.adyen.base_url}/_sim/links", timeout=30).json()["links"])
    refused = shop.api.post(f"{path}/share", token=shop.associate)
    assert refused.status_code == 404  # never texted: no conversation, nothing is made or sent
    assert len(requests.get(f"{local_stack.adyen.base_url}/_sim/links", timeout=30).json()["links"]) == links_before


def test_unknown_links_get_a_friendly_404(local_gateway: str) -> None:
    page = requests.get(f"{local_gateway}/c/NotARealTokenAtAll0000000000", headers={"Accept-Language": "fr-FR"},
                        timeout=30)  # fmt: skip
    assert page.status_code == 404
    assert "Panier introuvable" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert requests.get(f"{local_gateway}/c/NotARealTokenAtAll0000000000.json", timeout=30).status_code == 404
    assert requests.get(f"{local_gateway}/c/<script>", timeout=30).status_code == 404
