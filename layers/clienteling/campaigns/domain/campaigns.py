"""Campaigns: a message to an audience of one store (or every store), sent by SMS or email, now or at a local time.

Statuses: draft -> scheduled -> sending -> sent, draft/scheduled -> cancelled, and failed when the start job
cannot go on (the store is gone, nothing could be reserved). What a text says is composed here: the store's
language, the placeholders, and the opt-out mention the store's policy asks for, counted in the segments.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import phonenumbers

from clienteling.campaigns.domain.audience import AudienceFilter
from clienteling.directory.ports import Channel, OptOutMention
from clienteling.messaging.ports import PLACEHOLDER, pick, render, segments
from clienteling.messaging.ports import keyword_language as language


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


EDITABLE = frozenset({CampaignStatus.DRAFT})
CANCELLABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED})
ALL_STORES = "*"
KNOWN_PLACEHOLDERS = frozenset({"customer.first_name", "customer.last_name", "store.name"})
ATTRIBUTION_DAYS = 7  # replies, opt-outs and orders within this many days of a campaign count for it


class UnknownPlaceholder(ValueError):
    """The content uses a placeholder campaigns do not fill."""


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    channel: Channel
    store_id: str | None  # None: every store, each sending from its own number in its own time zone
    audience: AudienceFilter
    bodies: Mapping[str, str]  # language or locale -> text with placeholders
    version: int
    created_at: datetime
    updated_at: datetime
    status: CampaignStatus = CampaignStatus.DRAFT
    subjects: Mapping[str, str] = field(default_factory=dict)  # email only
    send_at: datetime | None = None  # naive: the wall time in each store's time zone; None: as soon as scheduled
    created_by: str | None = None
    credits_reserved: int = 0  # taken from the balance when scheduled; what is left goes back at the end
    schedule_names: tuple[str, ...] = ()
    pending_starts: int = 0  # start jobs (one per time zone) that have not finished their fan-out
    recipients: int = 0  # customers the fan-out handed to the sender (or parked for quiet hours)
    excluded: Mapping[str, int] = field(default_factory=dict)  # reason -> customers left out at the start
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    failure_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignStats:
    recipients: int = 0
    sent: int = 0  # handed to the provider
    delivered: int = 0  # the provider reported it delivered (texts)
    send_failed: int = 0  # the provider refused it, or kept failing until the last attempt
    undelivered: int = 0  # handed over, then reported undelivered or failed by the carrier
    skipped: int = 0  # left out at send time: consent withdrawn, blocked or capped since the start
    opted_out: int = 0  # opted out of the channel within ATTRIBUTION_DAYS of the campaign
    replies: int = 0  # customers who texted back within ATTRIBUTION_DAYS
    orders: int = 0  # orders and till purchases within ATTRIBUTION_DAYS
    revenue: Mapping[str, int] = field(default_factory=dict)  # currency -> minor units
    segments: int = 0  # SMS segments sent

    @property
    def failed(self) -> int:
        return self.send_failed + self.undelivered

    @property
    def processed(self) -> int:
        """Recipients the sender is done with: every recipient once the campaign is over."""
        return self.sent + self.send_failed + self.skipped


def check_content(text: str) -> None:
    unknown = sorted(set(PLACEHOLDER.findall(text)) - KNOWN_PLACEHOLDERS)
    if unknown:
        raise UnknownPlaceholder(
            f"unknown placeholder {{{unknown[0]}}}; use one of "
            + ", ".join(f"{{{k}}}" for k in sorted(KNOWN_PLACEHOLDERS))
        )


def content_language(customer_language: object, store_locale: str) -> str:
    """The language a customer reads: their `language` custom attribute when they have one, else the store's."""
    if isinstance(customer_language, str) and customer_language.strip():
        return customer_language.strip()
    return store_locale


def pick_text(texts: Mapping[str, str], customer_language: object, store_locale: str) -> str:
    return pick(texts, content_language(customer_language, store_locale), store_locale) or ""


