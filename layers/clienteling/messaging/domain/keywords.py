"""SMS keywords (opt-out, opt-in, help) in the customer's language, and the replies the product sends.

A keyword is the whole message: trimmed, case- and accent-insensitive, inner whitespace collapsed, leading or
trailing punctuation ignored ("Arrête !", "stop.", "¡ALTO!"). "STOP PLEASE" is not a keyword: opt_out_intent
reads such messages.

Sources for the lists:
- English applies in every locale because the provider's defaults do. Twilio, long codes: opt-out STOP,
  STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT; opt-in START, YES, UNSTOP; help HELP, INFO
  (help.twilio.com/articles/223134027, twilio.com/docs/messaging/tutorials/advanced-opt-out). The FCC names
  stop, quit, end, revoke, opt out, cancel and unsubscribe as revocations in themselves (FCC 24-18, 47 CFR
  64.1200(a)(12)), hence OPT OUT and OPT-OUT; Telnyx also takes STOP ALL, AWS takes OPT-OUT.
- French: ARRET is the Canadian carriers' French STOP and AIDE their HELP (AWS End User Messaging, "French
  compliance keywords"); Twilio Proxy also drops ARRET, ARRETE and ARRETT; "STOP SMS" is the French mention
  the CNIL expects in promotional texts. ARRETER, DESABONNER, DESINSCRIRE, OUI, DEMARRER are plain French.
- Spanish: ALTO and AYUDA are the US carriers' Spanish STOP and HELP (Twilio, "Industry Standards for
  Spanish-language Short Code campaigns"); PARAR, BAJA, CANCELAR, SI and COMENZAR are plain Spanish.
- German: STOPP is the German STOP (Brevo); ABMELDEN, JA and HILFE are plain German.
REMOVE and TD (AWS) are left out: alone in a store chat they are ambiguous; opt_out_intent rates them.

The affirmations (YES, OUI, SI, JA) are opt-in keywords everywhere, as YES is for Twilio, which only lifts an
existing block with it. In a conversation they mostly answer a question, so a service should take them as an
opt-in only when a request is pending or the customer had opted out. "Y" alone is an opt-in only when a
request is pending.

Provider handling: with Twilio's default keyword handling on a long code, Twilio blocks or unblocks the number
and replies itself to its own keywords, sent as the whole message. `provider_handles` says which keywords
those are, so the product replies only to the others (ARRÊT, ALTO, AIDE ...). When the provider blocked a
number after STOP, only START, YES or UNSTOP lift the block, so every reply tells the customer to send START
to resume. Toll-free numbers differ (only STOP, START and UNSTOP, and the carrier replies).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from clienteling.kernel.search_text import fold


class KeywordKind(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


@dataclass(frozen=True, slots=True)
class KeywordMatch:
    kind: KeywordKind
    keyword: str  # the message as matched, upper case, accents as typed: "STOP", "ARRÊTE", "ARRETE"
    provider_handles: bool  # the provider has answered this very message itself


DEFAULT_LANGUAGE = "en"

_KEYWORDS: dict[str, dict[KeywordKind, tuple[str, ...]]] = {
    "en": {
        KeywordKind.OPT_OUT: (
            "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
            "OPTOUT", "OPT OUT", "OPT-OUT",
        ),
        KeywordKind.OPT_IN: ("START", "UNSTOP", "YES"),
        KeywordKind.HELP: ("HELP", "INFO"),
    },
    "fr": {
        KeywordKind.OPT_OUT: (
            "ARRÊT", "ARRET", "ARRÊTE", "ARRETE", "ARRÊTER", "ARRETER", "ARRETT", "STOP SMS",
            "DÉSABONNER", "DESABONNER", "DÉSINSCRIRE", "DESINSCRIRE",
        ),
        KeywordKind.OPT_IN: ("OUI", "DÉMARRER", "DEMARRER"),
        KeywordKind.HELP: ("AIDE",),
    },
    "es": {
        KeywordKind.OPT_OUT: ("ALTO", "PARAR", "BAJA", "CANCELAR"),
        KeywordKind.OPT_IN: ("SÍ", "SI", "COMENZAR"),
        KeywordKind.HELP: ("AYUDA",),
    },
    "de": {
        KeywordKind.OPT_OUT: ("STOPP", "ABMELDEN"),
        KeywordKind.OPT_IN: ("JA", "START"),
        KeywordKind.HELP: ("HILFE",),
    },
}  # fmt: skip
_PENDING_OPT_IN = "Y"

# Twilio's defaults on long codes, answered by Twilio itself (see the module docstring).
PROVIDER_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
    | {"START", "YES", "UNSTOP"}
    | {"HELP", "INFO"}
)


def _table(language: str) -> dict[str, KeywordKind]:
    return {fold(word): kind for kind, words in _KEYWORDS[language].items() for word in words}


_BY_LANGUAGE = {language: _table(language) for language in _KEYWORDS}


def language(locale: str) -> str:
    """The supported language for a BCP 47 locale, by its language subtag ("fr-CA" → "fr"), else English."""
    # The language subtag is the first one (RFC 5646); stores keep canonical tags, so no parser is needed.
    code = locale.strip().replace("_", "-").split("-")[0].lower()
    return code if code in _KEYWORDS else DEFAULT_LANGUAGE


def provider_handles(keyword: str) -> bool:
    """Whether Twilio answers this keyword itself on a long code (its default keyword handling)."""
    return keyword.strip().upper() in PROVIDER_KEYWORDS


def classify(body: str, locale: str, *, opt_in_pending: bool) -> KeywordMatch | None:
    """The keyword the whole message is, in English or in the locale's language, or None."""
    text = _normalize(body)
    key = fold(text)
    kind = _BY_LANGUAGE[DEFAULT_LANGUAGE].get(key) or _BY_LANGUAGE[language(locale)].get(key)
    if kind is None and opt_in_pending and key == fold(_PENDING_OPT_IN):
        kind = KeywordKind.OPT_IN
    if kind is None:
        return None
    keyword = text.upper()
    # Twilio documents only single words, case-insensitively; with punctuation around it, assume it did not
    # act, so the product sends the confirmation (after a real block, that send fails harmlessly, 21610).
    exact = body.strip().upper() == keyword
    return KeywordMatch(kind, keyword, provider_handles=exact and provider_handles(keyword))


