"""Customer numbers for loyalty cards: ten digits, the last a Luhn check digit, so a mistyped digit is caught."""

from __future__ import annotations

import secrets

LENGTH = 10


def luhn_check_digit(payload: str) -> str:
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:  # these positions are doubled once the check digit is appended
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid(number: str) -> bool:
    return len(number) == LENGTH and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def generate() -> str:
    """A random number (never starting with 0, so it survives spreadsheets) with its check digit."""
    payload = str(secrets.randbelow(9 * 10 ** (LENGTH - 2)) + 10 ** (LENGTH - 2))
    return payload + luhn_check_digit(payload)


def normalize(text: str) -> str:
    """What a scanner or a person typed, without spaces and dashes."""
    return "".join(c for c in text if c.isdigit())
