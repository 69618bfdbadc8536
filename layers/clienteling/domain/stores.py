"""A store: where associates work, with the number its customers text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from clienteling.domain.addresses import Address


class KeywordReplies(StrEnum):
    """Who answers STOP, START and HELP: Twilio does by default on a long code, so the product must not too."""

    PROVIDER = "provider"
    PRODUCT = "product"


@dataclass(frozen=True, slots=True)
class MessagingSettings:
    keyword_replies: KeywordReplies = KeywordReplies.PROVIDER
    help_contact: str | None = None  # phone, email or URL given in HELP replies


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    phone_number: str
    time_zone: str
    locale: str
    currency: str
    address: Address
    tax_mode: str
    version: int
    created_at: datetime
    updated_at: datetime
    messaging: MessagingSettings = field(default_factory=MessagingSettings)

    @property
    def country(self) -> str:
        return self.address.country
