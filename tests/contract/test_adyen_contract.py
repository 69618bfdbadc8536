"""The Adyen adapter and simulator against Adyen's published OpenAPI descriptions (shared/contracts).

- What the adapter sends through the Adyen library is a PaymentLinkRequest / UpdatePaymentLinkRequest.
- What the simulator answers is a PaymentLinkResponse or a ServiceError, with a status the spec documents.
- What the simulator posts to the webhook is the AUTHORISATION standard notification.
Schemas are checked with jsonschema (2020-12, as OpenAPI 3.1 uses), straight from the spec's components.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from clienteling.adapters.payments import AdyenPaymentLinks
from clienteling.kernel.providers import LineItem
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]

from infra.local.simulators.adyen import LINE_ITEM_FIELDS, REQUEST_FIELDS, AdyenSimulator
from tests.webhook_receiver import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT.parent / "shared" / "contracts"
CHECKOUT = CONTRACTS / "adyen_CheckoutService-v72.json"
WEBHOOKS = CONTRACTS / "adyen_Webhooks-v1.json"

API_KEY = "contract-api-key"
MERCHANT = "ClientelingContractECOM"
HMAC_KEY = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        pytest.fail(f"{path} is missing: the provider contracts live in shared/contracts next to the repository")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def checkout() -> dict[str, Any]:
    return _load(CHECKOUT)


@pytest.fixture(scope="module")
def webhooks() -> dict[str, Any]:
    return _load(WEBHOOKS)


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _validate(document: dict[str, Any], reference: str, instance: Any) -> list[str]:
    """Errors of `instance` against the schema at `reference` ("#/components/schemas/X") of a spec."""
    validator = Draft202012Validator(
        {"$ref": reference, "components": document["components"]}, format_checker=FormatChecker()
    )
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(instance)]


def _documented_statuses(checkout: dict[str, Any], path: str, method: str) -> set[int]:
    return {int(code) for code in checkout["paths"][path][method.lower()]["responses"]}


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def module_simulator(receiver: WebhookReceiver) -> Iterator[AdyenSimulator]:
    simulator = AdyenSimulator(API_KEY, MERCHANT, HMAC_KEY, receiver.url, "adyen", "webhook-password")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def simulator(module_simulator: AdyenSimulator, receiver: WebhookReceiver) -> AdyenSimulator:
    module_simulator.reset()
    receiver.clear()
    return module_simulator


@pytest.fixture
def links(simulator: AdyenSimulator) -> AdyenPaymentLinks:
    return AdyenPaymentLinks(API_KEY, MERCHANT, checkout_base_url=simulator.base_url)


def _create(links: AdyenPaymentLinks, *, shopper_reference: str | None = "CUST-0001") -> str:
    line = LineItem(
        id="SKU-1",
        description="Foulard soie",
        quantity=2,
        amount_including_tax_minor=24000,
        amount_excluding_tax_minor=20000,
        tax_amount_minor=4000,
        tax_percentage_basis_points=2000,
        image_url="https://cdn.example/foulard.jpg",
        product_url="https://shop.example/foulard",
    )
    return links.create_link(
        reference="CART-CONTRACT",
        amount_minor=24000,
        currency="EUR",
        expires_at=datetime.now(UTC) + timedelta(hours=4),
        return_url="https://shop.example/carts/done",
        shopper_locale="fr-FR",
        country_code="FR",
        line_items=[line],
        shopper_reference=shopper_reference,
    ).id


# -- what the adapter sends ------------------------------------------------------------------------------------


def test_the_simulator_knows_the_spec_request_fields(checkout: dict[str, Any]) -> None:
    # Given the spec's PaymentLinkRequest and LineItem
    # When compared with the fields the simulator accepts
    # Then they are the same: the simulator refuses exactly what Adyen would not recognise
    assert set(_schema(checkout, "PaymentLinkRequest")["properties"]) == REQUEST_FIELDS
    assert set(_schema(checkout, "LineItem")["properties"]) == LINE_ITEM_FIELDS


def test_the_library_calls_the_paths_and_version_of_the_contract(
    checkout: dict[str, Any], links: AdyenPaymentLinks, simulator: AdyenSimulator
) -> None:
    # Given the spec's server (…/v72) and payment link operations
    version = urlsplit(checkout["servers"][0]["url"]).path
    # When the adapter creates, reads and expires a link through the Adyen library
    link_id = _create(links)
    links.get_link(link_id)
    links.expire_link(link_id)
    # Then the library called exactly those operations, under the contract's version
    called = [(call.method, call.path) for call in simulator.received]
    assert called == [
        ("POST", f"{version}/paymentLinks"),
        ("GET", f"{version}/paymentLinks/{link_id}"),
        ("PATCH", f"{version}/paymentLinks/{link_id}"),
    ]
    for method, template in (("post", "/paymentLinks"), ("get", "/paymentLinks/{linkId}")):
        assert method in checkout["paths"][template]
    assert "patch" in checkout["paths"]["/paymentLinks/{linkId}"]


@pytest.mark.parametrize("shopper_reference", ["CUST-0001", None])
def test_the_create_request_is_a_payment_link_request(
    checkout: dict[str, Any], links: AdyenPaymentLinks, simulator: AdyenSimulator, shopper_reference: str | None
) -> None:
    # Given the spec's PaymentLinkRequest
    schema = _schema(checkout, "PaymentLinkRequest")
    # When the adapter creates a link
    _create(links, shopper_reference=shopper_reference)
    (call,) = simulator.received
    body = call.body
    # Then the body has the required properties, only known ones, and validates in full (amount, line items)
    assert set(schema["required"]) <= set(body)
    assert set(body) <= set(schema["properties"])
    assert _validate(checkout, "#/components/schemas/PaymentLinkRequest", body) == []
    assert call.headers["content-type"] == "application/json"


def test_the_expire_request_is_an_update_payment_link_request(
    checkout: dict[str, Any], links: AdyenPaymentLinks, simulator: AdyenSimulator
) -> None:
    # Given a link
    link_id = _create(links)
    # When the adapter expires it
    links.expire_link(link_id)
    # Then the PATCH body is an UpdatePaymentLinkRequest
    patch = simulator.received[-1]
    assert patch.method == "PATCH"
    assert _validate(checkout, "#/components/schemas/UpdatePaymentLinkRequest", patch.body) == []


# -- what the simulator answers ----------------------------------------------------------------------------------


def _checkout_call(
    checkout: dict[str, Any], simulator: AdyenSimulator, method: str, path: str, *, body: Any = None, key: str = API_KEY
) -> requests.Response:
    """A raw Checkout call, authenticated with the header the spec's ApiKeyAuth names."""
    header = checkout["components"]["securitySchemes"]["ApiKeyAuth"]["name"]
    version = urlsplit(checkout["servers"][0]["url"]).path
    return requests.request(
        method, f"{simulator.base_url}{version}{path}", json=body, headers={header: key}, timeout=30
    )


