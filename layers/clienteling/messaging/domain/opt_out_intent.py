"""Opt-outs in other words: "please stop", "take me off your list", "No más", "ne m'écrivez plus".

The FCC's revocation order (FCC 24-18, 47 CFR 64.1200(a)(10)-(12), in force since 2025-04-11) lets a customer
revoke consent "by any reasonable means", names stop, quit, end, revoke, opt out, cancel and unsubscribe as
revocations in themselves, and expects multi-word or misspelt requests ("No mas", "please stop") to be honoured.
Provider keyword handling only sees single words (keywords.classify), so this module reads the rest.

Contract with the product:
- HIGH: a clear revocation. The product records the opt-out of marketing (Method.SMS_INTENT) at once and flags
  the conversation so an associate confirms the scope with the customer.
- MEDIUM: a probable one. The product only flags the conversation; an associate decides.
- None: nothing that reads as an opt-out.

How it reads a message: accents and case are folded (names.fold), apostrophes dropped ("don't" is "dont",
"m'écrire" is "mecrire"), other punctuation and emoji ignored, and the message is cut into clauses at
sentence punctuation. In order:
1. An explicit phrase in any clause is HIGH ("stop texting me", "retirez-moi de votre liste", "no más mensajes")
   unless a negation just precedes it ("please don't stop texting me", "nunca dejes de escribirme").
2. A whole message that is an opt-out word with polite or filler words around it is HIGH ("STOP PLEASE",
   "stop it!!", "Stop, thanks", "Arrêt svp"), or MEDIUM for the words that often mean something else in a
   store chat (cancel, end, quit, remove, baja, basta: "cancel please" may be about an order).
3. An opt-out word alone in a clause of a longer message is HIGH as the last clause ("Got it. STOP") and
   MEDIUM elsewhere ("Stop! That dress is gorgeous" is praise as often as not). A message that opens with an
   opt-out word in capitals is MEDIUM ("STOP I don't want these"), while "Stop by at 5?" is not.
4. Weaker signals are MEDIUM: "remove me", "not interested", a bare "unsubscribe" or "opt out" in a sentence,
   and "wrong number". A wrong number is no revocation by the customer on file: the consent on file does not
   belong to whoever answered, so the associate must check the number rather than record an opt-out.
Choices: "never stop sending me deals!" is a wish to keep receiving, so it is None; "stop by at 5?", "the bus
stop", "arrêt de bus" and "no more than 2" are None because the opt-out words are not used as requests there.

Patterns in English, French and Spanish apply whatever the store's locale: customers write in their own
language (the FCC's own example, "No mas", is Spanish in a US context) and these phrases do not collide across
the three languages. The German keywords STOPP and ABMELDEN count for rule 2. `locale` is kept in the signature
so a language whose phrases would collide can be limited to its own locales.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from clienteling.kernel.search_text import fold


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"


@dataclass(frozen=True, slots=True)
class OptOutIntent:
    confidence: Confidence
    phrase: str  # what matched, folded: lower case, without accents or punctuation


@dataclass(frozen=True, slots=True)
class _Language:
    high: tuple[re.Pattern[str], ...]
    medium: tuple[re.Pattern[str], ...]
    negators: frozenset[str]  # a word just before a phrase that turns it around


def _compile(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


_EN_MSG = (
    r"(?:messages?|msgs?|texts?|txts?|sms|texting|messaging|promos?|promotions?|offers?|deals?|ads|marketing"
    r"|spam|notifications?)"
)
_EN_LIST = r"(?:list|lists|mailing list|text list|texting list|sms list|contact list|contacts|database|system)"
_ENGLISH = _Language(
    high=_compile(
        r"\bstop (?:texting|txting|messaging|msging|contacting|bothering|spamming|harassing|pestering)"
        r"(?: me| us| this number)?\b",
        rf"\bstop send(?:ing)?(?: me| us)?(?: (?:any|these|those|your|the|all|more|of))* {_EN_MSG}\b",
        rf"\bstop (?:with )?(?:the|these|those|your|all the|all these|all your) {_EN_MSG}\b",
        rf"\bno more {_EN_MSG}\b",
        r"\b(?:dont|do not|never) (?:ever )?(?:text|txt|message|msg|contact|sms|spam) (?:me|us|this number)\b",
        rf"\b(?:take|remove|delete|drop|get) (?:me|us|my number|this number) (?:off|from|out of) "
        rf"(?:of )?(?:(?:your|the|this|ur|all|these|any|my) )*{_EN_LIST}\b",
        r"\b(?:remove|delete|erase) my (?:phone )?(?:number|info|information|contact|details)\b",
        r"\bunsubscribe (?:me|us|my number|this number)\b",
        r"\bopt (?:me|us|my number|this number) out\b",
        r"\b(?:want|wanna|would like|id like|wish|need|trying|how do i|how can i|how to) (?:to )?"
        r"(?:opt out|optout|unsubscribe|be removed|be taken off)\b",
        r"\bleave me alone\b",
        rf"\b(?:dont|do not|no longer|never) (?:want|wish|need) (?:to (?:receive|get) )?"
        rf"(?:(?:any|anymore|any more|more|these|those|your|the|further|future) )*{_EN_MSG}\b",
        r"\b(?:revoke|withdraw) (?:my |all )?(?:consent|permission)\b",
    ),
    medium=_compile(
        r"\bwrong (?:number|person|phone number|num)\b",
        r"\bnot the right (?:number|person)\b",
        r"^(?:(?:im|i am|sorry|no|no thanks|thanks but) )*not interested(?: thanks| thank you)?$",
        r"\b(?:take|remove|get) me off\b",
        r"\bremove me\b",
        r"\b(?:unsubscribe|unsubscribed|opt out|opted out|optout|revoke)\b",
    ),
    negators=frozenset({"dont", "not", "never", "wont", "didnt", "doesnt", "cant", "cannot", "shouldnt", "wouldnt"}),
)

_FR_MSG = r"(?:messages?|sms|textos?|mails?|relances?|promos?|promotions?|publicites?|pubs?|notifications?)"
_FRENCH = _Language(
    high=_compile(
        r"\b(?:d ?)?(?:arret(?:e|es|ez|er)?|cesse[rz]?) de (?:m ?ecrire|me contacter|me relancer|me harceler"
        r"|me deranger|m ?envoyer|me spammer|me texter|me solliciter|nous ecrire|nous contacter)\b",
        r"\b(?:m ?ecri(?:vez|ve|s)|m ?envoy(?:ez|e|es)|me contact(?:ez|e|es)|me relanc(?:ez|e|es)"
        r"|me derang(?:ez|e|es)) plus\b",
        rf"^(?:(?:svp|stp|merci|stop|non) )*plus (?:de |d )?{_FR_MSG}\b",
        rf"\b(?:assez|marre) (?:de |d )(?:vos |ces |tous ces |toutes ces |des )?{_FR_MSG}\b",
        r"\b(?:desabonnez|desinscrivez) moi\b",
        r"\bme (?:desabonner|desinscrire)\b",
        r"\b(?:retirez|supprimez|enlevez|effacez|sortez|rayez|otez) (?:moi|mon numero|nous) (?:de|du|des) "
        r"(?:votre |vos |la |ce |cette |le |ces |mon )?(?:liste|listes|fichier|fichiers|base|contacts?|diffusion)\b",
        r"\b(?:retirez|supprimez|effacez|enlevez) mon (?:numero|num|contact|telephone)\b",
        r"\bje (?:ne )?(?:veux|souhaite|desire|voudrais) plus (?:recevoir|etre (?:contactee?|sollicitee?|derangee?)"
        r"|de (?:vos )?(?:messages|sms|textos))\b",
        rf"\bje (?:ne )?(?:veux|souhaite) pas recevoir (?:de |vos |les |ces |des )?{_FR_MSG}\b",
        r"\b(?:laissez|laisse|lachez|foutez) moi (?:tranquille|en paix|la paix)\b",
        rf"\bstop (?:aux|a vos|a ces|a|les|vos|ces) {_FR_MSG}\b",
    ),
    medium=_compile(
        r"\b(?:mauvais|faux) numero\b",
        r"\berreur de (?:numero|destinataire|personne)\b",
        r"^(?:(?:non|desole|desolee|merci) )*(?:je ne suis |je suis |ne suis |suis )?(?:pas|plus) interessee?s?"
        r"(?: merci)?$",
        r"\b(?:desabonn|desinscri)\w*",
    ),
    negators=frozenset({"pas", "jamais"}),
)

_ES_MSG = r"(?:mensajes?|msjs?|textos?|sms|promociones|publicidad|ofertas|notificaciones)"
_SPANISH = _Language(
    high=_compile(
        rf"^(?:(?:ya|por favor|porfa|ok) )*no mas(?: (?:{_ES_MSG}|por favor|porfa|gracias|ya))*$",
        rf"\bno mas {_ES_MSG}\b",
        r"(?<!\bno )\b(?:deja|dejen|deje|dejar|dejes) de (?:escribirme|enviarme|mandarme|contactarme|molestarme"
        r"|mensajearme|textearme)\b",
        r"\bno me (?:escrib(?:as|a|an)|contact(?:es|e|en)|molest(?:es|e|en))\b",
        rf"\bno me (?:envi(?:es|e|en)|mand(?:es|e|en)) (?:mas|{_ES_MSG})\b",
        r"\b(?:darme|dame|denme|deme|me doy|me quiero dar|me den|me de) de baja\b",
        r"\b(?:quitame|quiteme|quitenme|sacame|saqueme|saquenme|borrame|borreme|borrenme|eliminame|elimineme"
        r"|eliminenme) de (?:la |su |tu |sus |esta |esa )?(?:lista|listas|base de datos|base|contactos)\b",
        rf"\b(?:no|ya no) (?:quiero|deseo) (?:recibir )?(?:(?:mas|sus|tus|estos|esos|los) )*{_ES_MSG}\b",
        r"\b(?:dejame|dejeme|dejenme) en paz\b",
    ),
    medium=_compile(
        r"\bnumero equivocado\b",
        r"\bequivocad[oa]s? de numero\b",
        r"^(?:no gracias )?no (?:me )?interesa(?: gracias)?$",
        r"\bde baja\b",
    ),
    negators=frozenset({"nunca", "jamas"}),
)

_LANGUAGES = (_ENGLISH, _FRENCH, _SPANISH)

# Rules 2 and 3: opt-out words, and the words that may surround them.
_STRONG = frozenset(
    {"stop", "stopall", "unsubscribe", "optout", "opt out", "revoke"}
    | {"stpo", "sotp", "unsuscribe", "unsubcribe", "unsubscibe", "unsubscrib", "unsubsribe"}  # common typos
    | {"arret", "arrete", "arretez", "arreter", "arrett", "desabonner", "desinscrire"}
    | {"alto", "parar"}
    | {"stopp", "abmelden"}
)
_WEAK = frozenset({"cancel", "end", "quit", "remove", "cancelar", "baja", "basta"})
_POLITE = tuple(
    tuple(words.split())
    for words in (
        "please", "pls", "plz", "now", "right now", "already", "thanks", "thank you", "thx", "ty", "asap",
        "immediately", "seriously", "ok", "okay", "just",
        "svp", "stp", "sil vous plait", "sil te plait", "merci", "maintenant",
        "por favor", "porfa", "gracias", "ya",
        "bitte", "danke", "jetzt",
    )
)  # fmt: skip
_OBJECTS = tuple(
    tuple(words.split())
    for words in (
        "it", "this", "that", "all", "me", "texting", "texts", "messages", "messaging", "sending", "sms", "msgs",
        "tout", "les sms", "les messages", "mensajes", "alles",
    )
)  # fmt: skip
_MESSAGE_NOUNS = tuple(words for words in _OBJECTS if words[-1] in {"texts", "messages", "sms", "msgs", "mensajes"})
_CLAUSE_BREAK = re.compile(r"[.!?;:,…¡¿()\"«»“”\n\r]+")
_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ")
_NOT_A_WORD = re.compile(r"[^\w ]|_")
_FIRST_WORD = re.compile(r"[\W_]*([^\W\d_]+)")


def detect(body: str, locale: str) -> OptOutIntent | None:
    """Whether an inbound message asks to stop messages, and how surely (see the module docstring)."""
    clauses = _clauses(body)
    if not clauses:
        return None
    for clause in clauses:
        for language in _LANGUAGES:
            if phrase := _search(language.high, clause, language.negators):
                return OptOutIntent(Confidence.HIGH, phrase)
    whole = " ".join(clauses)
    if (strength := _opt_out_word(whole)) is not None:
        return OptOutIntent(strength, whole)
    for position, clause in enumerate(clauses):
        if _opt_out_word(clause) is Confidence.HIGH:
            last = position == len(clauses) - 1
            return OptOutIntent(Confidence.HIGH if last else Confidence.MEDIUM, clause)
    if (first := _FIRST_WORD.match(body)) and first[1].isupper() and fold(first[1]) in _STRONG:
        return OptOutIntent(Confidence.MEDIUM, fold(first[1]))  # shouted, then more words
    for clause in clauses:
        for language in _LANGUAGES:
            if phrase := _search(language.medium, clause, language.negators):
                return OptOutIntent(Confidence.MEDIUM, phrase)
    return None


def _clauses(body: str) -> list[str]:
    visible = "".join(c for c in body if unicodedata.category(c) != "Cf")  # zero-width spaces, BOM
    text = fold(visible).translate(_APOSTROPHES)
    clauses = (" ".join(_NOT_A_WORD.sub(" ", part).split()) for part in _CLAUSE_BREAK.split(text))
    return [clause for clause in clauses if clause]


def _search(patterns: tuple[re.Pattern[str], ...], clause: str, negators: frozenset[str]) -> str | None:
    for pattern in patterns:
        for match in pattern.finditer(clause):
            if not _negated(clause[: match.start()].split(), negators):
                return match.group(0)
    return None


def _negated(before: list[str], negators: frozenset[str]) -> bool:
    """A negation in the two words before a phrase, except in a "why don't you ..." question."""
    for distance in (1, 2):
        if len(before) >= distance and before[-distance] in negators:
            asking = len(before) > distance and before[-distance - 1] == "why"
            return not asking
    return False


def _opt_out_word(text: str) -> Confidence | None:
    """HIGH if `text` is an opt-out word with filler words around it, MEDIUM for an ambiguous one, else None."""
    split = text.split()
    words = [word for position, word in enumerate(split) if position == 0 or word != split[position - 1]]
    if " ".join(_strip(words, _POLITE + _OBJECTS)) in _STRONG:
        return Confidence.HIGH
    if " ".join(_strip(words, _POLITE + _MESSAGE_NOUNS)) in _WEAK:
        return Confidence.MEDIUM
    return None


def _strip(words: list[str], fillers: tuple[tuple[str, ...], ...]) -> list[str]:
    """`words` without the fillers at either end; never strips the last word."""
    stripped = True
    while stripped:
        stripped = False
        for filler in fillers:
            size = len(filler)
            if len(words) > size and tuple(words[:size]) == filler:
                words, stripped = words[size:], True
            if len(words) > size and tuple(words[-size:]) == filler:
                words, stripped = words[:-size], True
    return words
