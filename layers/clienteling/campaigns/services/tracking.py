"""What happens after a campaign, from the events of the bus: delivery reports, replies, opt-outs and orders are
counted for the campaign the customer last got (within 7 days), and purchases keep the purchase index and the
profile's last purchase and visit (for the "purchased" and "no visit or purchase for N months" filters).

Every count is made once: it sets a field of the customer's delivery record under a condition (an order id joins
a set), in the transaction that adds to the campaign's counter, so an event delivered twice counts once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from clienteling.campaigns.domain.audience import LastCampaign, Member
from clienteling.campaigns.domain.campaigns import ATTRIBUTION_DAYS
from clienteling.campaigns.repositories.campaigns import CampaignRepository
from clienteling.campaigns.repositories.marketing import MarketingRepository
from clienteling.commerce.events import OrderPaid
from clienteling.directory.events import ConsentChanged
from clienteling.directory.ports import Channel, Purpose, Status
from clienteling.kernel.observability import logger
from clienteling.kernel.unit_of_work import StartWork
from clienteling.loyalty.events import PurchaseRecorded
from clienteling.messaging.events import MessageReceived, MessageStatusChanged
from clienteling.messaging.ports import MessageStatus

WINDOW = timedelta(days=ATTRIBUTION_DAYS)
_DELIVERED = {MessageStatus.DELIVERED.value, MessageStatus.READ.value}
_UNDELIVERED = {MessageStatus.UNDELIVERED.value, MessageStatus.FAILED.value}


class CampaignEvents:
    def __init__(self, campaigns: CampaignRepository, marketing: MarketingRepository, work: StartWork) -> None:
        self._campaigns = campaigns
        self._marketing = marketing
        self._work = work

    def handle(self, detail_type: str, detail: Mapping[str, Any]) -> str:
        handlers = {
            "MessageStatusChanged": lambda: self._status(MessageStatusChanged.model_validate(detail)),
            "MessageReceived": lambda: self._reply(MessageReceived.model_validate(detail)),
            "ConsentChanged": lambda: self._consent(ConsentChanged.model_validate(detail)),
            "OrderPaid": lambda: self._order(OrderPaid.model_validate(detail)),
            "PurchaseRecorded": lambda: self._purchase(PurchaseRecorded.model_validate(detail)),
        }
        handler = handlers.get(detail_type)
        return handler() if handler else "ignored"

    def _status(self, event: MessageStatusChanged) -> str:
        if not event.campaign_id or not event.customer_id:
            return "not a campaign's"
        if event.status in _DELIVERED:
            return self._once(event.customer_id, event.campaign_id, "delivered_at", event.occurred_at, delivered=1)
        if event.status in _UNDELIVERED:
            return self._once(event.customer_id, event.campaign_id, "undelivered_at", event.occurred_at, undelivered=1)
        return "ignored"

    def _reply(self, event: MessageReceived) -> str:
        if event.keyword:  # STOP, START, HELP: not a reply (an opt-out counts through ConsentChanged)
            return "keyword"
        last = self._last(event.customer_id, Channel.SMS, event.occurred_at)
        if last is None or last.store_id != event.store_id:
            return "no recent campaign"
        return self._once(event.customer_id, last.campaign_id, "replied_at", event.occurred_at, replies=1)

    def _consent(self, event: ConsentChanged) -> str:
        if event.status != Status.OPTED_OUT.value or event.purpose != Purpose.MARKETING.value:
            return "ignored"
        last = self._last(event.customer_id, Channel(event.channel), event.occurred_at)
        if last is None or (event.store_id is not None and event.store_id != last.store_id):
            return "no recent campaign"
        return self._once(event.customer_id, last.campaign_id, "opted_out_at", event.occurred_at, opted_out=1)

    def _order(self, event: OrderPaid) -> str:
        self._record_purchase(event.customer_id, event.store_id, event.lines, event.occurred_at, visit=False)
        return self._attribute(event.customer_id, event.order_id, event.currency, event.total_minor, event.occurred_at)

    def _purchase(self, event: PurchaseRecorded) -> str:
        self._record_purchase(event.customer_id, event.store_id, event.lines, event.occurred_at, visit=True)
        return self._attribute(
            event.customer_id, event.purchase_id, event.currency, event.total_minor, event.occurred_at
        )

    def _record_purchase(self, customer_id: str, store_id: str, lines: Any, at: datetime, *, visit: bool) -> None:
        self._marketing.record_purchase(customer_id, at, visit=visit)
        for line in lines:
            if line.sku:
                self._marketing.index_purchase("SKU", line.sku, customer_id, store_id, at)
            if line.category_id:
                self._marketing.index_purchase("CAT", line.category_id, customer_id, store_id, at)

    def _attribute(self, customer_id: str, order_id: str, currency: str, total: int, at: datetime) -> str:
        member = self._marketing.member(customer_id)
        if member is None:
            return "unknown customer"
        last = _latest(member, at)
        if last is None:
            return "no recent campaign"
        work = self._work().add(
            self._campaigns.order_op(customer_id, last.campaign_id, order_id),
            self._campaigns.stats_op(
                last.campaign_id, customer_id, **{"orders": 1, f"revenue_{currency.upper()}": total}
            ),
        )
        if work.attempt() is not None:
            return "already counted"
        logger.info("order attributed to a campaign", extra={"campaign_id": last.campaign_id})
        return "attributed"

    def _last(self, customer_id: str, channel: Channel, at: datetime) -> LastCampaign | None:
        member = self._marketing.member(customer_id)
        last = member.last_campaigns.get(channel) if member else None
        return last if last is not None and last.at <= at <= last.at + WINDOW else None

    def _once(self, customer_id: str, campaign_id: str, attribute: str, at: datetime, **counts: int) -> str:
        work = self._work().add(
            self._campaigns.mark_once_op(customer_id, campaign_id, attribute, at),
            self._campaigns.stats_op(campaign_id, customer_id, **counts),
        )
        if work.attempt() is not None:
            return "already counted"
        return "counted"


def _latest(member: Member, at: datetime) -> LastCampaign | None:
    recent = [c for c in member.last_campaigns.values() if c.at <= at <= c.at + WINDOW]
    return max(recent, key=lambda c: c.at, default=None)
