"""What providers post to our webhooks, as pydantic models read after the signature is verified."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Sid = Annotated[str, StringConstraints(pattern=r"^(SM|MM|IM)[0-9a-fA-F]{32}$")]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{4,14}$")]


class TwilioInbound(BaseModel):
    """Twilio's inbound message webhook (form fields keep Twilio's names)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message_sid: Sid = Field(alias="MessageSid")
    from_: E164 = Field(alias="From")
    to: E164 = Field(alias="To")
    body: Annotated[str, StringConstraints(max_length=1600)] = Field(default="", alias="Body")
    num_media: int = Field(default=0, ge=0, le=10, alias="NumMedia")
    messaging_service_sid: str | None = Field(default=None, alias="MessagingServiceSid")
    media_urls: list[str] = Field(default_factory=list)
    media_types: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _collect_media(cls, data: object) -> object:
        """MediaUrl0..N and MediaContentType0..N become two lists."""
        if isinstance(data, dict):
            count = int(data.get("NumMedia") or 0) if str(data.get("NumMedia") or "0").isdigit() else 0
            data = {
                **data,
                "media_urls": [data.get(f"MediaUrl{i}", "") for i in range(count)],
                "media_types": [data.get(f"MediaContentType{i}", "") for i in range(count)],
            }
        return data


class TwilioStatus(BaseModel):
    """Twilio's message status callback."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message_sid: Sid = Field(alias="MessageSid")
    message_status: Annotated[str, StringConstraints(max_length=20)] = Field(alias="MessageStatus")
    error_code: int | None = Field(default=None, alias="ErrorCode")


class AdyenAmount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    value: int
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class AdyenNotification(BaseModel):
    """A NotificationRequestItem of Adyen's standard webhook, read once its HMAC signature is verified."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    psp_reference: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(alias="pspReference")
    event_code: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(alias="eventCode")
    merchant_reference: Annotated[str, StringConstraints(max_length=80)] = Field(alias="merchantReference")
    merchant_account: str = Field(default="", alias="merchantAccountCode")
    amount: AdyenAmount
    success: bool
    reason: Annotated[str, StringConstraints(max_length=500)] = ""
