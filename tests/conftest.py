"""Shared fixtures. The local stack (DynamoDB Local + moto server) starts once per session, only for the
suites that need it (integration, e2e); unit tests never open a socket to it."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from infra.local import config, stack, tokens
from tests.api_client import ApiClient

OUTPUT = Path(__file__).resolve().parent / "output"


# What template.yaml's Globals give every function, for tests that invoke handlers without the local stack (which
# sets the real ones): the functions refuse to start without them (clienteling.kernel.config.REQUIRED).
FUNCTION_SETTINGS = {
    "TABLE_NAME": "test-table",
    "MEDIA_BUCKET": "test-media",
    "EVENT_BUS_NAME": "test-bus",
    "USER_POOL_ID": "us-east-1_test",
    "SECRETS_NAME": "test/providers",
    "PUBLIC_BASE_URL": "https://api.test.example",
    "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000009",
    "ADYEN_MERCHANT_ACCOUNT": "TestECOM",
    "EMAIL_SENDER": "Test <news@test.example>",
}


@pytest.fixture
def function_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The environment template.yaml gives every function, with the settings read again before and after."""
    from clienteling.kernel.config import get_settings

    for name, value in FUNCTION_SETTINGS.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield dict(FUNCTION_SETTINGS)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def local_stack() -> Iterator[stack.RunningStack]:
    """The whole local product (DynamoDB Local, moto server, simulators, gateway), once per session."""
    settings = config.LocalSettings.from_environment()
    with stack.running(settings, log_dir=OUTPUT / "stack-logs", background_events=False) as running:
        yield running


@pytest.fixture(scope="session")
def local_gateway(local_stack: stack.RunningStack) -> str:
    """The base URL of the template-driven gateway."""
    return local_stack.api_url


def _random_number(prefix: str, digits: int, *, mobile: bool = False) -> str:
    """A random number that phonenumbers accepts (as a mobile when asked), so tests never trip on ranges."""
    while True:
        candidate = prefix + "".join(random.choices("0123456789", k=digits))
        parsed = phonenumbers.parse(candidate)
        if phonenumbers.is_valid_number(parsed) and (
            not mobile or phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        ):
            return candidate


def random_fr_mobile() -> str:
    return _random_number("+336", 8, mobile=True)


def random_fr_landline() -> str:
    return _random_number("+331", 8)


def random_us_number() -> str:
    return _random_number("+1415", 7)


@dataclass
class World:
    """A small business created through the API for one test: its own stores, people and tokens."""

    api: ApiClient
    admin: str
    stores: dict[str, dict[str, Any]] = field(default_factory=dict)

    def token(self, sub: str, role: str, *store_keys: str) -> str:
        return tokens.mint(sub, [role], [self.stores[k]["id"] for k in store_keys])

    def store_id(self, key: str) -> str:
        return str(self.stores[key]["id"])


def store_body(name: str, *, country: str = "FR", phone: str | None = None) -> dict[str, Any]:
    if country == "FR":
        return {
            "name": name,
            "phoneNumber": phone or random_fr_landline(),
            "timeZone": "Europe/Paris",
            "locale": "fr-FR",
            "currency": "EUR",
            "taxMode": "inclusive",
            "address": {"line1": "1 rue Scribe", "city": "Paris", "postalCode": "75009", "country": "FR"},
        }
    return {
        "name": name,
        "phoneNumber": phone or random_us_number(),
        "timeZone": "America/New_York",
        "locale": "en-US",
        "currency": "USD",
        "taxMode": "exclusive",
        "address": {
            "line1": "10 Hudson Yards",
            "city": "New York",
            "region": "NY",
            "postalCode": "10001",
            "country": "US",
        },
    }


@pytest.fixture
def api(local_gateway: str) -> ApiClient:
    return ApiClient(local_gateway)


@pytest.fixture
def world(api: ApiClient) -> World:
    """Two stores (Paris and New York) made by an admin, fresh for each test."""
    admin = tokens.mint("admin-" + os.urandom(4).hex(), ["admin"], [])
    w = World(api=api, admin=admin)
    for key, country in (("paris", "FR"), ("nyc", "US")):
        response = api.post("/v1/stores", store_body(f"Test {key} {os.urandom(3).hex()}", country=country), token=admin)
        assert response.status_code == 201, response.text
        w.stores[key] = response.json()
    return w
