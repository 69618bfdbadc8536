"""Checks of Adyen's webhook calls: the HMAC signature of a notification item, and HTTP Basic credentials."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

import pytest
from Adyen.util import generate_notification_sig
from clienteling.adapters.payments import verify_basic_auth, verify_notification

# Adyen's published worked example (docs "Verify HMAC signatures"): this key signs this item to this signature.
ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
ADYEN_SIGNATURE = "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
OTHER_KEY = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"


def _item() -> dict[str, Any]:
    return {
        "additionalData": {"hmacSignature": ADYEN_SIGNATURE},
        "amount": {"value": 1130, "currency": "EUR"},
        "pspReference": "7914073381342284",
        "eventCode": "AUTHORISATION",
        "eventDate": "2019-05-06T17:15:34.121+02:00",
        "merchantAccountCode": "TestMerchant",
        "merchantReference": "TestPayment-1407325143704",
        "paymentMethod": "visa",
        "success": "true",
    }


def test_the_library_signs_adyens_example_as_adyen_does() -> None:
    # Given Adyen's example item without its signature
    item = _item()
    del item["additionalData"]
    # When the Adyen library signs it with the example key
    signature = generate_notification_sig(item, ADYEN_KEY).decode()
    # Then it is Adyen's published signature
    assert signature == ADYEN_SIGNATURE


def test_adyens_example_verifies() -> None:
    # Given Adyen's signed example
    # When it is verified with the example key
    # Then it is genuine
    assert verify_notification(_item(), ADYEN_KEY) is True


def test_a_signature_the_library_computed_for_another_item_verifies() -> None:
    # Given an item of ours, signed by the library with our key
    item = _item() | {
        "pspReference": "ABCDEF0123456789",
        "merchantReference": "CART-1",
        "amount": {"value": 0, "currency": "JPY"},
    }
    del item["additionalData"]
    item["additionalData"] = {
        "hmacSignature": generate_notification_sig(item, OTHER_KEY).decode(),
        "paymentLinkId": "PL1",
    }
    # When it is verified
    # Then it is genuine (a zero amount signs as "0", not as an empty field)
    assert verify_notification(item, OTHER_KEY) is True


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(item: dict[str, Any]) -> None:
        target = item
        for name in path[:-1]:
            target = target[name]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_set(("pspReference",), "7914073381342285"), id="pspReference"),
        pytest.param(_set(("merchantReference",), "TestPayment-1"), id="merchantReference"),
        pytest.param(_set(("merchantAccountCode",), "OtherMerchant"), id="merchantAccountCode"),
        pytest.param(_set(("amount", "value"), 1131), id="amount-value"),
        pytest.param(_set(("amount", "currency"), "USD"), id="amount-currency"),
        pytest.param(_set(("eventCode",), "CAPTURE"), id="eventCode"),
        pytest.param(_set(("success",), "false"), id="success"),
        pytest.param(_set(("originalReference",), "7914073381342284"), id="originalReference-added"),
        pytest.param(_set(("additionalData", "hmacSignature"), "A" * 43 + "="), id="signature"),
    ],
)
def test_changing_a_signed_field_fails_verification(tamper: Callable[[dict[str, Any]], None]) -> None:
    # Given Adyen's signed example
    item = _item()
    # When a signed field (or the signature) is changed
    tamper(item)
    # Then it is no longer genuine
    assert verify_notification(item, ADYEN_KEY) is False


def test_fields_outside_the_signature_are_not_protected() -> None:
    # Given Adyen's signed example
    item = _item()
    # When fields Adyen does not sign change (eventDate, paymentMethod, additionalData such as paymentLinkId)
    item["eventDate"] = "2030-01-01T00:00:00+00:00"
    item["paymentMethod"] = "mc"
    item["additionalData"]["paymentLinkId"] = "PLFORGED"
    # Then it still verifies: the product must rely on signed fields (merchantReference, amount, pspReference) only
    assert verify_notification(item, ADYEN_KEY) is True


def test_a_wrong_key_fails_verification() -> None:
    # Given Adyen's signed example
    # When it is verified with another key
    # Then it is not genuine
    assert verify_notification(_item(), OTHER_KEY) is False


def test_a_key_that_is_not_hex_is_a_configuration_error() -> None:
    # Given a key that is not hexadecimal (say the secret was pasted base64-encoded)
    # When a notification is verified with it
    # Then it raises instead of quietly rejecting every webhook
    with pytest.raises(ValueError, match="hexadecimal"):
        verify_notification(_item(), "not-a-hex-key")


def _without(path: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def change(item: dict[str, Any]) -> None:
        target = item
        for name in path[:-1]:
            target = target[name]
        del target[path[-1]]

    return change


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_without(("additionalData",)), id="no-additionalData"),
        pytest.param(_without(("additionalData", "hmacSignature")), id="no-signature"),
        pytest.param(_set(("additionalData", "hmacSignature"), ""), id="empty-signature"),
        pytest.param(_set(("additionalData", "hmacSignature"), None), id="null-signature"),
        pytest.param(_set(("additionalData",), "text"), id="additionalData-not-an-object"),
        pytest.param(_without(("amount",)), id="no-amount"),
        pytest.param(_set(("amount",), 1130), id="amount-not-an-object"),
    ],
)
def test_an_unsigned_or_malformed_item_fails_verification(damage: Callable[[dict[str, Any]], None]) -> None:
    # Given an item missing what Adyen signs, or its signature
    item = copy.deepcopy(_item())
    damage(item)
    # When it is verified
    # Then it is not genuine, and nothing raises
    assert verify_notification(item, ADYEN_KEY) is False


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(_basic("adyen:s3cret:with:colons"), True, id="right"),
        pytest.param("basic " + base64.b64encode(b"adyen:s3cret:with:colons").decode(), True, id="scheme-any-case"),
        pytest.param(_basic("adyen:wrong"), False, id="wrong-password"),
        pytest.param(_basic("other:s3cret:with:colons"), False, id="wrong-user"),
        pytest.param(_basic("adyen"), False, id="no-colon"),
        pytest.param(_basic(":s3cret:with:colons"), False, id="no-user"),
        pytest.param(None, False, id="no-header"),
        pytest.param("", False, id="empty-header"),
        pytest.param("Bearer abc", False, id="other-scheme"),
        pytest.param("Basic !!!not-base64!!!", False, id="not-base64"),
        pytest.param("Basic", False, id="no-credentials"),
    ],
)
def test_basic_auth(header: str | None, expected: bool) -> None:
    # Given Adyen's configured webhook credentials (the password may contain colons)
    # When a call's Authorization header is checked
    # Then only the exact credentials pass
    assert verify_basic_auth(header, "adyen", "s3cret:with:colons") is expected


def test_basic_auth_never_accepts_empty_configured_credentials() -> None:
    # Given credentials missing from the configuration
    # When a call presents empty ones
    # Then it is refused rather than matched
    assert verify_basic_auth(_basic(":"), "", "") is False