def _request_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "merchantAccount": MERCHANT,
        "reference": "CART-RAW",
        "amount": {"value": 1250, "currency": "EUR"},
        "expiresAt": (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds"),
        "returnUrl": "https://shop.example/done",
        "shopperLocale": "fr-FR",
        "countryCode": "FR",
        "lineItems": [{"id": "A", "description": "A", "quantity": 1, "amountIncludingTax": 1250}],
    }
    body.update(changes)
    return body


def test_successful_answers_are_payment_link_responses(
    checkout: dict[str, Any], simulator: AdyenSimulator, receiver: WebhookReceiver
) -> None:
    # Given the spec's PaymentLinkResponse
    required = set(_schema(checkout, "PaymentLinkResponse")["required"])
    reference = "#/components/schemas/PaymentLinkResponse"
    # When a link is created, read, paid and read again, and another created and expired
    created = _checkout_call(checkout, simulator, "POST", "/paymentLinks", body=_request_body())
    link_id = created.json()["id"]
    read = _checkout_call(checkout, simulator, "GET", f"/paymentLinks/{link_id}")
    requests.post(f"{simulator.base_url}/_sim/pay/{link_id}", json={"outcome": "authorised"}, timeout=30)
    completed = _checkout_call(checkout, simulator, "GET", f"/paymentLinks/{link_id}")
    other = _checkout_call(checkout, simulator, "POST", "/paymentLinks", body=_request_body(reference="CART-2")).json()
    expired = _checkout_call(checkout, simulator, "PATCH", f"/paymentLinks/{other['id']}", body={"status": "expired"})
    # Then each answer has the spec's success status and is a complete, valid PaymentLinkResponse
    for response, status in ((created, 201), (read, 200), (completed, 200), (expired, 200)):
        assert response.status_code == status, response.text
        document = response.json()
        assert required <= set(document)
        assert _validate(checkout, reference, document) == []
    assert [r.json()["status"] for r in (created, completed, expired)] == ["active", "completed", "expired"]


