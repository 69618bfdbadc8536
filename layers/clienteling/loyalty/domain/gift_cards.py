"""Gift cards: numbers, PINs and the rules of their balance. Pure rules, no I/O.

Virtual cards get a generated number of 16 digits (a 19-digit length is accepted too), the last a Luhn check
digit, and a 6-digit PIN, both drawn with `secrets`. Physical cards carry the number printed on them (8 to 19
digits, entered at the till) and optionally a PIN. PINs are stored as scrypt hashes with a per-card salt; five
wrong PINs in a row lock the card.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from clienteling.directory.ports import customer_numbers
from clienteling.kernel.errors import Unprocessable

VIRTUAL_LENGTH = 16
VIRTUAL_LENGTHS = range(16, 20)
PHYSICAL_LENGTHS = range(8, 20)
PIN_LENGTH = 6
MAX_PIN_ATTEMPTS = 5
# scrypt cost (RFC 7914's interactive parameters): ~16 MiB and a few tens of ms per check.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class CardKind(StrEnum):
    PHYSICAL = "physical"
    VIRTUAL = "virtual"


class MovementType(StrEnum):
    SALE = "sale"
    REDEMPTION = "redemption"
    REFUND = "refund"


@dataclass(frozen=True, slots=True)
class GiftCard:
    number: str
    kind: CardKind
    currency: str
    initial_minor: int
    balance_minor: int
    store_id: str
    created_at: datetime
    pin_hash: str | None = None
    pin_salt: str | None = None
    pin_failures: int = 0
    expires_on: date | None = None
    recipient_name: str | None = None
    recipient_email: str | None = None
    recipient_phone: str | None = None
    version: int = 1

    @property
    def locked(self) -> bool:
        return self.pin_failures >= MAX_PIN_ATTEMPTS

    def expired(self, today: date) -> bool:
        return self.expires_on is not None and today > self.expires_on

    @property
    def spent_minor(self) -> int:
        """What was taken from the card and not refunded: the most a refund can put back."""
        return self.initial_minor - self.balance_minor


@dataclass(frozen=True, slots=True)
class Movement:
    id: str
    type: MovementType
    amount_minor: int  # signed: + sale and refund, - redemption
    at: datetime
    store_id: str
    purchase_id: str | None = None
    associate_id: str | None = None


def normalize_number(text: str) -> str:
    """What a scanner read or a person typed, without spaces and dashes."""
    return "".join(c for c in text if c.isdigit())


def generate_number(length: int = VIRTUAL_LENGTH) -> str:
    if length not in VIRTUAL_LENGTHS:
        raise ValueError("virtual card numbers have 16 to 19 digits")
    payload = str(secrets.randbelow(9 * 10 ** (length - 2)) + 10 ** (length - 2))
    return payload + customer_numbers.luhn_check_digit(payload)


def is_valid_virtual_number(number: str) -> bool:
    return (
        number.isdigit()
        and len(number) in VIRTUAL_LENGTHS
        and customer_numbers.luhn_check_digit(number[:-1]) == number[-1]
    )


def is_valid_physical_number(number: str) -> bool:
    return number.isdigit() and len(number) in PHYSICAL_LENGTHS


def generate_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def hash_pin(pin: str, salt_hex: str | None = None) -> tuple[str, str]:
    """(hash, salt) as hex; a new random salt unless one is given."""
    salt = bytes.fromhex(salt_hex) if salt_hex else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)
    return digest.hex(), salt.hex()


def pin_matches(card: GiftCard, pin: str | None) -> bool:
    """True when the card has no PIN, or `pin` is its PIN (constant-time comparison)."""
    if card.pin_hash is None:
        return True
    if not pin:
        return False
    digest, _ = hash_pin(pin, card.pin_salt)
    return hmac.compare_digest(digest, card.pin_hash)


def masked(number: str) -> str:
    """For receipts, responses to other screens and logs: only the last four digits."""
    return "•" * 4 + " " + number[-4:]


class GiftCardRefused(Unprocessable):
    code = "gift_card_refused"
    default_message = "The gift card cannot be used for this."


class WrongPin(Unprocessable):
    code = "wrong_pin"
    default_message = "The gift card's PIN is wrong."


class GiftCardLocked(Unprocessable):
    code = "gift_card_locked"
    default_message = "The gift card is locked after too many wrong PINs; the customer service can unlock it."
