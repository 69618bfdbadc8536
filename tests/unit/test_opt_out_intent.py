"""Opt-out intent: revocations in other words are caught (FCC 24-18), store chat about stopping by is not."""

from __future__ import annotations

import pytest
from clienteling.messaging.domain.opt_out_intent import Confidence, OptOutIntent, detect
from hypothesis import given
from hypothesis import strategies as st

HIGH, MEDIUM = Confidence.HIGH, Confidence.MEDIUM

ENGLISH_POSITIVES = [
    ("stop texting me", HIGH),
    ("Please stop texting me!", HIGH),
    ("stop messaging me", HIGH),
    ("Can you stop contacting me", HIGH),
    ("please stop", HIGH),
    ("Please stop.", HIGH),
    ("STOP PLEASE", HIGH),
    ("stop!!", HIGH),
    ("Stop it", HIGH),
    ("STOP.", HIGH),
    ("Stop, thanks", HIGH),
    ("stop stop stop", HIGH),
    ("ok stop now", HIGH),
    ("Stop sending me messages", HIGH),
    ("stop sending texts", HIGH),
    ("Stop with the texts", HIGH),
    ("no more messages", HIGH),
    ("No more texts please", HIGH),
    ("don't text me", HIGH),
    ("Dont text me anymore", HIGH),
    ("do not contact me again", HIGH),
    ("Take me off your list", HIGH),
    ("please take me off the list", HIGH),
    ("Remove me from your list", HIGH),
    ("remove my number", HIGH),
    ("Unsubscribe me", HIGH),
    ("please unsubscribe", HIGH),
    ("Unsuscribe", HIGH),  # misspelt
    ("leave me alone", HIGH),
    ("Opt me out", HIGH),
    ("I want to opt out", HIGH),
    ("I'd like to unsubscribe", HIGH),
    ("How do I unsubscribe?", HIGH),
    ("I don't want any more texts", HIGH),
    ("I no longer want these messages", HIGH),
    ("I revoke my consent", HIGH),
    ("Got it. STOP", HIGH),
    ("Why don't you stop texting me", HIGH),
    ("Thanks for the offer, but please stop messaging me", HIGH),
    ("STOP 🛑", HIGH),
    ("Stop! That dress is gorgeous", MEDIUM),
    ("STOP I don't want these", MEDIUM),
    ("wrong number", MEDIUM),
    ("Sorry, wrong number", MEDIUM),
    ("not interested", MEDIUM),
    ("I'm not interested, thanks", MEDIUM),
    ("remove me", MEDIUM),
    ("cancel please", MEDIUM),
    ("Quit", MEDIUM),
    ("I already unsubscribed!", MEDIUM),
    ("I don't want to unsubscribe", MEDIUM),  # ambiguous: an associate reads it
    ("Can I unsubscribe later if I want? Yes sign me up", MEDIUM),  # mentions unsubscribing: flag only
    ("Stop it, you're making me blush 😊 I'll take both", MEDIUM),  # "stop" opens a longer message: flag only
]

FRENCH_POSITIVES = [
    ("Arrêtez de m'écrire", HIGH),
    ("arrete de m ecrire", HIGH),
    ("Arrêtez de m'envoyer des messages", HIGH),
    ("arrêtez de m’envoyer des SMS", HIGH),
    ("Merci d'arrêter de me contacter", HIGH),
    ("Ne m'écrivez plus", HIGH),
    ("ne m'envoyez plus de SMS svp", HIGH),
    ("Plus de messages svp", HIGH),
    ("plus de sms", HIGH),
    ("Désabonnez-moi", HIGH),
    ("desabonnez moi svp", HIGH),
    ("Je veux me désinscrire", HIGH),
    ("Retirez-moi de votre liste", HIGH),
    ("Supprimez mon numéro", HIGH),
    ("Je ne veux plus recevoir vos messages", HIGH),
    ("je veux plus recevoir de sms", HIGH),
    ("Laissez-moi tranquille", HIGH),
    ("ARRÊT SVP", HIGH),
    ("Arrête !", HIGH),
    ("Stop aux SMS", HIGH),
    ("STOP SMS merci", HIGH),
    ("J'en ai marre de vos messages", HIGH),
    ("mauvais numéro", MEDIUM),
    ("Pas intéressée, merci", MEDIUM),
]

SPANISH_POSITIVES = [
    ("No mas", HIGH),
    ("No más", HIGH),
    ("¡No más!", HIGH),
    ("no más mensajes", HIGH),
    ("No mas mensajes por favor", HIGH),
    ("Deja de escribirme", HIGH),
    ("dejen de enviarme mensajes", HIGH),
    ("No me escribas", HIGH),
    ("no me escriban más", HIGH),
    ("No me envíes más mensajes", HIGH),
    ("Quiero darme de baja", HIGH),
    ("denme de baja por favor", HIGH),
    ("Quítenme de la lista", HIGH),
    ("No quiero recibir más mensajes", HIGH),
    ("Ya no quiero mensajes", HIGH),
    ("Déjenme en paz", HIGH),
    ("Alto por favor", HIGH),
    ("¡PARAR!", HIGH),
    ("número equivocado", MEDIUM),
    ("No me interesa", MEDIUM),
    ("Basta", MEDIUM),
]

GERMAN_POSITIVES = [("STOPP bitte", HIGH), ("Abmelden, danke", HIGH)]

