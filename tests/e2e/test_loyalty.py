"""Loyalty end to end through the gateway: the till records purchases for a new customer without a card, points
accrue, managers set up each kind of program, rewards and gift cards are redeemed in a later purchase, and the
till's transactions and the customer's loyalty view show it all."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from infra.local import tokens
from infra.local.stack import RunningStack
from tests.conftest import World
from tests.loyalty_helpers import emails_to, put_product, unique


@pytest.fixture
def till(world: World) -> dict[str, Any]:
    paris = world.store_id("paris")
    return {
        "paris": paris,
        "nyc": world.store_id("nyc"),
        "associate": tokens.mint(unique("lea"), ["associate"], [paris]),
        "manager": tokens.mint(unique("camille"), ["manager"], [paris]),
        "nyc_associate": tokens.mint(unique("sam"), ["associate"], [world.store_id("nyc")]),
    }


def _purchase(world: World, till: dict[str, Any], body: dict[str, Any], *, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    return world.api.post(f"/v1/stores/{till['paris']}/purchases", body, token=till["associate"], headers=headers)


def _loyalty(world: World, till: dict[str, Any], customer_id: str) -> dict[str, Any]:
    response = world.api.get(
        f"/v1/customers/{customer_id}/loyalty", token=till["associate"], params={"storeId": till["paris"]}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_walkthrough_new_customer_points_programs_rewards_gift_cards(
    world: World, till: dict[str, Any], local_stack: RunningStack
) -> None:
    api = world.api
    scarf, bag = unique("SCARF"), unique("BAG")
    scarves, bags = unique("cat-scarves"), unique("cat-bags")
    put_product(scarf, price_minor=4500, category_id=scarves, name="Silk scarf")
    put_product(bag, price_minor=1200, category_id=bags, name="Canvas bag")
    email = f"{unique('ines')}@example.com"

    # Given a customer without a card buying at the till: the purchase creates them, with a number and a welcome email
    first = _purchase(
        world,
        till,
        {
            "customer": {"new": {"firstName": "Inès", "lastName": "Moreau", "email": email}},
            "lines": [{"sku": scarf}, {"description": "Gift wrapping", "unitPriceMinor": 399}],
            "totalMinor": 4899,
        },
        key=unique("till-1"),
    )
    assert first.status_code == 201, first.text
    bought = first.json()
    assert bought["customerCreated"] is True
    assert len(bought["customerNumber"]) == 10
    assert bought["pointsEarned"] == 48  # floor(48.99 EUR x 1 point per euro)
    assert bought["lines"][0]["name"] == "Silk scarf"
    customer_id, number = bought["customerId"], bought["customerNumber"]
    welcome = emails_to(local_stack, email)
    assert len(welcome) == 1
    assert number in welcome[0]["text"]
    assert "/loyalty/activate/" in welcome[0]["text"]

    # The Paris manager runs a frequent-buyer card: buy three bags, the fourth is free
    card = api.post(
        "/v1/frequent-buyer-cards",
        {"title": "4th bag free", "buyCount": 3, "sku": bag, "storeIds": [till["paris"]]},
        token=till["manager"],
    )
    assert card.status_code == 201, card.text

    # When the till scans their card (spaces and dashes as a scanner or a person types them) for a second purchase
    scanned = f"{number[:3]} {number[3:6]}-{number[6:]}"
    key = unique("till-2")
    body = {"customer": {"customerNumber": scanned}, "lines": [{"sku": bag, "quantity": 3}], "totalMinor": 3600}
    second = _purchase(world, till, body, key=key)
    assert second.status_code == 201, second.text
    assert second.json()["pointsBalance"] == 48 + 36

    # A retried POST with the same Idempotency-Key records nothing twice and gets the same answer
    again = _purchase(world, till, body, key=key)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == second.json()["id"]
    reused = _purchase(world, till, {**body, "totalMinor": 1200, "lines": [{"sku": bag}]}, key=key)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    view = _loyalty(world, till, customer_id)
    assert view["pointsBalance"] == 84
    assert view["orders"] == 2
    assert sum(e["points"] for e in view["ledger"]["items"]) == 84
    assert view["nextExpiry"]["points"] == 84

    # Managers set up each kind of program: admins for every store, the Paris manager for Paris
    def reward(token: str, **fields: Any) -> dict[str, Any]:
        response = api.post("/v1/rewards", fields, token=token)
        assert response.status_code == 201, response.text
        return dict(response.json())

    discount = reward(world.admin, type="discount", title="10% off", costPoints=40, percent="10")
    cashback = reward(
        till["manager"], type="cashback", title="5% back", costPoints=20, percent="5", storeIds=[till["paris"]]
    )
    gift = reward(
        till["manager"], type="gift", title="Tote bag", costPoints=20, giftName="Tote", storeIds=[till["paris"]]
    )
    refused = api.post("/v1/rewards", {"type": "gift", "title": "All", "giftName": "x"}, token=till["manager"])
    assert refused.status_code == 403  # every store needs an admin
    assert (
        api.post("/v1/rewards", {"type": "gift", "title": "x", "giftName": "x"}, token=till["associate"]).status_code
        == 403
    )

    # A virtual gift card is sold and emailed to its recipient
    recipient = f"{unique('gift')}@example.com"
    sold = api.post(
        f"/v1/stores/{till['paris']}/gift-cards",
        {"kind": "virtual", "amountMinor": 5000, "recipientName": "Jo", "recipientEmail": recipient},
        token=till["associate"],
    )
    assert sold.status_code == 201, sold.text
    gift_card = sold.json()
    assert gift_card["sentTo"] == "email"
    assert gift_card["pin"] is None
    assert 16 <= len(gift_card["number"]) <= 19
    (delivered,) = emails_to(local_stack, recipient)
    pin = next(line.split(": ")[1] for line in delivered["text"].splitlines() if line.startswith("PIN: "))

    # When the customer redeems rewards and pays partly with the gift card in a later purchase
    view = _loyalty(world, till, customer_id)
    available = {r["id"] for r in view["rewardsAvailable"]}
    assert {discount["id"], cashback["id"], gift["id"]} <= available
    assert next(c for c in view["frequentBuyerCards"] if c["cardId"] == card.json()["id"])["freeAvailable"] == 1
    third = _purchase(
        world,
        till,
        {
            "customer": {"id": customer_id},
            "lines": [{"sku": scarf, "quantity": 2}, {"sku": bag}],
            "totalMinor": 10200,
            "rewards": [
                {"rewardId": discount["id"]},
                {"rewardId": cashback["id"]},
                {"rewardId": gift["id"]},
                {"frequentBuyerCardId": card.json()["id"]},
            ],
            "giftCards": [{"number": gift_card["number"], "pin": pin, "amountMinor": 3000}],
        },
        key=unique("till-3"),
    )
    assert third.status_code == 201, third.text
    paid = third.json()
    # Then: the bag is free (1200), 10% off the rest (900), 5% of the gross order back (510), the gift handed over
    assert [(r["type"], r["amountMinor"]) for r in paid["rewards"]] == [
        ("free_item", 1200),
        ("discount", 900),
        ("cashback", 510),
        ("gift", 0),
    ]
    assert paid["discountMinor"] == 2610
    assert paid["giftCardsMinor"] == 3000
    assert paid["dueMinor"] == 10200 - 2610 - 3000
    assert paid["pointsRedeemed"] == 80
    assert paid["pointsEarned"] == 75  # floor(75.90)
    assert paid["pointsBalance"] == 84 - 80 + 75
    assert paid["giftCards"] == [{"card": gift_card["number"][-4:], "amountMinor": 3000, "balanceAfterMinor": 2000}]

    balance = api.post("/v1/gift-cards/balance", {"number": gift_card["number"], "pin": pin}, token=till["associate"])
    assert balance.json()["balanceMinor"] == 2000
    assert [m["type"] for m in balance.json()["movements"]] == ["redemption", "sale"]

    # And the till's transactions and the loyalty view show it all
    day = paid["at"][:10]  # Paris and UTC agree on the day except around midnight; the view below is what matters
    listed = api.get(
        f"/v1/stores/{till['paris']}/transactions", token=till["associate"], params={"type": "purchase"}
    ).json()["items"]
    assert [t["purchaseId"] for t in listed][-3:] == [bought["id"], second.json()["id"], paid["id"]]
    assert listed[-1]["giftCards"] == [gift_card["number"][-4:]]
    assert listed[-1]["rewards"] == ["4th bag free", "10% off", "5% back", "Tote bag"]
    sales = api.get(
        f"/v1/stores/{till['paris']}/transactions", token=till["associate"], params={"type": "gift_card_sale"}
    ).json()["items"]
    assert sold.json()["transactionId"] in [t["id"] for t in sales]
    assert day
    view = _loyalty(world, till, customer_id)
    assert view["pointsBalance"] == 79
    assert sum(e["points"] for e in view["ledger"]["items"]) == 79
    assert [e["type"] for e in view["ledger"]["items"][:2]] in (["redeem", "earn"], ["earn", "redeem"])
    progress = next(c for c in view["frequentBuyerCards"] if c["cardId"] == card.json()["id"])
    assert (progress["progress"], progress["freeAvailable"]) == (0, 0)  # 3 bought, 1 free used; the free one counts not
    assert view["visits"] == 1  # three purchases on the same day are one visit

    # Every purchase was published for campaigns (transactional outbox -> EventBridge)
    local_stack.events.drain()
    published = [
        record["dynamodb"]["NewImage"]
        for invocation in local_stack.events.invocations("EventPublisherFunction")
        for record in invocation.event["Records"]
    ]
    recorded = [image["detail"]["S"] for image in published if image["detail_type"]["S"] == "PurchaseRecorded"]
    assert sum(paid["id"] in detail for detail in recorded) == 1


def test_card_codes_and_scoping(world: World, till: dict[str, Any]) -> None:
    api = world.api
    created = api.post(
        "/v1/customers",
        {"firstName": "Card", "lastName": "Holder", "homeStoreId": till["paris"]},
        token=till["associate"],
    ).json()
    card = api.get(f"/v1/customers/{created['id']}/card", token=till["associate"])
    assert card.status_code == 200, card.text
    body = card.json()
    assert body["customerNumber"] == created["customerNumber"]
    assert base64.b64decode(body["qrPngBase64"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "<svg" in body["qrSvg"]
    assert "<svg" in body["barcodeSvg"]
    assert created["customerNumber"] in body["barcodeSvg"]  # the human-readable line under the bars

    # Another store's associate cannot record a purchase here, nor read this till's transactions
    purchase = {"customer": {"id": created["id"]}, "lines": [{"unitPriceMinor": 100}], "totalMinor": 100}
    assert api.post(f"/v1/stores/{till['paris']}/purchases", purchase, token=till["nyc_associate"]).status_code == 403
    assert api.get(f"/v1/stores/{till['paris']}/transactions", token=till["nyc_associate"]).status_code == 403
    # Associates do not adjust points; managers do, with a reason
    adjustment = {"storeId": till["paris"], "points": 40, "reason": "Goodwill after a late delivery"}
    path = f"/v1/customers/{created['id']}/points-adjustments"
    assert api.post(path, adjustment, token=till["associate"]).status_code == 403
    adjusted = api.post(path, adjustment, token=till["manager"])
    assert adjusted.status_code == 201, adjusted.text
    assert adjusted.json() == {"pointsBalance": 40}
    sale = {"kind": "virtual", "amountMinor": 1000}
    assert api.post(f"/v1/stores/{till['paris']}/gift-cards", sale, token=till["nyc_associate"]).status_code == 403
    rule = api.patch("/v1/loyalty/earning-rule", {"expiryDays": 10}, etag='"0"', token=till["manager"])
    assert rule.status_code == 403  # the earning rule is the business's: admins only
    foreign = api.get(
        f"/v1/customers/{created['id']}/loyalty", token=till["nyc_associate"], params={"storeId": till["paris"]}
    )
    assert foreign.status_code == 403
    too_much = api.post(path, {**adjustment, "points": -41}, token=till["manager"])
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "insufficient_points"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer": {}, "lines": [{"unitPriceMinor": 1}], "totalMinor": 1}, "customer"),
        ({"customer": {"id": "x"}, "lines": [], "totalMinor": 0}, "lines"),
        ({"customer": {"id": "x"}, "lines": [{"unitPriceMinor": -1}], "totalMinor": 0}, "lines.0.unitPriceMinor"),
        ({"customer": {"customerNumber": "12ab"}, "lines": [{"unitPriceMinor": 1}], "totalMinor": 1}, "customer"),
    ],
)
def test_bad_purchases_are_400_never_500(world: World, till: dict[str, Any], body: dict[str, Any], field: str) -> None:
    response = _purchase(world, till, body)
    assert response.status_code == 400, response.text
    assert any(d["field"].startswith(field) for d in response.json()["error"]["details"])


def test_refused_purchases_are_422_naming_the_problem(world: World, till: dict[str, Any]) -> None:
    api = world.api
    customer = api.post(
        "/v1/customers",
        {"firstName": "No", "lastName": "Points", "homeStoreId": till["paris"]},
        token=till["associate"],
    ).json()
    base = {"customer": {"id": customer["id"]}, "lines": [{"unitPriceMinor": 1000}], "totalMinor": 1000}
    mismatch = _purchase(world, till, {**base, "totalMinor": 999})
    assert (mismatch.status_code, mismatch.json()["error"]["details"][0]["field"]) == (422, "totalMinor")
    unknown_sku = _purchase(world, till, {**base, "lines": [{"sku": unique("nope")}], "totalMinor": 0})
    assert unknown_sku.status_code == 422
    assert unknown_sku.json()["error"]["details"][0]["field"] == "lines.0.sku"
    pricey = api.post(
        "/v1/rewards",
        {"type": "gift", "title": "Pricey", "giftName": "Umbrella", "costPoints": 10, "storeIds": [till["paris"]]},
        token=till["manager"],
    ).json()
    poor = _purchase(world, till, {**base, "rewards": [{"rewardId": pricey["id"]}]})
    assert (poor.status_code, poor.json()["error"]["code"]) == (422, "insufficient_points")
    unknown_card = _purchase(world, till, {**base, "giftCards": [{"number": "6000 0000 0000 0000", "amountMinor": 1}]})
    assert (unknown_card.status_code, unknown_card.json()["error"]["code"]) == (422, "gift_card_refused")
    nobody = _purchase(world, till, {**base, "customer": {"customerNumber": "0000000000"}})
    assert nobody.status_code == 422


def test_transactions_by_local_day_and_type(world: World, till: dict[str, Any]) -> None:
    api = world.api
    customer = api.post(
        "/v1/customers", {"firstName": "Day", "lastName": "Log", "homeStoreId": till["paris"]}, token=till["associate"]
    ).json()
    body = {"customer": {"id": customer["id"]}, "lines": [{"unitPriceMinor": 700}], "totalMinor": 700}
    bought = _purchase(world, till, body).json()
    path = f"/v1/stores/{till['paris']}/transactions"
    today = api.get(path, token=till["associate"]).json()["items"]
    local_day = today[-1]["localDay"]
    assert today[-1]["purchaseId"] == bought["id"]
    same = api.get(path, token=till["associate"], params={"day": local_day, "type": "purchase"}).json()["items"]
    assert [t["purchaseId"] for t in same] == [bought["id"]]
    assert api.get(path, token=till["associate"], params={"day": "2001-01-01"}).json()["items"] == []
    assert api.get(path, token=till["associate"], params={"type": "gift_card_refund"}).json()["items"] == []
    assert api.get(path, token=till["associate"], params={"day": "2026-13-01"}).status_code == 400
    assert api.get(path, token=till["associate"], params={"type": "nope"}).status_code == 400
