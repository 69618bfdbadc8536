"""One-click unsubscribe links in campaign emails: a token that names the customer and the campaign, signed with
HMAC-SHA256 so nobody can unsubscribe someone else by editing it, and no login is needed to use it.

Token: base64url("<customer id>.<campaign id>") "." base64url(first 16 bytes of the HMAC). Ids are ULIDs
(Crockford base32), so "." never occurs inside them. Links do not expire: an old email must still work.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

_MAC_BYTES = 16
TEST_CUSTOMER = "test"  # test sends carry a link that changes nothing


class InvalidToken(ValueError):
    """Not a token this deployment signed."""


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    customer_id: str
    campaign_id: str

    @property
    def is_test(self) -> bool:
        return self.customer_id == TEST_CUSTOMER


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: bytes) -> bytes:
    if not key:
        raise ValueError("an empty signing key would let anyone sign links")
    return hmac.new(key, b"unsubscribe:" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def sign(key: bytes, customer_id: str, campaign_id: str) -> str:
    if "." in customer_id or "." in campaign_id:
        raise ValueError("ids must not contain '.'")
    payload = f"{customer_id}.{campaign_id}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify(key: bytes, token: str) -> Unsubscribe:
    try:
        encoded_payload, encoded_mac = token.split(".")
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
        customer_id, campaign_id = payload.decode().split(".")
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidToken("malformed") from error
    if not hmac.compare_digest(mac, _mac(key, payload)) or not customer_id or not campaign_id:
        raise InvalidToken("bad signature")
    return Unsubscribe(customer_id=customer_id, campaign_id=campaign_id)
