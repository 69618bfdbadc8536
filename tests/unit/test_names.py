"""Name folding for search: case, accents and punctuation never stop a match; other scripts survive."""

from __future__ import annotations

import pytest
from clienteling.kernel.search_text import fold, query_terms, search_tokens
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Zoë", "zoe"),
        ("Müller", "muller"),
        ("ÆGIR", "aegir"),
        ("Łukasz", "lukasz"),
        ("Øster", "oster"),
        ("Straße", "strasse"),
        ("Ιωάννης", "ιωαννησ"),
        ("Élodie", "elodie"),
        ("がぎ", "がぎ"),
        ("王芳", "王芳"),
    ],
)
def test_fold(name: str, folded: str) -> None:
    assert fold(name) == folded


def test_tokens_cover_words_hyphen_parts_and_apostrophes() -> None:
    tokens = search_tokens("Jean-Pierre", "O'Brien")
    for expected in ("jean", "pierre", "jeanpierre", "obrien", "brien"):
        assert expected in tokens


def test_query_terms_drop_punctuation() -> None:
    assert query_terms("  O'Brien  zoë ") == ["obrien", "zoe"]


@given(st.text(min_size=1, max_size=30))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20))
def test_every_query_of_a_name_finds_its_own_tokens(name: str) -> None:
    tokens = search_tokens(name)
    for term in query_terms(name):
        assert any(token.startswith(term) for token in tokens)
