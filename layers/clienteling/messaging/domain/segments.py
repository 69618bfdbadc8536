"""SMS encoding and segment count, as carriers bill them and Twilio reports them (NumSegments).

Rules (3GPP TS 23.038, formerly GSM 03.38, §6.2.1 default alphabet and §6.2.1.1 extension table;
TS 23.040 §9.2.3.24.1 concatenation header; Twilio "What the heck is a segment?" and its
message-segment-calculator, github.com/TwilioDevEd/message-segment-calculator):
- A text made only of default-alphabet characters is sent in GSM-7: one septet per basic character, two
  for the extension characters (escape + code: ``^ { } \\ [ ~ ] | €`` and form feed). Anything else makes
  the whole message UCS-2, counted in UTF-16 code units (a character outside the BMP, like most emoji, is a
  surrogate pair: 2 units).
- One segment holds 160 septets or 70 UCS-2 units. Longer texts are concatenated and each part loses room
  to the 6-byte user data header: 153 septets or 67 units per segment.
- An escape sequence and a surrogate pair are never split across two segments: segments are filled
  greedily and a 2-unit character that does not fit starts the next one, which can leave a hole of 1 unit.

Choices:
- The empty text counts 0 segments. Twilio bills an empty body only when media is attached, and then as
  MMS, which this module does not count.
- Twilio's calculator keeps whole grapheme clusters (a family emoji, a flag) together; carriers only need
  code points kept together. This module keeps code points together, which differs only when a
  multi-code-point emoji straddles a boundary.
- Twilio's Smart Encoding (Messaging Services) would replace curly quotes and the like with GSM-7
  lookalikes before sending. It is not emulated, so the count here is what is sent without it: never
  fewer segments than Twilio reports.
- National language shift tables (Turkish, Spanish, Portuguese, Indian languages) are not used: Twilio
  and US/EU carriers send UCS-2 instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Encoding(StrEnum):
    GSM_7 = "GSM-7"
    UCS_2 = "UCS-2"


# The default alphabet in code order 0x00-0x7F; 0x1B (escape to the extension table) is not a character.
_GSM_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_BASIC = frozenset(_GSM_BASIC_TABLE) - {"\x1b"}
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {Encoding.GSM_7: 160, Encoding.UCS_2: 70}
_CONCATENATED = {Encoding.GSM_7: 153, Encoding.UCS_2: 67}


@dataclass(frozen=True, slots=True)
class SegmentCount:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    characters: int  # Unicode code points
    per_segment: int  # capacity in units of each segment: 160/70 alone, 153/67 when concatenated
    remaining_in_last_segment: int  # units still free in the last segment


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the default alphabet or its extension table, else UCS-2."""
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        return Encoding.GSM_7
    return Encoding.UCS_2


def count(text: str) -> SegmentCount:
    """How `text` is encoded and how many SMS segments it takes."""
    encoding = encoding_of(text)
    sizes = [_units(char, encoding) for char in text]
    units = sum(sizes)
    single = _SINGLE[encoding]
    if units <= single:
        segments = 1 if units else 0
        return SegmentCount(encoding, units, segments, len(text), single, single - units)
    per_segment = _CONCATENATED[encoding]
    segments, filled = 1, 0
    for size in sizes:
        if filled + size > per_segment:  # a 2-unit character never straddles two segments
            segments, filled = segments + 1, 0
        filled += size
    return SegmentCount(encoding, units, segments, len(text), per_segment, per_segment - filled)


def _units(char: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM_7:
        return 2 if char in GSM_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1
