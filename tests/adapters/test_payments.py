"""The Adyen adapter: the real Adyen library, through AdyenPaymentLinks, against the local Adyen simulator.

Webhooks the simulator sends land on a tiny local receiver, and are checked with the adapter's verifiers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from clienteling.adapters.payments import AdyenPaymentLinks, verify_basic_auth, verify_notification
from clienteling.kernel.providers import ACTIVE, COMPLETED, EXPIRED, LineItem, PaymentLink, PaymentProviderError

from infra.local import stack
from infra.local.simulators.adyen import AdyenSimulator
from tests.webhook_receiver import WebhookReceiver

API_KEY = "test-adyen-api-key"
MERCHANT = "ClientelingTestECOM"
HMAC_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
WEBHOOK_USER = "adyen-webhook"
WEBHOOK_PASSWORD = "test-webhook-password"
RETURN_URL = "https://shop.example/carts/done"


class MovableClock:
    """The simulator's clock, moved forward by tests instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


# One receiver and one simulator for the module (stopping a server takes up to half a second), reset per test.
@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def module_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
def module_simulator(receiver: WebhookReceiver, module_clock: MovableClock) -> Iterator[AdyenSimulator]:
    simulator = AdyenSimulator(
        API_KEY, MERCHANT, HMAC_KEY, receiver.url, WEBHOOK_USER, WEBHOOK_PASSWORD, clock=module_clock
    )
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def clock(module_clock: MovableClock) -> MovableClock:
    module_clock.now = datetime.now(UTC)
    return module_clock


@pytest.fixture
def simulator(module_simulator: AdyenSimulator, receiver: WebhookReceiver, clock: MovableClock) -> AdyenSimulator:
    module_simulator.reset()
    receiver.clear()
    return module_simulator


@pytest.fixture
def links(simulator: AdyenSimulator) -> AdyenPaymentLinks:
    return AdyenPaymentLinks(API_KEY, MERCHANT, checkout_base_url=simulator.base_url)


def _line(amount_minor: int) -> LineItem:
    tax = amount_minor // 6
    return LineItem(
        id="SKU-1",
        description="Sac Lumière",
        quantity=1,
        amount_including_tax_minor=amount_minor,
        amount_excluding_tax_minor=amount_minor - tax,
        tax_amount_minor=tax,
        tax_percentage_basis_points=2000,
        image_url="https://cdn.example/sac.jpg",
    )


def _create(
    links: AdyenPaymentLinks,
    *,
    amount_minor: int = 12990,
    currency: str = "EUR",
    locale: str = "fr-FR",
    expires_in: timedelta = timedelta(hours=2),
    **options: Any,
) -> PaymentLink:
    return links.create_link(
        reference=options.pop("reference", "CART-" + datetime.now(UTC).strftime("%H%M%S%f")),
        amount_minor=amount_minor,
        currency=currency,
        expires_at=datetime.now(UTC) + expires_in,
        return_url=RETURN_URL,
        shopper_locale=locale,
        country_code=options.pop("country_code", "FR"),
        line_items=[_line(amount_minor)],
        **options,
    )


def _pay(simulator: AdyenSimulator, link_id: str, outcome: str = "authorised") -> requests.Response:
    return requests.post(f"{simulator.base_url}/_sim/pay/{link_id}", json={"outcome": outcome}, timeout=30)


def _item(call_json: dict[str, Any]) -> dict[str, Any]:
    (wrapper,) = call_json["notificationItems"]
    item: dict[str, Any] = wrapper["NotificationRequestItem"]
    return item


