"""What Adyen posts to our webhook (standard notifications), read after the HMAC signature is verified."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


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