@pytest.mark.parametrize(
    ("method", "path", "body", "key", "status"),
    [
        pytest.param("POST", "/paymentLinks", _request_body(), "wrong-key", 401, id="wrong-api-key"),
        pytest.param("POST", "/paymentLinks", _request_body(merchantAccount="Other"), API_KEY, 403, id="merchant"),
        pytest.param("POST", "/paymentLinks", _request_body(reference=""), API_KEY, 422, id="no-reference"),
        pytest.param(
            "POST", "/paymentLinks", _request_body(amount={"value": 12.5, "currency": "EUR"}), API_KEY, 422, id="float"
        ),
        pytest.param(
            "POST", "/paymentLinks", _request_body(amount={"value": 100, "currency": "EU"}), API_KEY, 422, id="currency"
        ),
        pytest.param("POST", "/paymentLinks", _request_body(expiresAt="tomorrow"), API_KEY, 422, id="expiry"),
        pytest.param("POST", "/paymentLinks", _request_body(colour="red"), API_KEY, 400, id="unknown-field"),
        pytest.param("GET", "/paymentLinks/PL0000000000000000", None, API_KEY, 422, id="unknown-link"),
    ],
)
def test_refusals_are_service_errors_with_documented_statuses(
    *, checkout: dict[str, Any], simulator: AdyenSimulator, method: str, path: str, body: Any, key: str, status: int
) -> None:
    # Given a request Adyen refuses
    # When it reaches the simulator
    response = _checkout_call(checkout, simulator, method, path, body=body, key=key)
    # Then the status is one the spec documents for the operation, and the body is a ServiceError
    template = "/paymentLinks" if path == "/paymentLinks" else "/paymentLinks/{linkId}"
    assert response.status_code == status
    assert status in _documented_statuses(checkout, template, method)
    error = response.json()
    assert _validate(checkout, "#/components/schemas/ServiceError", error) == []
    assert {"status", "errorCode", "message", "errorType"} <= set(error)
    assert error["status"] == status


def test_patch_accepts_only_the_expired_status(checkout: dict[str, Any], simulator: AdyenSimulator) -> None:
    # Given a link
    link_id = _checkout_call(checkout, simulator, "POST", "/paymentLinks", body=_request_body()).json()["id"]
    # When anything but {"status": "expired"} is sent
    responses = [
        _checkout_call(checkout, simulator, "PATCH", f"/paymentLinks/{link_id}", body=body)
        for body in ({"status": "active"}, {"status": "expired", "amount": {"value": 1, "currency": "EUR"}}, {})
    ]
    # Then each is a documented 422 ServiceError, and the link is still active
    for response in responses:
        assert response.status_code == 422
        assert _validate(checkout, "#/components/schemas/ServiceError", response.json()) == []
    assert _checkout_call(checkout, simulator, "GET", f"/paymentLinks/{link_id}").json()["status"] == "active"


# -- what the simulator posts to the webhook -----------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["authorised", "refused"])
def test_the_notification_is_an_authorisation_webhook(
    webhooks: dict[str, Any],
    links: AdyenPaymentLinks,
    simulator: AdyenSimulator,
    receiver: WebhookReceiver,
    outcome: str,
) -> None:
    # Given the spec's AUTHORISATION webhook
    operation = webhooks["webhooks"]["/AUTHORISATION"]["post"]
    content = operation["requestBody"]["content"]
    # When a link is paid (or refused)
    link_id = _create(links)
    requests.post(f"{simulator.base_url}/_sim/pay/{link_id}", json={"outcome": outcome}, timeout=30)
    (call,) = receiver.calls
    document = call.json()
    # Then it is posted as JSON with Basic auth, as the webhook's security says
    assert call.headers["content-type"] in content
    assert operation["security"] == [{"BasicAuth": []}]
    assert call.headers["authorization"].startswith("Basic ")
    # And it validates against the AUTHORISATION request schema, additionalData (hmacSignature) included
    assert _validate(webhooks, content["application/json"]["schema"]["$ref"], document) == []


def test_the_notification_has_the_generic_notification_request_item_fields(
    webhooks: dict[str, Any], links: AdyenPaymentLinks, simulator: AdyenSimulator, receiver: WebhookReceiver
) -> None:
    # Given the spec's generic NotificationRequest and NotificationRequestItem
    request_schema = _schema(webhooks, "NotificationRequest")
    item_schema = _schema(webhooks, "NotificationRequestItem")
    # When a link is paid
    link_id = _create(links)
    requests.post(f"{simulator.base_url}/_sim/pay/{link_id}", json={"outcome": "authorised"}, timeout=30)
    document = receiver.calls[0].json()
    # Then the envelope and the item use only the generic schemas' fields and have every required one
    assert set(document) <= set(request_schema["properties"])
    (wrapper,) = document["notificationItems"]
    assert set(wrapper) == set(_schema(webhooks, "NotificationRequestItemWrapper")["properties"])
    item = wrapper["NotificationRequestItem"]
    assert set(item_schema["required"]) <= set(item)
    assert set(item) <= set(item_schema["properties"])
    assert item["eventCode"] in item_schema["properties"]["eventCode"]["enum"]
    assert _validate(webhooks, "#/components/schemas/Amount", item["amount"]) == []
    # The generic NotificationAdditionalData omits hmacSignature (the AUTHORISATION one has it, checked above),
    # so only the link id is held against it here.
    assert "paymentLinkId" in _schema(webhooks, "NotificationAdditionalData")["properties"]
    assert item["additionalData"]["paymentLinkId"] == link_id