# -- payment links ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_minor", "currency", "locale", "shown"),
    [
        (12990, "EUR", "fr-FR", "129,90"),  # two decimals
        (15000, "JPY", "ja-JP", "15,000"),  # no minor unit: 15000 is ¥15,000
        (12345, "KWD", "en-US", "12.345"),  # three decimals: 12345 fils
    ],
)
def test_create_sends_integer_minor_units_and_returns_an_active_link(
    *, links: AdyenPaymentLinks, simulator: AdyenSimulator, amount_minor: int, currency: str, locale: str, shown: str
) -> None:
    # Given an amount in the currency's minor units
    # When the adapter creates a link through the Adyen library
    link = _create(links, amount_minor=amount_minor, currency=currency, locale=locale, shopper_reference="CUST-42")

    # Then Adyen received the integer unchanged, with the line items and the shopper's locale
    (call,) = simulator.received
    assert (call.method, call.path) == ("POST", "/v72/paymentLinks")
    assert call.body["amount"] == {"value": amount_minor, "currency": currency}
    assert call.body["merchantAccount"] == MERCHANT
    assert call.body["lineItems"][0]["amountIncludingTax"] == amount_minor
    assert call.body["lineItems"][0]["taxPercentage"] == 2000
    assert call.body["shopperLocale"] == locale
    assert call.body["shopperReference"] == "CUST-42"
    # And the link comes back active, payable on the simulator's hosted page, showing the right amount
    assert link.id.startswith("PL")
    assert link.status == ACTIVE
    assert (link.amount_minor, link.currency) == (amount_minor, currency)
    assert link.url == f"{simulator.base_url}/payByLink/{link.id}"
    assert link.expires_at is not None
    assert link.expires_at.tzinfo is not None
    page = requests.get(link.url, timeout=30)
    assert page.status_code == 200
    assert shown in page.text
    assert f'action="/_sim/pay/{link.id}"' in page.text


def test_get_reads_the_link_back(links: AdyenPaymentLinks) -> None:
    # Given a link
    created = _create(links)

    # When it is read
    read = links.get_link(created.id)

    # Then it is the same link
    assert read == created


def test_a_link_past_its_expiry_reads_as_expired(links: AdyenPaymentLinks, clock: MovableClock) -> None:
    # Given a link valid two hours
    link = _create(links, expires_in=timedelta(hours=2))

    # When three hours pass at Adyen
    clock.now += timedelta(hours=3)

    # Then Adyen reports it expired
    assert links.get_link(link.id).status == EXPIRED


def test_expire_expires_an_active_link_and_expiring_again_is_fine(links: AdyenPaymentLinks) -> None:
    # Given an active link
    link = _create(links)

    # When it is expired twice
    first = links.expire_link(link.id)
    second = links.expire_link(link.id)

    # Then both calls report it expired, and Adyen agrees
    assert first.status == EXPIRED
    assert second.status == EXPIRED
    assert links.get_link(link.id).status == EXPIRED


def test_expiring_a_paid_link_returns_its_state(links: AdyenPaymentLinks, simulator: AdyenSimulator) -> None:
    # Given a link the customer paid
    link = _create(links)
    assert _pay(simulator, link.id).status_code == 200

    # When the associate's cart tries to expire it
    state = links.expire_link(link.id)

    # Then no error: the link is reported completed
    assert state.status == COMPLETED


def test_idempotency_key_makes_a_retried_create_return_the_same_link(links: AdyenPaymentLinks) -> None:
    # Given a create that is retried with the same key (say after a timeout)
    first = _create(links, reference="CART-RETRY", idempotency_key="cart-retry-1")
    # When the retry arrives
    again = _create(links, reference="CART-RETRY", idempotency_key="cart-retry-1")
    # Then Adyen answers with the first link instead of making a second payable one
    assert again.id == first.id


# -- errors ----------------------------------------------------------------------------------------------------


def test_wrong_api_key_is_a_provider_error_not_worth_retrying(simulator: AdyenSimulator) -> None:
    # Given an adapter with a wrong API key
    links = AdyenPaymentLinks("not-the-key", MERCHANT, checkout_base_url=simulator.base_url)

    # When it creates a link
    with pytest.raises(PaymentProviderError) as raised:
        _create(links)

    # Then Adyen's 401 becomes a non-retryable provider error with Adyen's code
    assert raised.value.status == 401
    assert raised.value.error_code == "000"
    assert raised.value.retryable is False


def test_wrong_merchant_account_is_refused(simulator: AdyenSimulator) -> None:
    # Given an adapter configured with a merchant account the API key may not use
    links = AdyenPaymentLinks(API_KEY, "SomeoneElseECOM", checkout_base_url=simulator.base_url)

    # When it creates a link
    with pytest.raises(PaymentProviderError) as raised:
        _create(links)

    # Then Adyen answers 403 "Invalid Merchant Account"
    assert (raised.value.status, raised.value.error_code, raised.value.retryable) == (403, "901", False)