ENGLISH_NEGATIVES = [
    "don't stop",
    "I'll stop by the store tomorrow",
    "can I stop in on Saturday?",
    "stop by at 5?",
    "Could you please stop by the fitting room",
    "never stop sending me deals!",  # a wish to keep receiving: no revocation
    "Please don't stop texting me, I love the previews",
    "the bus stop",
    "I'm at the bus stop, be there in 5",
    "no problem",
    "no more than 2 please",
    "No more sizes in blue?",
    "Cancel my order",
    "the end",
    "Is it the end of the sale?",
    "Remove the belt please",
    "Not interested in the red one, do you have it in black?",
    "Is the 5th Ave stop the closest?",
    "Yes please",
    "Thanks! See you Saturday",
    "What time do you stop taking returns?",
    "",
    "   ",
    "😊👍",
]

FRENCH_NEGATIVES = [
    "arrêt de bus",
    "je passe à l'arrêt",
    "Je m'arrête au magasin demain",
    "N'arrêtez pas de m'écrire, j'adore",
    "Je ne veux pas me désabonner",
    "Il n'y a plus de tailles ?",
    "Vous avez plus de modèles en bleu ?",
    "Merci, à samedi",
]

SPANISH_NEGATIVES = [
    "sí",
    "nos vemos",
    "No más de dos por favor",
    "No dejes de escribirme",
    "Me interesa el rojo",
    "Gracias, hasta mañana",
    "¿Tienen más tallas?",
    "Nunca me escribas tarde, por favor",  # not a revocation: a time preference (see the negation rule)
]


@pytest.mark.parametrize(("body", "confidence"), ENGLISH_POSITIVES)
def test_english_opt_outs(body: str, confidence: Confidence) -> None:
    intent = detect(body, "en-US")
    assert intent is not None
    assert intent.confidence is confidence


@pytest.mark.parametrize(("body", "confidence"), FRENCH_POSITIVES)
def test_french_opt_outs(body: str, confidence: Confidence) -> None:
    intent = detect(body, "fr-FR")
    assert intent is not None
    assert intent.confidence is confidence


@pytest.mark.parametrize(("body", "confidence"), SPANISH_POSITIVES)
def test_spanish_opt_outs(body: str, confidence: Confidence) -> None:
    intent = detect(body, "es-US")
    assert intent is not None
    assert intent.confidence is confidence


@pytest.mark.parametrize(("body", "confidence"), GERMAN_POSITIVES)
def test_german_opt_out_words(body: str, confidence: Confidence) -> None:
    intent = detect(body, "de-DE")
    assert intent is not None
    assert intent.confidence is confidence


@pytest.mark.parametrize(
    ("body", "locale"),
    [(body, "en-US") for body in ENGLISH_NEGATIVES]
    + [(body, "fr-FR") for body in FRENCH_NEGATIVES]
    + [(body, "es-US") for body in SPANISH_NEGATIVES],
)
def test_not_opt_outs(body: str, locale: str) -> None:
    assert detect(body, locale) is None


@pytest.mark.parametrize(
    ("body", "locale"),
    [("No mas", "en-US"), ("no más mensajes", "en-US"), ("Ne m'écrivez plus", "en-GB"), ("stop texting me", "fr-FR")],
)
def test_every_language_is_read_in_every_locale(body: str, locale: str) -> None:
    # Given a customer writing in another language than the store's, Then the opt-out is still read
    intent = detect(body, locale)
    assert intent is not None
    assert intent.confidence is HIGH


@pytest.mark.parametrize(
    "body",
    [
        "stop texting me",
        "STOP TEXTING ME",
        "Stop Texting Me!!!",
        "  stop   texting\tme ",
        "stop texting me 😡",
        "stop texting me...",
        "stop texting me\u200b",
        "« stop texting me »",
    ],
)
def test_case_spacing_and_punctuation_do_not_matter(body: str) -> None:
    assert detect(body, "en-US") == OptOutIntent(HIGH, "stop texting me")


@pytest.mark.parametrize(
    "body",
    [
        "Ne m'écrivez plus",
        "ne m’écrivez plus",
        "NE M'ÉCRIVEZ PLUS",
        "ne m'ecrivez plus",
        "Ne m'écrivez plus !",
        "ne mécrivez plus",
    ],
)
def test_accents_and_apostrophes_do_not_matter(body: str) -> None:
    intent = detect(body, "fr-FR")
    assert intent == OptOutIntent(HIGH, "mecrivez plus")


def test_phrase_is_the_folded_match() -> None:
    assert detect("Por favor, ¡NO MÁS MENSAJES!", "es-MX") == OptOutIntent(HIGH, "no mas mensajes")
    assert detect("Retirez-moi de votre liste, merci", "fr-CA") == OptOutIntent(HIGH, "retirez moi de votre liste")


@given(st.text(max_size=200), st.sampled_from(["en-US", "fr-FR", "es-US", "de-DE", ""]))
def test_any_text_is_read_without_error(body: str, locale: str) -> None:
    intent = detect(body, locale)
    assert intent is None or intent.phrase


@given(
    st.sampled_from(["stop texting me", "no más mensajes", "désabonnez-moi"]), st.sampled_from(["", ".", "!", " 🙏"])
)
def test_a_clear_revocation_stays_high_with_any_ending(phrase: str, ending: str) -> None:
    intent = detect(phrase.upper() + ending, "fr-FR")
    assert intent is not None
    assert intent.confidence is HIGH