# --- SMS --------------------------------------------------------------------------------------------------------

_STOP_WORD = re.compile(r"\bSTOP\b", re.IGNORECASE)
_MENTIONS = {
    "en": "Reply STOP to opt out",
    "fr": "Répondez STOP pour vous désabonner",
    "es": "Responda STOP para cancelar",
    "de": "Antworten Sie STOP zum Abmelden",
}


def opt_out_mention(country: str, locale: str, *, store_phone: str, stop_number: str | None) -> str:
    """The opt-out mention of a marketing text. France: "STOP au <number>" (CNIL; the 36xxx short number with an
    alphanumeric sender, else the store's own number in national format); elsewhere "Reply STOP to opt out" in the
    store's language."""
    if country.upper() == "FR":
        number = stop_number or _national(store_phone)
        return f"STOP au {number.replace(' ', '')}"
    return _MENTIONS[language(locale)]


def _national(e164: str) -> str:
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return str(phonenumbers.national_significant_number(parsed)).rjust(10, "0")


def needs_mention(policy: OptOutMention, text: str) -> bool:
    if policy == OptOutMention.ALWAYS:
        return True
    if policy == OptOutMention.NEVER:
        return False
    return _STOP_WORD.search(text) is None


@dataclass(frozen=True, slots=True)
class SmsText:
    text: str
    encoding: segments.Encoding
    segments: int
    mention: bool  # whether the opt-out mention was appended


def sms_text(
    template: str,
    values: Mapping[str, str],
    *,
    policy: OptOutMention,
    country: str,
    locale: str,
    store_phone: str,
    stop_number: str | None,
) -> SmsText:
    """The text one customer gets, with the mention appended on its own line when the policy asks, and how it is
    encoded and counted: the mention is part of the message, so it is part of the count."""
    body = render(template, values).strip()
    mention = needs_mention(policy, body)
    if mention:
        body = f"{body}\n{opt_out_mention(country, locale, store_phone=store_phone, stop_number=stop_number)}"
    count = segments.count(body)
    return SmsText(text=body, encoding=count.encoding, segments=count.segments, mention=mention)


def credits_for(channel: Channel, sms_segments: int) -> int:
    """One credit per SMS segment (what carriers bill), one per email."""
    return sms_segments if channel == Channel.SMS else 1


# --- email ------------------------------------------------------------------------------------------------------

_UNSUBSCRIBE_TEXT = {
    "en": "Unsubscribe from these emails",
    "fr": "Se désabonner de ces emails",
    "es": "Darse de baja de estos correos",
    "de": "Von diesen E-Mails abmelden",
}


@dataclass(frozen=True, slots=True)
class EmailText:
    subject: str
    text: str
    html: str


def email_text(
    subject_template: str, body_template: str, values: Mapping[str, str], *, locale: str, unsubscribe_url: str
) -> EmailText:
    """The email one customer gets: plain text and HTML, both ending with the one-click unsubscribe link."""
    subject = " ".join(render(subject_template, values).split())
    body = render(body_template, values).strip()
    label = _UNSUBSCRIBE_TEXT[language(locale)]
    text = f"{body}\n\n--\n{label}: {unsubscribe_url}\n"
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in body.split("\n\n") if part.strip()
    )
    link = f'<p style="font-size:12px;color:#666"><a href="{html.escape(unsubscribe_url)}">{html.escape(label)}</a></p>'
    page = f'<!doctype html><html lang="{html.escape(language(locale))}"><body>{paragraphs}<hr>{link}</body></html>'
    return EmailText(subject=subject, text=text, html=page)


# --- time -------------------------------------------------------------------------------------------------------


def start_instant(send_at_local: datetime, time_zone: str) -> datetime:
    """The instant a naive local wall time means in a time zone (the earlier one when a clock change repeats it)."""
    return send_at_local.replace(tzinfo=ZoneInfo(time_zone))
