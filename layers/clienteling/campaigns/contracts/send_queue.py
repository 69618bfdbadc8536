"""The campaign send queue's messages: what the start job puts on SQS and the sender reads (the sender needs none
of the campaign API's models)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clienteling.directory.ports import Channel
from clienteling.kernel.wire import ResponseModel


class SendRequest(ResponseModel):
    """One recipient of a campaign on the send queue: everything the sender needs without reading the profile.
    It carries the customer's contact and text: the queue is encrypted, and nothing logs it."""

    v: Literal[1] = 1
    campaign_id: str
    customer_id: str
    store_id: str
    channel: Channel
    to: str
    text: str
    subject: str | None = None
    html: str | None = None
    unsubscribe_url: str | None = Field(default=None, description="Email: the one-click link, also in its headers")
    segments: int = 0
    credits: int
    sender: str = Field(description="Whose rate it is: the store's number, or 'email'")
    rate: float = Field(description="The sender's units per second")
    seen_version: int = Field(description="The profile's version when the audience was read")
    seen_marketing_version: int
    marketing_sends: dict[str, str] = Field(
        default_factory=dict, description="Campaign id -> when, within the frequency cap's window"
    )
    customer_name: str
    sms_conversational: str = "not_asked"
    sms_marketing: str = "not_asked"
    primary_associate_id: str | None = None
    store_time_zone: str
    store_country: str
    reserved_at: int | None = Field(default=None, description="A rate slot already reserved (epoch microseconds)")
