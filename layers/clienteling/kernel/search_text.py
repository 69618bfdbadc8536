"""Name normalisation for search: case- and accent-insensitive, any script.

"Zoë" → "zoe", "Müller" → "muller", "Ægir" → "aegir"; Japanese kana keep their voicing marks
because marks are only dropped after Latin, Greek and Cyrillic letters.
"""

from __future__ import annotations

import unicodedata

# Latin letters that do not decompose into base + mark.
_FOLD = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"})
_DROP_MARKS_AFTER = 0x0530  # end of Cyrillic Supplement
_PUNCTUATION = "'’‘`´.-_"


def fold(text: str) -> str:
    """Casefold and strip accents from Latin, Greek and Cyrillic letters."""
    # Compatibility forms first (math bold A -> A), then case: casefolding first would leave an uppercase A.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept: list[str] = []
    previous = ""
    for char in decomposed:
        if unicodedata.category(char) == "Mn" and previous and ord(previous) < _DROP_MARKS_AFTER:
            continue
        kept.append(char)
        if unicodedata.category(char) != "Mn":
            previous = char
    return unicodedata.normalize("NFC", "".join(kept)).translate(_FOLD)


def search_tokens(*names: str) -> list[str]:
    """Every token a name can be found by: each word, hyphenated parts, and words without punctuation."""
    tokens: list[str] = []
    for name in names:
        for word in fold(name).split():
            variants = {word.strip(_PUNCTUATION), "".join(c for c in word if c not in _PUNCTUATION)}
            variants.update(part for part in word.replace("'", "-").replace("’", "-").split("-"))
            for variant in sorted(variants):
                if variant and variant not in tokens:
                    tokens.append(variant)
    return tokens


def query_terms(query: str) -> list[str]:
    """The normalised words of a search query, punctuation removed."""
    return [t for t in ("".join(c for c in w if c not in _PUNCTUATION) for w in fold(query).split()) if t]
