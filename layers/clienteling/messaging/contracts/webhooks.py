"""What Twilio posts to our webhooks (inbound texts, status callbacks), read after the signature is verified."""

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