def _normalize(body: str) -> str:
    visible = "".join(c for c in body if unicodedata.category(c) != "Cf")  # zero-width spaces, BOM
    words = " ".join(visible.split())
    start, end = 0, len(words)
    while start < end and (unicodedata.category(words[start])[0] == "P" or words[start].isspace()):
        start += 1
    while end > start and (unicodedata.category(words[end - 1])[0] == "P" or words[end - 1].isspace()):
        end -= 1
    return words[start:end]


# Replies. {store} is the store's name, {contact} where to get help. Resume always says START: see above.
# Kept to GSM-7 characters where the language allows (no ê, ç, á, í ...): UCS-2 halves the room.
_REPLIES: dict[str, dict[KeywordKind, str]] = {
    "en": {
        KeywordKind.OPT_OUT: "You will receive no more messages from {store}. Reply START to resume.",
        KeywordKind.OPT_IN: (
            "{store}: you're opted in to chat by text. Msg frequency varies. Msg & data rates may apply. "
            "Reply HELP for help, STOP to opt out."
        ),
        KeywordKind.HELP: (
            "{store} text chat. Help: {contact}. Msg frequency varies. Msg & data rates may apply. "
            "Reply STOP to opt out."
        ),
    },
    "fr": {
        KeywordKind.OPT_OUT: (
            "Vous ne recevrez plus de messages de {store}. Répondez START pour les recevoir à nouveau."
        ),
        KeywordKind.OPT_IN: (
            "{store} : vous pouvez désormais échanger par SMS avec nous. Fréquence variable. Des frais de "
            "messagerie et de données peuvent s'appliquer. AIDE pour de l'aide, STOP pour vous désabonner."
        ),
        KeywordKind.HELP: (
            "{store}, échanges par SMS. Aide : {contact}. Fréquence variable. Des frais de messagerie et de "
            "données peuvent s'appliquer. Répondez STOP pour vous désabonner."
        ),
    },
    "es": {
        KeywordKind.OPT_OUT: "Ya no le enviaremos mensajes desde {store}. Responda START para volver a recibirlos.",
        KeywordKind.OPT_IN: (
            "{store}: ya puede chatear por SMS con nosotros. Frecuencia variable. "
            "Pueden aplicar cargos de msjs y datos. AYUDA para ayuda, STOP para cancelar."
        ),
        KeywordKind.HELP: (
            "{store}, chat por SMS. Ayuda: {contact}. Frecuencia variable. Pueden aplicar cargos de msjs y datos. "
            "Responda STOP para cancelar."
        ),
    },
    "de": {
        KeywordKind.OPT_OUT: "Sie erhalten keine Nachrichten mehr von {store}. Antworten Sie START zum Reaktivieren.",
        KeywordKind.OPT_IN: (
            "{store}: Sie können jetzt per SMS mit uns chatten. Häufigkeit variiert. Es können Gebühren für "
            "SMS und Daten anfallen. HILFE für Hilfe, STOP zum Abmelden."
        ),
        KeywordKind.HELP: (
            "{store}, SMS-Chat. Hilfe: {contact}. Häufigkeit variiert. Es können Gebühren für SMS und Daten "
            "anfallen. Antworten Sie STOP zum Abmelden."
        ),
    },
}

_OPT_IN_REQUESTS = {
    "en": "Reply YES to chat with {store}, STOP to opt out.",
    "fr": "Répondez OUI pour échanger avec {store}, STOP pour ne plus recevoir de messages.",
    "es": "Responda SI para chatear con {store}, STOP para no recibir mensajes.",
    "de": "Antworten Sie JA, um mit {store} zu chatten, STOP, um keine Nachrichten zu erhalten.",
}


def reply_text(kind: KeywordKind, locale: str, *, store_name: str, help_contact: str) -> str:
    """The reply to a keyword (CTIA): an opt-out confirmation without marketing, an opt-in confirmation, help."""
    return _REPLIES[language(locale)][kind].format(store=store_name, contact=help_contact)


def opt_in_request_text(locale: str, *, store_name: str) -> str:
    """The message that asks a customer to opt in to chat by text."""
    return _OPT_IN_REQUESTS[language(locale)].format(store=store_name)
