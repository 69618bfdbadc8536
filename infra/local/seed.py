"""Demo data for `make dev`: one retailer with two stores in different time zones, its people and customers.

Created through the same services the API uses, so the demo obeys every rule the product has.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from clienteling.directory import wiring as directory_wiring
from clienteling.directory.contracts.associates import AssociateCreate
from clienteling.directory.contracts.catalog import CategoryIn
from clienteling.directory.contracts.customers import CustomerCreate
from clienteling.directory.contracts.stores import StoreCreate
from clienteling.kernel.access import Caller, Role
from clienteling.loyalty import wiring as loyalty_wiring
from clienteling.loyalty.contracts.gift_cards import GiftCardSale
from clienteling.loyalty.contracts.loyalty import PurchaseCreate
from clienteling.loyalty.contracts.rewards import FrequentBuyerCardCreate, RewardCreate

BOOTSTRAP = Caller(associate_id="seed", roles=frozenset({Role.ADMIN}))

STORES: dict[str, dict[str, Any]] = {
    "paris": {
        "name": "Maison Lumière Paris Opéra",
        "phone_number": "+33142685300",
        "time_zone": "Europe/Paris",
        "locale": "fr-FR",
        "currency": "EUR",
        "tax_mode": "inclusive",
        "address": {"line1": "12 boulevard des Capucines", "city": "Paris", "postal_code": "75009", "country": "FR"},
        "cart_settings": {
            "tax_rates": [
                {"category": "standard", "rate_percent": "20"},
                {"category": "reduced", "rate_percent": "5.5"},
            ],
            "shipping_options": [
                {"id": "colissimo", "name": "Colissimo 48 h", "price_minor": 990, "countries": ["FR", "BE", "MC"]},
                {"id": "express", "name": "Chronopost Express", "price_minor": 1900},
            ],
            "shipping_tax_category": "standard",
            "max_discount_percent": "20",
            "allow_mixed_fulfillment": True,
        },
    },
    "nyc": {
        "name": "Maison Lumière New York SoHo",
        "phone_number": "+12125550123",
        "time_zone": "America/New_York",
        "locale": "en-US",
        "currency": "USD",
        "tax_mode": "exclusive",
        "address": {
            "line1": "110 Prince Street",
            "city": "New York",
            "region": "NY",
            "postal_code": "10012",
            "country": "US",
        },
        "cart_settings": {
            "tax_rates": [{"category": "standard", "rate_percent": "8.875"}],
            "shipping_options": [
                {"id": "ground", "name": "UPS Ground", "price_minor": 1500, "countries": ["US"]},
                {"id": "two-day", "name": "UPS 2nd Day Air", "price_minor": 2500, "countries": ["US"]},
            ],
            "shipping_tax_category": "standard",
            "max_discount_percent": "15",
            "allow_mixed_fulfillment": True,
        },
    },
}

ASSOCIATES = {
    "admin": ("Ada Admin", "ada.admin@maison-lumiere.example", Role.ADMIN, ["paris", "nyc"]),
    "paris_manager": ("Camille Dubois", "camille.dubois@maison-lumiere.example", Role.MANAGER, ["paris"]),
    "paris_associate": ("Léa Martin", "lea.martin@maison-lumiere.example", Role.ASSOCIATE, ["paris"]),
    "nyc_manager": ("Jordan Lee", "jordan.lee@maison-lumiere.example", Role.MANAGER, ["nyc"]),
    "nyc_associate": ("Sam Rivera", "sam.rivera@maison-lumiere.example", Role.ASSOCIATE, ["nyc"]),
}

CUSTOMERS: dict[str, dict[str, Any]] = {
    "zoe": {
        "first_name": "Zoë",
        "last_name": "Müller",
        "home": "paris",
        "phone_number": "+33612345678",
        "email": "zoe.muller@example.com",
        "gender": "female",
        "birth_date": "1990-04-12",
        "pets": [{"name": "Gribouille", "species": "cat", "birth_month": 5}],
        "tags": ["vip", "shoes"],
    },
    "jean_pierre": {
        "first_name": "Jean-Pierre",
        "last_name": "Lefèvre",
        "home": "paris",
        "phone_number": "+33698765432",
        "internal_id": "CRM-000417",
        "tags": ["menswear"],
    },
    "amelie": {"first_name": "Amélie", "last_name": "Poulain", "home": "paris", "email": "amelie@example.fr"},
    "mia": {
        "first_name": "Mia",
        "last_name": "O'Brien",
        "home": "nyc",
        "phone_number": "+14155552671",
        "email": "mia.obrien@example.com",
        "tags": ["vip"],
        "pets": [{"name": "Biscuit", "species": "dog", "birth_month": 11}],
    },
    "noah": {"first_name": "Noah", "last_name": "Kim", "home": "nyc", "phone_number": "+12015550123"},
    "sofia": {"first_name": "Sofía", "last_name": "García López", "home": "nyc", "email": "sofia@example.com"},
}


# Loyalty: one program of each kind and option, a frequent-buyer card, a physical gift card (number and PIN
# printed on it), and a purchase history for Zoë. "stores": None is every store; keys become $REWARD_<KEY>.
REWARDS: dict[str, dict[str, Any]] = {
    "discount": {"type": "discount", "title": "10% off your order", "costPoints": 200, "percent": "10"},
    "cashback": {"type": "cashback", "title": "5% back", "costPoints": 100, "percent": "5", "stores": ["paris"]},
    "gift": {"type": "gift", "title": "Scented candle", "giftName": "Mini candle", "costPoints": 150},
    "welcome": {"type": "gift", "title": "Welcome coffee", "giftName": "Coffee", "welcome": True},
    "birthday": {"type": "discount", "title": "Birthday treat", "percent": "15", "birthday": True},
    "visits": {"type": "gift", "title": "Every 5th visit", "giftName": "Tote bag", "perVisit": 5},
    "pro": {"type": "discount", "title": "Trade discount", "percent": "20", "costPoints": 300, "proOnly": True},
}
GIFT_CARD: dict[str, Any] = {"number": "6006 4900 0000 0017", "pin": "1234", "amount_minor": 10000}

CATEGORIES = {"womenswear": "Prêt-à-porter femme", "accessories": "Accessoires", "shoes": "Chaussures",
              "beauty": "Parfums"}  # fmt: skip

# (sku stem, name, category, image, EUR price, USD price, GTIN stem, tax category, in stock in Paris, in NYC)
PRODUCTS = [
    ("DRESS-SILK", "Robe portefeuille en soie", "womenswear", "dress.svg", "390.00", "420.00", "376000000001",
     "standard", True, True),
    ("BAG-TOTE", "Sac cabas en cuir grainé", "accessories", "bag.svg", "650.00", "695.00", "376000000002",
     "standard", False, True),
    ("SCARF-SQ90", "Carré de soie imprimé 90", "accessories", "scarf.svg", "185.00", "195.00", "376000000003",
     "standard", True, True),
    ("PUMPS-85", "Escarpins Lumière 85 mm", "shoes", "pumps.svg", "520.00", "560.00", "376000000004",
     "standard", True, False),
    ("EDP-50", "Eau de parfum Lumière 50 ml", "beauty", "perfume.svg", "129.90", "145.00", "376000000005",
     "standard", True, True),
]  # fmt: skip


def _gtin(stem: str) -> str:
    """A GTIN-13 with its check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(stem)))
    return stem + str((10 - total % 10) % 10)