@pytest.mark.parametrize(
    "expires_in",
    [pytest.param(-timedelta(minutes=5), id="in-the-past"), pytest.param(timedelta(days=71), id="beyond-70-days")],
)
def test_an_expiry_adyen_does_not_accept_is_a_validation_error(links: AdyenPaymentLinks, expires_in: timedelta) -> None:
    # Given an expiry in the past or more than 70 days ahead
    # When a link is created with it
    with pytest.raises(PaymentProviderError) as raised:
        _create(links, expires_in=expires_in)

    # Then Adyen's 422 becomes a non-retryable error
    assert (raised.value.status, raised.value.retryable) == (422, False)


def test_a_naive_expiry_is_refused_before_calling_adyen(links: AdyenPaymentLinks, simulator: AdyenSimulator) -> None:
    # Given a datetime without a time zone
    # When a link is created with it
    with pytest.raises(ValueError, match="timezone-aware"):
        links.create_link(
            reference="CART-NAIVE",
            amount_minor=100,
            currency="EUR",
            expires_at=datetime(2030, 1, 1, 12, 0),  # noqa: DTZ001 - the naive value under test
            return_url=RETURN_URL,
            shopper_locale="fr-FR",
            country_code="FR",
            line_items=[],
        )
    # Then nothing reached Adyen
    assert simulator.received == []


def test_an_unknown_link_is_a_non_retryable_error(links: AdyenPaymentLinks) -> None:
    # Given no such link
    # When it is read
    with pytest.raises(PaymentProviderError) as raised:
        links.get_link("PL0000000000000000")
    # Then the error is not worth retrying
    assert (raised.value.status, raised.value.retryable) == (422, False)


def test_a_link_id_that_is_not_one_never_reaches_the_url(links: AdyenPaymentLinks, simulator: AdyenSimulator) -> None:
    # Given an id that would change the path the library builds
    # When it is read or expired
    for call in (links.get_link, links.expire_link):
        with pytest.raises(ValueError, match="payment link id"):
            call("../paymentLinks")
    # Then nothing reached Adyen
    assert simulator.received == []


def test_adyen_unreachable_is_a_retryable_error() -> None:
    # Given Adyen is down (nothing listens on the port)
    links = AdyenPaymentLinks(API_KEY, MERCHANT, checkout_base_url=f"http://127.0.0.1:{stack.free_port()}")

    # When the adapter calls it
    with pytest.raises(PaymentProviderError) as raised:
        links.get_link("PL0000000000000000")

    # Then the error says the same call may succeed later
    assert raised.value.retryable is True
    assert raised.value.status is None


def test_live_without_an_endpoint_prefix_is_a_configuration_error() -> None:
    # Given the live environment and no Adyen live URL prefix
    # When the adapter is built
    # Then it refuses at once rather than at the first payment
    with pytest.raises(ValueError, match="live_endpoint_prefix"):
        AdyenPaymentLinks(API_KEY, MERCHANT, environment="live")


# -- the customer pays: webhooks ----------------------------------------------------------------------------------


def test_paying_posts_a_signed_authorisation_with_basic_auth(
    links: AdyenPaymentLinks, simulator: AdyenSimulator, receiver: WebhookReceiver
) -> None:
    # Given an active link
    link = _create(links, amount_minor=4500, currency="EUR")

    # When the customer pays it
    paid = _pay(simulator, link.id)

    # Then our webhook received one AUTHORISATION notification and answered [accepted]
    assert paid.status_code == 200
    result = paid.json()
    assert (result["webhookStatus"], result["webhookBody"]) == (200, "[accepted]")
    (call,) = receiver.calls
    # And its Basic credentials and HMAC signature verify with the adapter's checks
    assert verify_basic_auth(call.headers.get("authorization"), WEBHOOK_USER, WEBHOOK_PASSWORD)
    assert not verify_basic_auth(call.headers.get("authorization"), WEBHOOK_USER, "another-password")
    document = call.json()
    assert document["live"] == "false"
    item = _item(document)
    assert verify_notification(item, HMAC_KEY)
    assert item["eventCode"] == "AUTHORISATION"
    assert item["success"] == "true"
    assert item["pspReference"] == result["pspReference"]
    assert len(item["pspReference"]) == 16
    assert item["merchantReference"] == link.reference
    assert item["merchantAccountCode"] == MERCHANT
    assert item["amount"] == {"value": 4500, "currency": "EUR"}
    assert item["additionalData"]["paymentLinkId"] == link.id
    # And the link is now completed
    assert links.get_link(link.id).status == COMPLETED


def _tamper_amount(item: dict[str, Any]) -> None:
    item["amount"]["value"] += 1


