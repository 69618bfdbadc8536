"""Phone numbers: parsed from whatever an associate types, stored in E.164 (phonenumbers)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

_CALLABLE_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.VOIP,
    PhoneNumberType.UNKNOWN,
}


class InvalidPhoneNumber(ValueError):
    """The text is not a valid phone number for the region it was read in."""


def to_e164(raw: str, region: str | None) -> str:
    """Normalise a phone number typed in any format; national formats are read in `region`."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else (region or None))
    except NumberParseException as error:
        raise InvalidPhoneNumber("is not a phone number") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("is not a valid phone number")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def to_e164_mobile(raw: str, region: str | None) -> str:
    """Like `to_e164`, refusing numbers that cannot receive texts (fixed lines, premium rate, ...)."""
    e164 = to_e164(raw, region)
    if phonenumbers.number_type(phonenumbers.parse(e164)) not in _CALLABLE_TYPES:
        raise InvalidPhoneNumber("is not a mobile phone number")
    return e164


def region_of(e164: str) -> str | None:
    """ISO 3166 region of an E.164 number, or None for non-geographic numbers."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    except NumberParseException:
        return None