def catalog_lines(stores: dict[str, str], images_url: str) -> str:
    """The demo catalog as JSON lines: each product once in euros (Paris) and once in dollars (New York)."""
    lines = []
    for stem, name, category, image, eur, usd, gtin, tax, paris, nyc in PRODUCTS:
        for suffix, currency, price, region in (("EU", "EUR", eur, "0"), ("US", "USD", usd, "1")):
            # 12 digits and a check digit: the product's stem with the last digit telling EU from US

            lines.append(
                {
                    "sku": f"ML-{stem}-{suffix}",
                    "gtin": _gtin(gtin[:-2] + gtin[-1] + region),
                    "name": name,
                    "description": f"{name}, Maison Lumière.",
                    "categoryId": category,
                    "price": price,
                    "currency": currency,
                    "taxCategory": tax,
                    "imageUrl": f"{images_url}/{image.replace('pumps', 'shoes')}",
                    "productUrl": f"https://maison-lumiere.example/products/{stem.lower()}",
                    "availability": {stores["paris"]: paris, stores["nyc"]: nyc},
                }
            )
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)


@dataclass
class Demo:
    stores: dict[str, str] = field(default_factory=dict)
    associates: dict[str, tuple[str, Role, list[str]]] = field(default_factory=dict)
    customers: dict[str, str] = field(default_factory=dict)
    loyalty: dict[str, str] = field(default_factory=dict)  # env name -> id or value


