"""Delivery status callbacks from the SMS provider: monotonic, idempotent, and carrier opt-outs honoured."""

from __future__ import annotations

import dataclasses

from clienteling.clock import Clock
from clienteling.contracts.events import MessageStatusChanged
from clienteling.domain.consent import Method, Purpose
from clienteling.domain.conversations import MessageStatus
from clienteling.domain.settings import BusinessSettings
from clienteling.errors import DomainError
from clienteling.observability import logger
from clienteling.repositories import outbox, transactions
from clienteling.repositories.conversations import ConversationRepository
from clienteling.repositories.customers import CustomerRepository
from clienteling.services.cache import TtlCache
from clienteling.services.consent import CARRIER_NOTE, SmsOptOut
from clienteling.services.conversations import provider_status

CARRIER_OPT_OUT = 21610


class _Stale(DomainError):
    code = "stale_status"


class StatusService:
    def __init__(
        self,
        conversations: ConversationRepository,
        customers: CustomerRepository,
        settings: TtlCache[str, BusinessSettings],
        clock: Clock,
    ) -> None:
        self._conversations = conversations
        self._customers = customers
        self._settings = settings
        self._clock = clock
        self._opt_out = SmsOptOut(customers, conversations)

    def update(self, sid: str, provider_state: str, error_code: int | None) -> bool:
        """Apply a status; False when it is unknown, a repeat, or older than what we have."""
        marker = self._conversations.provider_marker(sid)
        if not marker or marker.get("direction") != "outbound":
            logger.info("status for a message we did not send", extra={"message_sid": sid})
            return False
        status = provider_status(provider_state)
        now = self._clock()
        conversation_id, sk = str(marker["conversation_id"]), str(marker["message_sk"])
        ops = [
            dataclasses.replace(
                self._conversations.message_status_op(conversation_id, sk, status, error_code),
                on_condition_failed=_Stale(),
            ),
            outbox.event_op(
                self._customers.table,
                "MessageStatusChanged",
                MessageStatusChanged(
                    conversation_id=conversation_id,
                    message_id=sk.rsplit("#", 1)[-1],
                    status=status.value,
                    error_code=error_code,
                    occurred_at=now,
                ),
                now=now,
            ),
        ]
        customer = self._customers.get(str(marker["customer_id"])) if error_code == CARRIER_OPT_OUT else None
        if customer is not None and status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
            ops += self._opt_out.ops(
                customer,
                str(marker["store_id"]),
                scope_setting=self._settings.get("").opt_out_scope,
                method=Method.CARRIER,
                purposes=(Purpose.CONVERSATIONAL, Purpose.MARKETING),
                now=now,
                message_id=sk.rsplit("#", 1)[-1],
                note=CARRIER_NOTE,
            )
        try:
            transactions.transact(self._customers.table, ops)
        except _Stale:
            logger.info("status repeated or older than the current one", extra={"message_sid": sid})
            return False
        return True
