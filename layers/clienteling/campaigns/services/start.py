"""The start job: at its time a one-time schedule runs it for one time zone's stores (or every store, to send
now). It resolves the audience in pages, takes each page's credits from the reservation (topping it up from the
balance, or leaving recipients out when the balance is empty too), puts the recipients on the send queue (or
parks those whose quiet hours have not ended) and checkpoints, so a retry or a continuation resumes where it
stopped. A schedule with `resume` puts parked recipients whose time has come on the queue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from clienteling.adapters.queues import SendQueue
from clienteling.adapters.schedules import OneTimeSchedules
from clienteling.campaigns.domain.audience import Exclusion, FrequencyCap
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStatus
from clienteling.campaigns.domain.credits import EntryReason, kind_for
from clienteling.campaigns.repositories import credits as ledger
from clienteling.campaigns.repositories.campaigns import GROUP_DONE, CampaignRepository, NotInStatus
from clienteling.campaigns.repositories.credits import CreditRepository, NotEnoughCredits
from clienteling.campaigns.repositories.marketing import MarketingRepository
from clienteling.campaigns.services.audience import AudienceResolver, Context, Recipient
from clienteling.campaigns.services.campaigns import NOW_GROUP, all_stores
from clienteling.campaigns.services.flow import Parking, Progress, Rates, body, schedule_name, send_request
from clienteling.campaigns.services.unsubscribe import UnsubscribeLinks
from clienteling.directory.ports import Channel, SettingsLookup, Store, StoreListing, StoreLookup
from clienteling.kernel.clock import Clock, iso
from clienteling.kernel.items import to_int
from clienteling.kernel.observability import logger
from clienteling.kernel.providers import Outgoing
from clienteling.kernel.unit_of_work import StartWork

END_OF_PAGES = "end"  # the last page is on the queue; only finishing the time zone is left
CONTINUE_BELOW_MS = 60_000  # less time left than this: hand over to a continuation


@dataclass(frozen=True, slots=True)
class StartRequest:
    campaign_id: str
    group: str | None = None
    resume: bool = False


@dataclass
class StartResult:
    recipients: int = 0
    parked: int = 0
    excluded: Counter[str] | None = None
    pages: int = 0
    items_read: int = 0
    requests: int = 0  # SQS requests
    outcome: str = "done"


class CampaignStarter:
    def __init__(
        self,
        *,
        campaigns: CampaignRepository,
        marketing: MarketingRepository,
        ledger_repository: CreditRepository,
        stores: StoreLookup,
        store_repository: StoreListing,
        settings: SettingsLookup,
        queue: Callable[[], SendQueue],
        schedules: Callable[[], OneTimeSchedules],
        links: Callable[[], UnsubscribeLinks],
        rates: Rates,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._campaigns = campaigns
        self._credits = ledger_repository
        self._stores = stores
        self._store_repository = store_repository
        self._settings = settings
        self._queue = queue
        self._schedules = schedules
        self._links = links
        self._rates = rates
        self._work = work
        self._clock = clock
        self._resolver = AudienceResolver(marketing)
        self._parking = Parking(campaigns, queue, schedules, work, clock)
        self._progress = Progress(campaigns, ledger_repository, work, clock)

    def run(self, request: StartRequest, *, remaining_ms: Callable[[], int]) -> StartResult:
        if request.resume:
            released = self._parking.release(request.campaign_id)
            self._progress.check(request.campaign_id)
            return StartResult(recipients=released, outcome="released")
        raw = self._campaigns.raw(request.campaign_id)
        if raw is None or raw.get("status") not in (CampaignStatus.SCHEDULED.value, CampaignStatus.SENDING.value):
            logger.info("start of a campaign that is not scheduled", extra={"campaign_id": request.campaign_id})
            return StartResult(outcome="ignored")
        group = request.group or NOW_GROUP
        state = str((raw.get("fanout") or {}).get(group, ""))
        if state == GROUP_DONE:
            return StartResult(outcome="already done")
        campaign = self._campaigns.get(request.campaign_id, consistent=True)
        if campaign is None or not self._campaigns.start(campaign.id, now=self._clock()):
            return StartResult(outcome="ignored")
        stores = self._group_stores(campaign, group)
        if stores is None:
            self._progress.finish(
                campaign.id,
                CampaignStatus.FAILED,
                left=to_int(raw.get("credits_left", 0)),
                channel=campaign.channel,
                reason="store_missing",
            )
            return StartResult(outcome="failed")
        result = StartResult(excluded=Counter())
        if state != END_OF_PAGES and not self._fan_out(
            campaign, group, stores, cursor=state, result=result, remaining_ms=remaining_ms
        ):
            result.outcome = "continues"
            return result
        try:
            with self._work() as work:
                work.add(self._campaigns.finish_group_op(campaign.id, group))
        except NotInStatus:
            logger.info("time zone already finished", extra={"campaign_id": campaign.id})
        self._progress.check(campaign.id)
        logger.info(
            "campaign fan-out done",
            extra={
                "campaign_id": campaign.id,
                "group": group,
                "recipients": result.recipients,
                "parked": result.parked,
                "items_read": result.items_read,
            },
        )
        return result

    def _fan_out(
        self,
        campaign: Campaign,
        group: str,
        stores: Sequence[Store],
        *,
        cursor: str,
        result: StartResult,
        remaining_ms: Callable[[], int],
    ) -> bool:
        """Pages from `cursor` to the end; False when it handed over to a continuation."""
        now = self._clock()
        settings = self._settings.get("")
        ctx = Context(
            now=now,
            starts_at=now,
            cap=FrequencyCap(settings.marketing_frequency_cap, settings.marketing_frequency_days),
            default_sms_rate=self._rates.sms_default,
            email_rate=self._rates.email,
            unsubscribe_url=self._links().url if campaign.channel == Channel.EMAIL else None,
        )
        plan = self._resolver.plan(campaign, stores, now=now)
        result.items_read += plan.items_read
        for page in self._resolver.pages(campaign, stores, plan, ctx, cursor=cursor):
            result.pages += 1
            result.items_read += page.items_read
            kept, unpaid = self._pay(campaign, group, cursor or "start", page.recipients)
            excluded = Counter(page.excluded)
            if unpaid:
                excluded[Exclusion.NO_CREDITS.value] += unpaid
            self._enqueue(campaign, kept, result)
            with self._work() as work:
                work.add(
                    self._campaigns.checkpoint_op(
                        campaign.id,
                        group,
                        cursor=page.cursor or END_OF_PAGES,
                        recipients=len(kept),
                        excluded=excluded,
                    )
                )
            if result.excluded is not None:
                result.excluded.update(excluded)
            cursor = page.cursor
            if cursor and remaining_ms() < CONTINUE_BELOW_MS:
                self._continue(campaign, group, cursor)
                return False
        return True

    def _enqueue(self, campaign: Campaign, recipients: list[Recipient], result: StartResult) -> None:
        now = self._clock()
        link = self._links().url if campaign.channel == Channel.EMAIL else None
        ready = [
            Outgoing(body=body(send_request(campaign.id, r, self._rates, link))) for r in recipients if r.due <= now
        ]
        waiting = [(r.due, body(send_request(campaign.id, r, self._rates, link))) for r in recipients if r.due > now]
        if ready:
            result.requests += self._queue().send(ready)
        if waiting:
            self._parking.park(campaign.id, waiting)
        result.recipients += len(recipients)
        result.parked += len(waiting)

    def _pay(
        self, campaign: Campaign, group: str, page_key: str, recipients: list[Recipient]
    ) -> tuple[list[Recipient], int]:
        """Take the page's credits from the reservation, once per page; top the reservation up from the balance when
        it is short, and leave out (no_credits) whoever neither can pay for. Returns (kept, left out).

        Its own loop rather than retry_race: a race lost here (the balance or the reservation moved) is read again
        up to three times, and running out of tries is an answer (nobody on the page is paid for), not an error."""
        need = sum(r.credits for r in recipients)
        if not need:
            return recipients, 0
        left = self._campaigns.charge(campaign.id, group, page_key, need)
        if left is None:
            return recipients, 0
        if self._top_up(campaign, need - left) and self._campaigns.charge(campaign.id, group, page_key, need) is None:
            return recipients, 0
        kind = kind_for(campaign.channel)
        for _ in range(3):
            current = self._campaigns.charge(campaign.id, group, page_key, need)
            if current is None:
                return recipients, 0
            kept = _affordable(recipients, current + max(0, self._credits.balances()[kind]))
            total = sum(r.credits for r in kept)
            if not total:
                return [], len(recipients)
            if total > current and not self._top_up(campaign, total - current):
                continue  # the balance moved meanwhile: look again
            if self._campaigns.charge(campaign.id, group, page_key, total) is None:
                return kept, len(recipients) - len(kept)
        return [], len(recipients)

    def _top_up(self, campaign: Campaign, amount: int) -> bool:
        if amount <= 0:
            return True
        now = self._clock()
        entry = ledger.entry(kind_for(campaign.channel), -amount, EntryReason.TOP_UP, at=now, campaign_id=campaign.id)
        try:
            with self._work() as work:
                work.add(self._campaigns.credits_op(campaign.id, amount), *self._credits.change_ops(entry))
        except NotEnoughCredits:
            return False
        return True

    def _continue(self, campaign: Campaign, group: str, cursor: str) -> None:
        """Not enough time left in this invocation: a schedule runs the start job again, from the checkpoint."""
        at = self._clock()
        self._schedules().create(
            schedule_name(campaign.id, "continue", f"{group}#{cursor}#{iso(at)}"),
            at.replace(microsecond=0),
            {"campaignId": campaign.id, "group": group},
        )
        logger.info("campaign fan-out continues in a new invocation", extra={"campaign_id": campaign.id})

    def _group_stores(self, campaign: Campaign, group: str) -> list[Store] | None:
        """The stores a time zone's start job covers; None when the campaign's store is gone."""
        if campaign.store_id is not None:
            store = self._stores.get(campaign.store_id)
            return [store] if store is not None else None
        stores = list(all_stores(self._store_repository))
        return stores if group == NOW_GROUP else [s for s in stores if s.time_zone == group]


def _affordable(recipients: list[Recipient], available: int) -> list[Recipient]:
    """The first recipients whose credits add up to at most `available`."""
    kept: list[Recipient] = []
    total = 0
    for recipient in recipients:
        if total + recipient.credits > available:
            break
        kept.append(recipient)
        total += recipient.credits
    return kept
