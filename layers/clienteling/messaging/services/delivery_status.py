"""Delivery status callbacks from the SMS provider: monotonic, idempotent, and carrier opt-outs honoured."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from clienteling.adapters.sms import provider_status
from clienteling.directory.ports import CustomerRecords, Method, Purpose, SettingsLookup
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import DomainError
from clienteling.kernel.observability import logger
from clienteling.kernel.unit_of_work import StartWork, UnitOfWork
from clienteling.messaging.domain.conversations import MessageStatus
from clienteling.messaging.events import MessageStatusChanged
from clienteling.messaging.repositories.conversations import ConversationRepository
from clienteling.messaging.services.consent_copies import CARRIER_NOTE, SmsOptOut

CARRIER_OPT_OUT = 21610


class _Stale(DomainError):
    code = "stale_status"


class StatusService:
    def __init__(
        self,
        *,
        conversations: ConversationRepository,
        customers: CustomerRecords,
        settings: SettingsLookup,
        opt_out: SmsOptOut,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._conversations = conversations
        self._customers = customers
        self._settings = settings
        self._opt_out = opt_out
        self._work = work
        self._clock = clock

    def update(
        self,
        sid: str,
        provider_state: str,
        error_code: int | None,
        *,
        conversation_id: str | None = None,
        message_sk: str | None = None,
        campaign_id: str | None = None,
        customer_id: str | None = None,
    ) -> bool:
        """Apply a status; False when it is unknown, a repeat, or older than what we have.

        The message is found from the callback URL we gave (conversation and message key, signed with the
        rest of the request; a campaign's text also names the campaign and the customer), or else from the
        provider's sid.
        """
        if not conversation_id or not message_sk:
            marker = self._conversations.provider_marker(sid)
            if not marker or marker.get("direction") != "outbound":
                logger.info("status for a message we did not send", extra={"message_sid": sid})
                return False
            conversation_id, message_sk = str(marker["conversation_id"]), str(marker["message_sk"])
            campaign_id = marker.get("campaign_id")
            customer_id = marker.get("customer_id") if campaign_id else None
        status = MessageStatus(provider_status(provider_state))
        now = self._clock()
        message_id = message_sk.rsplit("#", 1)[-1]
        work = self._work()
        work.add(
            dataclasses.replace(
                self._conversations.message_status_op(conversation_id, message_sk, status, error_code),
                on_condition_failed=_Stale(),
            )
        )
        work.emit(
            MessageStatusChanged(
                conversation_id=conversation_id,
                message_id=message_id,
                status=status.value,
                error_code=error_code,
                campaign_id=campaign_id,
                customer_id=customer_id if campaign_id else None,
                occurred_at=now,
            )
        )
        if error_code == CARRIER_OPT_OUT and status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
            self._carrier_opt_out(work, conversation_id, message_id, now)
        try:
            work.commit()
        except _Stale:
            logger.info("status repeated or older than the current one", extra={"message_sid": sid})
            return False
        return True

    def _carrier_opt_out(self, work: UnitOfWork, conversation_id: str, message_id: str, now: datetime) -> None:
        conversation = self._conversations.get(conversation_id)
        customer = self._customers.get(conversation.customer_id) if conversation else None
        if conversation is None or customer is None:
            return
        self._opt_out.record(
            work,
            customer,
            conversation.store_id,
            settings=self._settings.get(""),
            method=Method.CARRIER,
            purposes=(Purpose.CONVERSATIONAL, Purpose.MARKETING),
            now=now,
            message_id=message_id,
            note=CARRIER_NOTE,
        )
