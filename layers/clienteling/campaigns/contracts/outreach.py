"""Segmentation tags in bulk, and outreach lists (tagged customers and how each can be reached), on the wire."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from clienteling.campaigns.domain.outreach import Reach
from clienteling.directory.ports import Status
from clienteling.kernel.wire import ApiModel, Id, ResponseModel

CustomerNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
MAX_BULK = 1000


class TagAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class SegmentChange(ApiModel):
    action: TagAction = TagAction.ADD
    customer_ids: list[Id] = Field(default_factory=list, max_length=MAX_BULK)
    customer_numbers: list[CustomerNumber] = Field(
        default_factory=list, max_length=MAX_BULK, description="The ten digits printed on loyalty cards"
    )

    @model_validator(mode="after")
    def _bounded(self) -> SegmentChange:
        total = len(self.customer_ids) + len(self.customer_numbers)
        if total == 0:
            raise ValueError("give customerIds or customerNumbers")
        if total > MAX_BULK:
            raise ValueError(f"at most {MAX_BULK} customers per request")
        return self


class SegmentChangeOut(ResponseModel):
    tag: str
    action: TagAction
    changed: int = Field(description="Customers whose tags changed")
    unchanged: int = Field(description="Customers who already had (or did not have) the tag")
    unknown_customer_ids: list[str]
    unknown_customer_numbers: list[str]
    out_of_scope: list[str] = Field(description="Customers of stores you do not manage: left as they were")


class TagCountOut(ResponseModel):
    tag: str
    customers: int
    stores: dict[str, int] = Field(description="Store id -> customers of that store with the tag")


class OutreachEntryOut(ResponseModel):
    customer_id: str
    customer_number: str
    first_name: str
    last_name: str
    home_store_id: str
    store_id: str = Field(description="The store the reach is about: the one asked for, else the home store")
    phone_number: str | None = None
    email: str | None = None
    reach: Reach = Field(
        description="conversation: open it; opt_in_request: one can be sent; no_phone: greyed out; "
        "opted_out: texting is not allowed"
    )
    conversation_id: str | None = None
    sms_consent: Status = Field(description="Conversational SMS consent at the store")
