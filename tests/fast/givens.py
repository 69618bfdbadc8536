"""What the fast tests start from: stores, customers and associates as the directory would hold them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

from clienteling.directory.domain.stores import CartSettings, MessagingSettings, ShippingOption
from clienteling.directory.ports import (
    Channel,
    ConsentState,
    Customer,
    Method,
    Purpose,
    Status,
    Store,
    customer_numbers,
)
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.addresses import Address
from clienteling.kernel.ids import new_id

PARIS_NUMBER = "+33142000001"  # the store's texting number
ZOE_MOBILE = "+33612345678"
STRANGER_MOBILE = "+33698765432"

PARIS_CARTS = CartSettings(
    tax_rates_ppm={"standard": 200_000, "reduced": 55_000},
    shipping_options=(ShippingOption("colissimo", "Colissimo 48 h", 990, ("FR",)),),
    shipping_tax_category="standard",
    max_discount_ppm=200_000,
    allow_mixed_fulfillment=True,
)


def paris(
    at: datetime, *, locale: str = "fr-FR", messaging: MessagingSettings | None = None, name: str = "Maison Rivoli"
) -> Store:
    return Store(
        id=new_id(),
        name=name,
        phone_number=PARIS_NUMBER,
        time_zone="Europe/Paris",
        locale=locale,
        currency="EUR",
        address=Address(line1="1 rue Scribe", city="Paris", postal_code="75009", country="FR"),
        tax_mode="inclusive",
        version=1,
        created_at=at - timedelta(days=400),
        updated_at=at - timedelta(days=400),
        messaging=messaging or MessagingSettings(),
        cart_settings=PARIS_CARTS,
    )


def consent(purpose: Purpose, status: Status, *, scope: str, at: datetime, method: Method) -> dict[str, ConsentState]:
    state = ConsentState(Channel.SMS, purpose, scope, status, at, method)
    return {state.key: state}


def zoe(store: Store, at: datetime, *, chat: Status | None = Status.OPTED_IN, email: str | None = None) -> Customer:
    """Zoë, a customer of `store` on file with her mobile; `chat` is her SMS chat consent with the store."""
    method = Method.SMS_REQUEST if chat == Status.PENDING else Method.IN_STORE_FORM
    consents = consent(Purpose.CONVERSATIONAL, chat, scope=store.id, at=at, method=method) if chat else {}
    return Customer(
        id=new_id(),
        customer_number=customer_numbers.generate(),
        first_name="Zoë",
        last_name="Secretname",
        home_store_id=store.id,
        version=1,
        created_at=at - timedelta(days=30),
        updated_at=at - timedelta(days=30),
        phone_number=ZOE_MOBILE,
        email=email,
        consents=consents,
    )


def associate(store: Store, role: Role = Role.ASSOCIATE) -> Caller:
    return Caller(f"{role.value}-{new_id()}", frozenset({role}), frozenset({store.id}))


def reply_of(twiml: str) -> str | None:
    """The text a TwiML answer asks Twilio to send back, or None for an empty answer."""
    found = re.search(r"<Message>(.*?)</Message>", twiml, flags=re.DOTALL)
    return unescape(found.group(1)) if found else None