def seed() -> Demo:
    demo = Demo()
    store_service = directory_wiring.store_service()
    for key, data in STORES.items():
        demo.stores[key] = store_service.create(BOOTSTRAP, StoreCreate.model_validate(data)).id
    associate_service = directory_wiring.associate_service()
    for key, (name, email, role, store_keys) in ASSOCIATES.items():
        store_ids = [demo.stores[k] for k in store_keys]
        created = associate_service.create(
            BOOTSTRAP, AssociateCreate(display_name=name, email=email, role=role, store_ids=store_ids)
        )
        demo.associates[key] = (created.id, role, store_ids)
    customer_service = directory_wiring.customer_service()
    for key, data in CUSTOMERS.items():
        fields = {k: v for k, v in data.items() if k != "home"}
        body = CustomerCreate.model_validate({**fields, "home_store_id": demo.stores[data["home"]]})
        demo.customers[key] = customer_service.create(BOOTSTRAP, body).id
    catalog = directory_wiring.catalog_service()
    for category_id, name in CATEGORIES.items():
        catalog.put_category(BOOTSTRAP, category_id, CategoryIn(name=name))
    images = os.environ.get("DEMO_IMAGES_URL", "https://images.maison-lumiere.example")
    catalog.import_file(BOOTSTRAP, catalog_lines(demo.stores, images), "application/x-ndjson")
    _seed_loyalty(demo)
    return demo


def _seed_loyalty(demo: Demo) -> None:
    rewards = loyalty_wiring.rewards_service()
    for key, data in REWARDS.items():
        fields = {k: v for k, v in data.items() if k != "stores"}
        stores = data.get("stores")
        if stores is not None:
            fields["storeIds"] = [demo.stores[k] for k in stores]
        demo.loyalty[f"REWARD_{key.upper()}"] = rewards.create_program(
            BOOTSTRAP, RewardCreate.model_validate(fields)
        ).id
    card = FrequentBuyerCardCreate.model_validate(
        {"title": "6th candle free", "buyCount": 5, "categoryId": "candles", "storeIds": [demo.stores["paris"]]}
    )
    demo.loyalty["CANDLE_CARD"] = rewards.create_card(BOOTSTRAP, card).id
    loyalty_wiring.gift_card_service().sell(
        BOOTSTRAP,
        demo.stores["paris"],
        GiftCardSale.model_validate({"kind": "physical", **GIFT_CARD, "recipientName": "Demo"}),
    )
    demo.loyalty["GIFT_CARD"] = GIFT_CARD["number"].replace(" ", "")
    demo.loyalty["GIFT_CARD_PIN"] = str(GIFT_CARD["pin"])
    purchases = loyalty_wiring.purchase_service()
    history: list[list[dict[str, Any]]] = [
        [{"categoryId": "candles", "quantity": 2, "unitPriceMinor": 3900}, {"unitPriceMinor": 12000}],
        [{"categoryId": "candles", "quantity": 1, "unitPriceMinor": 3900}],
    ]
    for lines in history:
        total = sum(int(line.get("quantity", 1)) * int(line["unitPriceMinor"]) for line in lines)
        body = {"customer": {"id": demo.customers["zoe"]}, "lines": lines, "totalMinor": total}
        purchases.record(BOOTSTRAP, demo.stores["paris"], PurchaseCreate.model_validate(body), idempotency_key=None)
