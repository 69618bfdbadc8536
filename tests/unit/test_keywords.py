"""SMS keywords: whole-message matching in English everywhere plus the locale's language, and the replies."""

from __future__ import annotations

import itertools

import pytest
from clienteling.messaging.domain.keywords import (
    PROVIDER_KEYWORDS,
    KeywordKind,
    KeywordMatch,
    classify,
    language,
    opt_in_request_text,
    provider_handles,
    reply_text,
)
from clienteling.messaging.domain.segments import Encoding, count

OUT, IN, HELP = KeywordKind.OPT_OUT, KeywordKind.OPT_IN, KeywordKind.HELP

ENGLISH = {
    OUT: [
        "STOP",
        "STOPALL",
        "STOP ALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "OPT OUT",
        "OPT-OUT",
    ],
    IN: ["START", "UNSTOP", "YES"],
    HELP: ["HELP", "INFO"],
}
LOCAL = {
    "fr": {
        OUT: ["ARRET", "ARRÊT", "ARRETE", "ARRÊTE", "ARRETER", "ARRÊTER", "ARRETT", "STOP SMS", "DESABONNER",
              "DÉSABONNER", "DESINSCRIRE", "DÉSINSCRIRE"],
        IN: ["OUI", "DEMARRER", "DÉMARRER"],
        HELP: ["AIDE"],
    },
    "es": {OUT: ["ALTO", "PARAR", "BAJA", "CANCELAR"], IN: ["SI", "SÍ", "COMENZAR"], HELP: ["AYUDA"]},
    "de": {OUT: ["STOPP", "ABMELDEN"], IN: ["JA"], HELP: ["HILFE"]},
}  # fmt: skip
LOCALES = {"en": ["en-US", "en-GB"], "fr": ["fr-FR", "fr-CA"], "es": ["es-US", "es-MX"], "de": ["de-DE"]}
ALL_LOCALES = [locale for locales in LOCALES.values() for locale in locales] + ["pt-BR", ""]

CASES = [str.upper, str.lower, str.title]
SURROUNDINGS = [("", ""), ("  ", "  "), ("\n", ""), ("\t", " \n")]
PUNCTUATION = ["", ".", "!", "!!", " !"]


def variants(keyword: str) -> list[tuple[str, bool]]:
    """Every written form of a keyword, with whether it is the bare word (what the provider itself matches)."""
    return [
        (f"{before}{case(keyword)}{punctuation}{after}", punctuation == "")
        for case, (before, after), punctuation in itertools.product(CASES, SURROUNDINGS, PUNCTUATION)
    ]


def keyword_matrix() -> list[tuple[str, KeywordKind, str]]:
    rows = [(word, kind, locale) for kind, words in ENGLISH.items() for word in words for locale in ALL_LOCALES]
    for lang, table in LOCAL.items():
        rows += [(word, kind, locale) for kind, words in table.items() for word in words for locale in LOCALES[lang]]
    return rows


@pytest.mark.parametrize(("keyword", "kind", "locale"), keyword_matrix())
def test_every_keyword_matches_in_every_written_form(keyword: str, kind: KeywordKind, locale: str) -> None:
    for body, bare in variants(keyword):
        match = classify(body, locale, opt_in_pending=False)
        assert match is not None, body
        assert match.kind is kind, body
        assert match.keyword.replace(" ", "") == keyword.replace(" ", ""), body
        assert match.provider_handles == (bare and keyword in PROVIDER_KEYWORDS), body


def local_only_matrix() -> list[tuple[str, str]]:
    english = {word for words in ENGLISH.values() for word in words}
    rows = []
    for lang, table in LOCAL.items():
        others = [locale for locale in ALL_LOCALES if language(locale) != lang]
        rows += [
            (word, locale) for words in table.values() for word in words if word not in english for locale in others
        ]
    return rows


@pytest.mark.parametrize(("keyword", "locale"), local_only_matrix())
def test_local_keywords_only_match_in_their_language(keyword: str, locale: str) -> None:
    assert classify(keyword, locale, opt_in_pending=True) is None


