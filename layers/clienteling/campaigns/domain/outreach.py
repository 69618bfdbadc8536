"""Outreach lists: for each tagged customer, how a store can reach them by text."""

from __future__ import annotations

from enum import StrEnum

from clienteling.directory.ports import Channel, Customer, Purpose, Status, effective


class Reach(StrEnum):
    CONVERSATION = "conversation"  # a conversation exists: open it
    OPT_IN_REQUEST = "opt_in_request"  # no conversation yet: an opt-in request can be sent
    NO_PHONE = "no_phone"  # nothing to text: shown greyed out
    OPTED_OUT = "opted_out"  # the customer said STOP to this store (or every store)


def reach(customer: Customer, store_id: str, *, has_conversation: bool) -> tuple[Reach, Status]:
    """What an associate of `store_id` can do for this customer, and their conversational SMS consent there."""
    status = effective(customer.consents, Channel.SMS, Purpose.CONVERSATIONAL, store_id)
    if not customer.phone_number:
        return Reach.NO_PHONE, status
    if status == Status.OPTED_OUT:
        return Reach.OPTED_OUT, status
    if has_conversation:
        return Reach.CONVERSATION, status
    return Reach.OPT_IN_REQUEST, status
