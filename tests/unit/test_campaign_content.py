"""What a campaign text says: placeholders, the store's language, and the opt-out mention counted in segments."""

from __future__ import annotations

import pytest
from clienteling.campaigns.domain import campaigns
from clienteling.directory.domain.consent import Channel
from clienteling.directory.domain.stores import OptOutMention
from clienteling.messaging.domain.segments import Encoding

VALUES = {"customer.first_name": "Zoë", "customer.last_name": "Müller", "store.name": "Maison Lumière"}
PARIS = {"country": "FR", "locale": "fr-FR", "store_phone": "+33142685300", "stop_number": None}
NYC = {"country": "US", "locale": "en-US", "store_phone": "+12125550123", "stop_number": None}


def test_france_gets_stop_au_and_the_mention_is_counted() -> None:
    # Given a GSM-7 body of exactly 160 characters: one segment on its own
    body = "A" * 160
    text = campaigns.sms_text(body, VALUES, policy=OptOutMention.AUTO, **PARIS)  # type: ignore[arg-type]
    # Then the mention makes it two concatenated segments (153 + the rest)
    assert text.text == body + "\nSTOP au 0142685300"
    assert (text.encoding, text.segments, text.mention) == (Encoding.GSM_7, 2, True)


def test_a_36xxx_number_is_used_when_the_store_has_one() -> None:
    text = campaigns.sms_text(
        "Soldes",
        VALUES,
        policy=OptOutMention.ALWAYS,
        country="FR",
        locale="fr-FR",
        store_phone="+33142685300",
        stop_number="36111",
    )
    assert text.text == "Soldes\nSTOP au 36111"


@pytest.mark.parametrize(
    ("locale", "mention"),
    [
        ("en-US", "Reply STOP to opt out"),
        ("es-US", "Responda STOP para cancelar"),
        ("fr-CA", "Répondez STOP pour vous désabonner"),
        ("de-DE", "Antworten Sie STOP zum Abmelden"),
        ("it-IT", "Reply STOP to opt out"),
    ],
)
def test_elsewhere_reply_stop_in_the_stores_language(locale: str, mention: str) -> None:
    text = campaigns.sms_text("Hi", VALUES, policy=OptOutMention.AUTO, **{**NYC, "locale": locale})  # type: ignore[arg-type]
    assert text.text == f"Hi\n{mention}"


def test_a_ucs2_body_counts_the_mention_in_ucs2_units() -> None:
    # Given 66 UCS-2 characters (the emoji is 2 units): 67 units, one segment alone
    body = "🎉" + "x" * 65
    text = campaigns.sms_text(body, VALUES, policy=OptOutMention.AUTO, **NYC)  # type: ignore[arg-type]
    # Then with "\nReply STOP to opt out" (22 more units) it is 89 units: two segments of 67
    assert text.encoding == Encoding.UCS_2
    assert text.segments == 2


def test_auto_leaves_a_text_that_already_says_stop_and_never_never_appends() -> None:
    own = campaigns.sms_text("Soldes ! STOP au 36111", VALUES, policy=OptOutMention.AUTO, **PARIS)  # type: ignore[arg-type]
    assert own.text == "Soldes ! STOP au 36111"
    assert not own.mention
    stopwatch = campaigns.sms_text("Nouveau: STOPWATCH", VALUES, policy=OptOutMention.AUTO, **PARIS)  # type: ignore[arg-type]
    assert stopwatch.mention  # STOPWATCH is not the word STOP
    assert not campaigns.sms_text("Hi", VALUES, policy=OptOutMention.NEVER, **PARIS).mention  # type: ignore[arg-type]


def test_placeholders_are_filled_and_unknown_ones_refused() -> None:
    text = campaigns.sms_text(
        "Bonjour {customer.first_name}, {store.name} vous attend",
        VALUES,
        policy=OptOutMention.NEVER,
        **PARIS,  # type: ignore[arg-type]
    )
    assert text.text == "Bonjour Zoë, Maison Lumière vous attend"
    campaigns.check_content("{customer.first_name} {customer.last_name} {store.name}")
    with pytest.raises(campaigns.UnknownPlaceholder, match=r"associate\.display_name"):
        campaigns.check_content("{associate.display_name}")


def test_the_customers_language_then_the_stores() -> None:
    texts = {"fr": "Bonjour", "en": "Hello", "de-DE": "Hallo"}
    assert campaigns.pick_text(texts, None, "fr-FR") == "Bonjour"
    assert campaigns.pick_text(texts, "en", "fr-FR") == "Hello"
    assert campaigns.pick_text(texts, "de-DE", "fr-FR") == "Hallo"
    assert campaigns.pick_text(texts, "it", "fr-FR") == "Bonjour"  # not written in Italian: the store's


def test_email_has_the_unsubscribe_link_and_escapes_the_body() -> None:
    email = campaigns.email_text(
        "Pour {customer.first_name}",
        "Bonjour {customer.first_name} <b>!</b>\n\nÀ bientôt",
        VALUES,
        locale="fr-FR",
        unsubscribe_url="https://shop.example/email/unsubscribe/abc.def",
    )
    assert email.subject == "Pour Zoë"
    assert email.text.endswith("Se désabonner de ces emails: https://shop.example/email/unsubscribe/abc.def\n")
    assert "&lt;b&gt;!&lt;/b&gt;" in email.html
    assert 'href="https://shop.example/email/unsubscribe/abc.def"' in email.html
    assert campaigns.credits_for(Channel.EMAIL, 0) == 1