@pytest.mark.parametrize("body", ["ARRET", "ARRÊT", "ARRETE", "Arrête", "arrêter", "Arrête !", "  arret."])
def test_french_stop_with_or_without_accents(body: str) -> None:
    match = classify(body, "fr-FR", opt_in_pending=False)
    assert match is not None
    assert match.kind is OUT
    assert not match.provider_handles  # the product must confirm these itself


@pytest.mark.parametrize(
    "body",
    [
        "STOP PLEASE",
        "please stop",
        "stop it",
        "Stop by tomorrow",
        "STOPS",
        "S T O P",
        "YES PLEASE",
        "help me find a dress",
        "info?!? on the sale",
        "no",
        "",
        "   ",
        "!!!",
        "STOP 🛑",
        "ST0P",
    ],
)
def test_anything_else_is_not_a_keyword(body: str) -> None:
    assert classify(body, "en-US", opt_in_pending=True) is None
    assert classify(body, "fr-FR", opt_in_pending=True) is None


@pytest.mark.parametrize("body", ["Y", "y", " y. ", "Y!"])
def test_y_is_an_opt_in_only_when_a_request_is_pending(body: str) -> None:
    assert classify(body, "en-US", opt_in_pending=False) is None
    assert classify(body, "en-US", opt_in_pending=True) == KeywordMatch(IN, "Y", provider_handles=False)


def test_yes_is_an_opt_in_either_way() -> None:
    expected = KeywordMatch(IN, "YES", provider_handles=True)
    assert classify("yes", "en-US", opt_in_pending=False) == expected
    assert classify("Yes", "fr-FR", opt_in_pending=True) == expected


@pytest.mark.parametrize(
    ("body", "keyword", "handled"),
    [
        ("STOP", "STOP", True),
        ("  stop\n", "STOP", True),
        ("Stop.", "STOP", False),  # Twilio documents only the bare word: the product confirms itself
        ("stop   all", "STOP ALL", False),
        ("STOPALL", "STOPALL", True),
        ("opt out", "OPT OUT", False),
        ("OPT-OUT", "OPT-OUT", False),
        ("optout", "OPTOUT", True),
        ("revoke", "REVOKE", True),
        ("unstop", "UNSTOP", True),
        ("Info", "INFO", True),
        ("ARRÊT", "ARRÊT", False),
        ("stop\u200b", "STOP", False),  # a zero-width space is not the bare word
        ("¡Alto!", "ALTO", False),
    ],
)
def test_provider_handles_only_its_own_bare_keywords(body: str, keyword: str, handled: bool) -> None:
    match = classify(body, "es-US" if keyword == "ALTO" else "fr-FR", opt_in_pending=False)
    assert match is not None
    assert (match.keyword, match.provider_handles) == (keyword, handled)


@pytest.mark.parametrize(
    ("keyword", "handled"),
    [(word, True) for word in sorted(PROVIDER_KEYWORDS)]
    + [(word, False) for word in ["STOP ALL", "OPT OUT", "OPT-OUT", "Y", "ARRET", "ALTO", "AIDE", "OUI", "SI", "JA"]]
    + [("stop", True), (" Help ", True)],
)
def test_provider_handles(keyword: str, handled: bool) -> None:
    assert provider_handles(keyword) is handled


def test_provider_keywords_are_twilios_long_code_defaults() -> None:
    opt_out = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
    assert opt_out | {"START", "YES", "UNSTOP"} | {"HELP", "INFO"} == PROVIDER_KEYWORDS


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "en"),
        ("fr-FR", "fr"),
        ("fr-CA", "fr"),
        ("fr_BE", "fr"),
        ("FR", "fr"),
        ("es-419", "es"),
        ("de-CH", "de"),
        ("pt-BR", "en"),
        ("zh-Hant-TW", "en"),
        ("", "en"),
        ("not a locale", "en"),
    ],
)
def test_language_falls_back_to_english(locale: str, expected: str) -> None:
    assert language(locale) == expected


STORE = "Maison Lumière Fifth Avenue"  # 27 characters: a long store name
CONTACT = "+1 212 555 0100"
REPLY_LOCALES = ["en-US", "fr-FR", "fr-CA", "es-US", "de-DE", "pt-BR"]
HELP_WORDS = {"en": "HELP", "fr": "AIDE", "es": "AYUDA", "de": "HILFE"}
YES_WORDS = {"en": "YES", "fr": "OUI", "es": "SI", "de": "JA"}


