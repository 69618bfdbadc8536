"""Demo data for `make dev`: one retailer with two stores in different time zones, its people and customers.

Created through the same services the API uses, so the demo obeys every rule the product has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clienteling import wiring
from clienteling.contracts.associates import AssociateCreate
from clienteling.contracts.customers import CustomerCreate
from clienteling.contracts.stores import StoreCreate
from clienteling.domain.access import Caller, Role

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


@dataclass
class Demo:
    stores: dict[str, str] = field(default_factory=dict)
    associates: dict[str, tuple[str, Role, list[str]]] = field(default_factory=dict)
    customers: dict[str, str] = field(default_factory=dict)


def seed() -> Demo:
    demo = Demo()
    store_service = wiring.store_service()
    for key, data in STORES.items():
        demo.stores[key] = store_service.create(BOOTSTRAP, StoreCreate.model_validate(data)).id
    associate_service = wiring.associate_service()
    for key, (name, email, role, store_keys) in ASSOCIATES.items():
        store_ids = [demo.stores[k] for k in store_keys]
        created = associate_service.create(
            BOOTSTRAP, AssociateCreate(display_name=name, email=email, role=role, store_ids=store_ids)
        )
        demo.associates[key] = (created.id, role, store_ids)
    customer_service = wiring.customer_service()
    for key, data in CUSTOMERS.items():
        fields = {k: v for k, v in data.items() if k != "home"}
        body = CustomerCreate.model_validate({**fields, "home_store_id": demo.stores[data["home"]]})
        demo.customers[key] = customer_service.create(BOOTSTRAP, body).id
    return demo
