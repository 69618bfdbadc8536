"""Campaigns and messaging credits, on the wire (the send queue's messages: contracts/campaign_queue.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, EmailStr, Field, StringConstraints, model_validator

from clienteling.campaigns.domain import campaigns
from clienteling.campaigns.domain.campaigns import CampaignStatus
from clienteling.campaigns.domain.credits import CreditKind, EntryReason
from clienteling.directory.ports import Channel, Gender
from clienteling.kernel.fields import AttributeName, AttributeValue, CategoryId, PhoneText, Sku, Tag
from clienteling.kernel.reference import locale_tag
from clienteling.kernel.wire import ApiModel, Id, NonEmptyText, ResponseModel

SmsBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1200)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Species = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
PostalPrefix = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)]


def _texts(value: dict[str, str]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for tag, text in value.items():
        language_only = "-" not in tag and tag.isalpha() and 2 <= len(tag) <= 3
        key = tag.lower() if language_only else locale_tag(tag)
        try:
            campaigns.check_content(text)
        except campaigns.UnknownPlaceholder as error:
            raise ValueError(str(error)) from error
        checked[key] = text
    return checked


Content = Annotated[dict[str, Annotated[str, StringConstraints(min_length=1, max_length=5000)]], AfterValidator(_texts)]
CONTENT_HELP = (
    "Text per language or locale ('en', 'fr-FR'); a customer gets their `language` custom attribute's text, else "
    "the store's. Placeholders: {customer.first_name}, {customer.last_name}, {store.name}."
)


class Audience(ApiModel):
    """Every criterion narrows the audience (AND); a list means any of its values."""

    tags: list[Tag] = Field(default_factory=list, max_length=20, description="Customers with any of these tags")
    genders: list[Gender] = Field(default_factory=list, max_length=4)
    min_age: int | None = Field(default=None, ge=0, le=130)
    max_age: int | None = Field(default=None, ge=0, le=130)
    postal_code_prefixes: list[PostalPrefix] = Field(default_factory=list, max_length=50)
    purchased_skus: list[Sku] = Field(default_factory=list, max_length=50, description="Bought any of these")
    purchased_categories: list[CategoryId] = Field(default_factory=list, max_length=50)
    purchased_within_months: int | None = Field(default=None, ge=1, le=120)
    inactive_months: int | None = Field(default=None, ge=1, le=120, description="No visit or purchase for N months")
    pet_species: list[Species] = Field(default_factory=list, max_length=10)
    pet_birth_month: int | None = Field(default=None, ge=1, le=12)
    birth_month: int | None = Field(default=None, ge=1, le=12)
    custom_attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=10)

    @model_validator(mode="after")
    def _ages(self) -> Audience:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("minAge is above maxAge")
        if self.purchased_within_months is not None and not (self.purchased_skus or self.purchased_categories):
            raise ValueError("purchasedWithinMonths needs purchasedSkus or purchasedCategories")
        return self


class AudienceOut(ResponseModel):
    tags: list[str]
    genders: list[Gender]
    min_age: int | None = None
    max_age: int | None = None
    postal_code_prefixes: list[str]
    purchased_skus: list[str]
    purchased_categories: list[str]
    purchased_within_months: int | None = None
    inactive_months: int | None = None
    pet_species: list[str]
    pet_birth_month: int | None = None
    birth_month: int | None = None
    custom_attributes: dict[str, Any]


class CampaignCreate(ApiModel):
    name: NonEmptyText
    channel: Channel
    store_id: Id | None = Field(default=None, description="null: every store (admins only), each from its own number")
    audience: Audience = Field(default_factory=Audience)
    content: Content = Field(min_length=1, max_length=20, description=CONTENT_HELP)
    subject: Content | None = Field(default=None, description="Email only: the subject per language")
    send_at: datetime | None = Field(
        default=None,
        description="Local wall time in the store's time zone (each store's, for every store), without an offset; "
        "null: as soon as it is scheduled",
    )

    @model_validator(mode="after")
    def _email_has_subject(self) -> CampaignCreate:
        _check_channel(self.channel, self.content, self.subject, self.send_at)
        return self


class CampaignUpdate(ApiModel):
    """Drafts only. Fields you send are changed; send `sendAt: null` to send as soon as it is scheduled."""

    name: NonEmptyText | None = None
    audience: Audience | None = None
    content: Content | None = Field(default=None, min_length=1, max_length=20)
    subject: Content | None = None
    send_at: datetime | None = None


def _check_channel(
    channel: Channel, content: dict[str, str], subject: dict[str, str] | None, send_at: datetime | None
) -> None:
    if send_at is not None and send_at.tzinfo is not None:
        raise ValueError("sendAt is a local wall time in the store's time zone: leave the offset out")
    if channel == Channel.EMAIL and not subject:
        raise ValueError("an email campaign needs a subject")
    if channel == Channel.SMS:
        if subject:
            raise ValueError("texts have no subject")
        too_long = [tag for tag, text in content.items() if len(text) > 1200]
        if too_long:
            raise ValueError(f"a text is at most 1200 characters ({too_long[0]})")


class CampaignStatsOut(ResponseModel):
    recipients: int
    sent: int
    delivered: int
    failed: int
    skipped: int = Field(description="Left out when their turn came: consent withdrawn, blocked or capped meanwhile")
    opted_out: int = Field(description="Opted out of the channel within 7 days")
    replies: int = Field(description="Customers who texted back within 7 days")
    orders: int = Field(description="Orders and till purchases within 7 days")
    revenue: dict[str, int] = Field(description="Currency -> minor units of those orders")
    segments: int
    excluded: dict[str, int] = Field(description="Reason -> customers left out when the campaign started")


class CampaignOut(ResponseModel):
    id: str
    name: str
    channel: Channel
    store_id: str | None
    audience: AudienceOut
    content: dict[str, str]
    subject: dict[str, str] | None = None
    send_at: datetime | None = None
    status: CampaignStatus
    credits_reserved: int
    stats: CampaignStatsOut | None = Field(description="In GET /v1/campaigns/{id}; null in lists")
    failure_reason: str | None = None
    created_by: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


class SmsPreview(ResponseModel):
    encodings: dict[str, int] = Field(description="GSM-7 / UCS-2 -> messages")
    min_segments: int
    max_segments: int
    opt_out_mention: str | None = Field(description="What is appended to each text, when the store's policy asks")
    sample: str | None = Field(description="The first recipient's text, as they will get it")
    sample_segments: int | None = None
    sample_encoding: str | None = None


class CreditsPreview(ResponseModel):
    kind: CreditKind
    needed: int
    balance: int
    shortfall: int = Field(description="Credits to grant before it can be scheduled (0: enough)")


class PreviewOut(ResponseModel):
    recipients: int
    excluded: dict[str, int] = Field(description="Reason -> customers who match the audience but get nothing")
    deferred_by_quiet_hours: int = Field(description="Recipients whose texts wait for their quiet hours to end")
    first_send_at: datetime | None = Field(description="When the campaign would start (UTC)")
    sms: SmsPreview | None = None
    credits: CreditsPreview
    source: str = Field(description="The index the audience was read from: store, tag or purchase")
    items_read: int = Field(description="Customer items read to resolve it")


class TestSend(ApiModel):
    phone_number: PhoneText | None = Field(default=None, description="SMS campaigns: where the test goes")
    email: EmailStr | None = Field(default=None, description="Email campaigns: where the test goes")
    customer_id: Id | None = Field(default=None, description="Fill the placeholders with this customer's details")
    store_id: Id | None = Field(default=None, description="All-stores campaigns: the store to test from")


class TestSendOut(ResponseModel):
    channel: Channel
    to: str
    text: str
    subject: str | None = None
    segments: int | None = None
    encoding: str | None = None
    provider_id: str | None = None


# --- credits ----------------------------------------------------------------------------------------------------


class CreditGrant(ApiModel):
    kind: CreditKind
    amount: int = Field(ge=1, le=10_000_000)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class CreditsOut(ResponseModel):
    sms: int
    email: int


class LedgerEntryOut(ResponseModel):
    id: str
    kind: CreditKind
    at: datetime
    delta: int
    reason: EntryReason
    campaign_id: str | None = None
    associate_id: str | None = None
    note: str | None = None
    messages: int | None = None