@pytest.mark.parametrize(("kind", "locale"), list(itertools.product(KeywordKind, REPLY_LOCALES)))
def test_every_reply_exists_names_the_store_and_stays_in_gsm7(kind: KeywordKind, locale: str) -> None:
    text = reply_text(kind, locale, store_name=STORE, help_contact=CONTACT)
    assert STORE in text
    assert "{" not in text
    result = count(text)
    assert result.encoding is Encoding.GSM_7
    assert result.segments <= 2


@pytest.mark.parametrize("kind", list(KeywordKind))
def test_english_replies_fit_one_segment(kind: KeywordKind) -> None:
    assert count(reply_text(kind, "en-US", store_name=STORE, help_contact=CONTACT)).segments == 1
    assert count(opt_in_request_text("en-US", store_name=STORE)).segments == 1


@pytest.mark.parametrize("locale", REPLY_LOCALES)
def test_reply_contents_follow_ctia(locale: str) -> None:
    opt_out = reply_text(OUT, locale, store_name=STORE, help_contact=CONTACT)
    opt_in = reply_text(IN, locale, store_name=STORE, help_contact=CONTACT)
    help_ = reply_text(HELP, locale, store_name=STORE, help_contact=CONTACT)
    # The opt-out confirmation says how to resume with a keyword the provider also knows
    assert "START" in opt_out
    # Opt-in and help say how to stop; help gives the contact
    assert "STOP" in opt_in
    assert "STOP" in help_
    assert CONTACT in help_
    # And the help word the opt-in confirmation names is one the product recognises in that locale
    help_word = HELP_WORDS[language(locale)]
    assert help_word in opt_in
    assert classify(help_word, locale, opt_in_pending=False) == KeywordMatch(HELP, help_word, help_word == "HELP")


def test_english_texts() -> None:
    assert reply_text(OUT, "en-US", store_name="Acme SoHo", help_contact=CONTACT) == (
        "You will receive no more messages from Acme SoHo. Reply START to resume."
    )
    help_ = reply_text(HELP, "en-US", store_name="Acme SoHo", help_contact=CONTACT)
    for mention in (
        "Acme SoHo",
        "Reply STOP to opt out",
        "Msg frequency varies",
        "Msg & data rates may apply",
        CONTACT,
    ):
        assert mention in help_
    opt_in = reply_text(IN, "en-US", store_name="Acme SoHo", help_contact=CONTACT)
    for mention in ("Acme SoHo", "HELP", "STOP", "Msg & data rates may apply"):
        assert mention in opt_in


def test_french_help_mentions_stop() -> None:
    assert "Répondez STOP" in reply_text(HELP, "fr-FR", store_name="Acme Opéra", help_contact="aide@acme.fr")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "Reply YES to chat with Acme, STOP to opt out."),
        ("fr-FR", "Répondez OUI pour échanger avec Acme, STOP pour ne plus recevoir de messages."),
        ("fr-CA", "Répondez OUI pour échanger avec Acme, STOP pour ne plus recevoir de messages."),
        ("pt-PT", "Reply YES to chat with Acme, STOP to opt out."),
    ],
)
def test_opt_in_request(locale: str, expected: str) -> None:
    assert opt_in_request_text(locale, store_name="Acme") == expected


@pytest.mark.parametrize("locale", REPLY_LOCALES)
def test_the_opt_in_request_names_keywords_the_product_recognises(locale: str) -> None:
    # Given the request in the customer's language
    text = opt_in_request_text(locale, store_name=STORE)
    yes_word = YES_WORDS[language(locale)]
    assert f" {yes_word}" in text
    # When the customer answers with the word it names, Then it is an opt-in
    match = classify(yes_word, locale, opt_in_pending=True)
    assert match is not None
    assert match.kind is IN
    assert STORE in text
    assert count(text).encoding is Encoding.GSM_7


def test_a_store_name_with_braces_is_not_a_template() -> None:
    assert "{contact}" in reply_text(OUT, "en", store_name="{contact}", help_contact="x")