def _tamper_psp_reference(item: dict[str, Any]) -> None:
    item["pspReference"] = "0" * 16


def _tamper_success(item: dict[str, Any]) -> None:
    item["success"] = "false"


@pytest.mark.parametrize("tamper", [_tamper_amount, _tamper_psp_reference, _tamper_success])
def test_a_tampered_notification_fails_verification(
    links: AdyenPaymentLinks,
    simulator: AdyenSimulator,
    receiver: WebhookReceiver,
    tamper: Callable[[dict[str, Any]], None],
) -> None:
    # Given a notification the simulator signed
    link = _create(links)
    _pay(simulator, link.id)
    item = _item(receiver.calls[0].json())
    assert verify_notification(item, HMAC_KEY)

    # When a signed field is changed on the way
    tamper(item)

    # Then the signature no longer verifies
    assert not verify_notification(item, HMAC_KEY)


def test_a_refused_payment_sends_success_false_and_leaves_the_link_payable(
    links: AdyenPaymentLinks, simulator: AdyenSimulator, receiver: WebhookReceiver
) -> None:
    # Given an active link
    link = _create(links)

    # When the card is refused
    _pay(simulator, link.id, "refused")

    # Then a signed AUTHORISATION with success "false" is sent, and the link stays active
    item = _item(receiver.calls[0].json())
    assert (item["eventCode"], item["success"]) == ("AUTHORISATION", "false")
    assert verify_notification(item, HMAC_KEY)
    assert links.get_link(link.id).status == ACTIVE


def test_replay_sends_the_identical_notification(
    links: AdyenPaymentLinks, simulator: AdyenSimulator, receiver: WebhookReceiver
) -> None:
    # Given a delivered notification
    link = _create(links)
    psp_reference = _pay(simulator, link.id).json()["pspReference"]

    # When Adyen delivers it again
    replayed = requests.post(f"{simulator.base_url}/_sim/replay/{psp_reference}", timeout=30)

    # Then the product receives the very same bytes a second time
    assert replayed.status_code == 200
    assert replayed.json()["pspReference"] == psp_reference
    first, second = receiver.calls
    assert first.body == second.body


def test_an_expired_link_cannot_be_paid(links: AdyenPaymentLinks, simulator: AdyenSimulator) -> None:
    # Given an expired link
    link = _create(links)
    links.expire_link(link.id)

    # When the customer tries to pay it
    response = _pay(simulator, link.id)

    # Then Adyen refuses, and the hosted page says the link expired
    assert response.status_code == 422
    assert "expired" in requests.get(link.url, timeout=30).text


def test_the_hosted_page_pays_and_returns_the_customer_to_the_shop(
    links: AdyenPaymentLinks, receiver: WebhookReceiver
) -> None:
    # Given the page a link points to
    link = _create(links)

    # When the customer presses Pay on it
    response = requests.post(
        link.url.replace("/payByLink/", "/_sim/pay/"), data={"outcome": "authorised"}, allow_redirects=False, timeout=30
    )

    # Then the browser goes back to the shop, and our webhook heard about the payment
    assert response.status_code == 303
    assert response.headers["Location"] == RETURN_URL
    assert len(receiver.calls) == 1
    assert "already paid" in requests.get(link.url, timeout=30).text


def test_two_simultaneous_payments_of_one_link_authorise_once(
    links: AdyenPaymentLinks, simulator: AdyenSimulator, receiver: WebhookReceiver
) -> None:
    # Given one single-use link and two payments racing for it
    link = _create(links)
    barrier = threading.Barrier(2)

    def pay() -> int:
        barrier.wait()
        return _pay(simulator, link.id).status_code

    # When both are submitted at once
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(lambda _: pay(), range(2)))

    # Then exactly one is authorised and notified
    assert statuses == [200, 422]
    assert len(receiver.calls) == 1


def test_sim_links_lists_and_reset_forgets(links: AdyenPaymentLinks, simulator: AdyenSimulator) -> None:
    # Given a link
    link = _create(links)
    # When the simulator's links are listed, then reset
    listed = requests.get(f"{simulator.base_url}/_sim/links", timeout=30).json()["links"]
    requests.post(f"{simulator.base_url}/_sim/reset", timeout=30)
    # Then the link was listed, and is gone afterwards
    assert [entry["id"] for entry in listed] == [link.id]
    with pytest.raises(PaymentProviderError):
        links.get_link(link.id)
