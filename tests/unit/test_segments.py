"""SMS segments: GSM-7 vs UCS-2, 160/153 and 70/67, escapes and surrogate pairs never split."""

from __future__ import annotations

import math

import pytest
from clienteling.messaging.domain.segments import GSM_BASIC, GSM_EXTENSION, Encoding, SegmentCount, count
from hypothesis import given
from hypothesis import strategies as st

GSM = Encoding.GSM_7
UCS = Encoding.UCS_2
EMOJI = "😀"  # U+1F600, outside the BMP: a surrogate pair
NON_GSM_BMP = "ê"  # in the BMP, not in the GSM default alphabet

basic_chars = st.sampled_from(sorted(GSM_BASIC))
extension_chars = st.sampled_from(sorted(GSM_EXTENSION))
bmp_non_gsm_chars = st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]).filter(
    lambda c: c not in GSM_BASIC and c not in GSM_EXTENSION
)


def test_empty_text_is_zero_segments() -> None:
    assert count("") == SegmentCount(
        GSM, units=0, segments=0, characters=0, per_segment=160, remaining_in_last_segment=160
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # GSM-7: 160 alone, then 153 per segment: (encoding, units, segments, per_segment, remaining)
        ("a" * 160, (GSM, 160, 1, 160, 0)),
        ("a" * 161, (GSM, 161, 2, 153, 145)),
        ("a" * 306, (GSM, 306, 2, 153, 0)),
        ("a" * 307, (GSM, 307, 3, 153, 152)),
        # UCS-2: 70 alone, then 67 per segment
        (NON_GSM_BMP + "a" * 69, (UCS, 70, 1, 70, 0)),
        (NON_GSM_BMP + "a" * 70, (UCS, 71, 2, 67, 63)),
        (NON_GSM_BMP + "a" * 133, (UCS, 134, 2, 67, 0)),
        (NON_GSM_BMP + "a" * 134, (UCS, 135, 3, 67, 66)),
    ],
)
def test_boundaries(text: str, expected: tuple[Encoding, int, int, int, int]) -> None:
    result = count(text)
    encoding, units, segments, per_segment, remaining = expected
    assert result == SegmentCount(encoding, units, segments, len(text), per_segment, remaining)


def test_extension_character_fits_exactly_in_a_single_segment() -> None:
    assert count("a" * 158 + "€").segments == 1
    assert count("a" * 159 + "€").segments == 2


def test_extension_character_is_never_split_across_segments() -> None:
    # Given 152 septets in the first segment, a 2-septet "€" does not fit in the 1 left
    text = "a" * 152 + "€" + "a" * 152
    # When counted
    result = count(text)
    # Then the escape moves to segment 2 whole, which pushes the last "a" into a third segment
    assert result.units == 306
    assert result.segments == 3
    assert result.remaining_in_last_segment == 152


def test_surrogate_pair_is_never_split_across_segments() -> None:
    text = NON_GSM_BMP + "a" * 65 + EMOJI + "a" * 66  # 66 units, then an emoji that would straddle 67
    result = count(text)
    assert (result.encoding, result.units, result.segments) == (UCS, 134, 3)


def test_emoji_count_two_units() -> None:
    assert count(EMOJI * 35) == SegmentCount(UCS, 70, 1, 35, 70, 0)
    assert count(EMOJI * 35 + "a").segments == 2
    assert count(EMOJI).characters == 1


@pytest.mark.parametrize(
    ("text", "encoding", "units"),
    [
        ("é", GSM, 1),  # in the basic table
        ("É", GSM, 1),
        ("è", GSM, 1),
        ("à", GSM, 1),
        ("Ç", GSM, 1),  # capital C cedilla is in the basic table ...
        ("ç", UCS, 1),  # ... the small one is not
        ("ê", UCS, 1),
        ("€", GSM, 2),
        ("\n", GSM, 1),
        ("\r\n", GSM, 2),
        ("ñ¿¡ß", GSM, 4),
        ("’", UCS, 1),  # curly apostrophe: no Smart Encoding here
        ("\x1b", UCS, 1),  # the escape code itself is not a character of the alphabet
        ("Café ê", UCS, 6),
    ],
)
def test_characters(text: str, encoding: Encoding, units: int) -> None:
    result = count(text)
    assert (result.encoding, result.units) == (encoding, units)


@pytest.mark.parametrize("char", sorted(GSM_EXTENSION))
def test_every_extension_character_counts_two_septets(char: str) -> None:
    assert count(char) == SegmentCount(GSM, 2, 1, 1, 160, 158)


def test_alphabet_sizes() -> None:
    # 128 codes in the default alphabet, one of which is the escape; 10 characters in the extension table
    assert len(GSM_BASIC) == 127
    assert len(GSM_EXTENSION) == 10
    assert not GSM_BASIC & GSM_EXTENSION


def test_one_extension_character_makes_a_long_text_count_more() -> None:
    assert count("a" * 160).segments == 1
    assert count("a" * 159 + "[").segments == 2


@given(
    st.text(st.one_of(basic_chars, extension_chars, st.characters()), max_size=400),
    st.one_of(basic_chars, extension_chars, st.characters()),
)
def test_segments_never_decrease_when_appending(text: str, char: str) -> None:
    assert count(text + char).segments >= count(text).segments


@given(st.text(basic_chars, min_size=1, max_size=1000))
def test_gsm_basic_text_is_ceil_of_units(text: str) -> None:
    result = count(text)
    capacity = 160 if len(text) <= 160 else 153
    assert result.encoding is GSM
    assert result.units == len(text)
    assert result.segments == math.ceil(len(text) / capacity)


@given(bmp_non_gsm_chars, st.text(st.one_of(basic_chars, bmp_non_gsm_chars), max_size=500))
def test_ucs2_bmp_text_is_ceil_of_units(first: str, rest: str) -> None:
    text = first + rest
    result = count(text)
    capacity = 70 if len(text) <= 70 else 67
    assert result.encoding is UCS
    assert result.units == len(text)
    assert result.segments == math.ceil(len(text) / capacity)


@given(st.text(st.one_of(basic_chars, extension_chars, st.characters()), max_size=600))
def test_invariants(text: str) -> None:
    result = count(text)
    assert result.characters == len(text)
    assert 0 <= result.remaining_in_last_segment <= result.per_segment
    # Greedy filling can only add segments to the naive division, at most one hole of 1 unit per segment
    assert result.segments >= math.ceil(result.units / result.per_segment)
    if result.units:
        assert (result.segments - 1) * (result.per_segment - 1) < result.units
    if result.encoding is UCS:
        assert result.units == len(text.encode("utf-16-le", "surrogatepass")) // 2
