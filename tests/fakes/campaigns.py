"""Campaigns in memory, as far as the campaign sender (campaigns.services.sender, with flow.py's Parking, Progress
and Refunds) uses them: the campaign item and its counters, the per-customer delivery records and the recipients
parked by quiet hours (CampaignRepository), the marketing attributes of the profiles (MarketingRepository), the
messaging credits (CreditRepository) and the senders' rates (RateLimiter)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from clienteling.campaigns.domain import rate
from clienteling.campaigns.domain.audience import LastCampaign, Member
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStats, CampaignStatus
from clienteling.campaigns.domain.credits import CreditKind, EntryReason, LedgerEntry
from clienteling.campaigns.repositories import credits as ledger
from clienteling.campaigns.repositories.campaigns import DELIVERY_TTL, NotInStatus, shard_of
from clienteling.campaigns.repositories.credits import NotEnoughCredits
from clienteling.campaigns.repositories.marketing import ProfileChanged
from clienteling.directory.ports import Channel
from clienteling.kernel import keys
from clienteling.kernel.items import when, without_none
from clienteling.kernel.pages import Page
from clienteling.kernel.transactions import ConditionFailed, Op

from tests.fakes.directory import FakeCustomers
from tests.fakes.storage import fake_op, run

SENDING = "sending"


@dataclass
class _Campaign:
    campaign: Campaign
    credits_left: int
    processed: int = 0
    counters: Counter[str] = field(default_factory=Counter)


class FakeCampaigns:
    """Mirrors CampaignRepository where the sender depends on it:

    - `claim_delivery_op`: the delivery record of (customer, campaign), put if there is none, or if an earlier
      claim is still `sending` and its lease ran out (a retry); no error of its own (ConditionFailed). A failed claim
      returns the record as it is (ReturnValuesOnConditionCheckFailure ALL_OLD), which the sender reads from the
      cancellation reasons. With `skip_reason`, the record says at once that the customer is skipped;
    - `delivery_done_op`: the claimed send ended (sent, failed) with its attributes, and the lease is removed
      (condition: the record is still `sending`, so it ends once);
    - `release_op`: the lease ends now, so a retry may claim the record (condition: still `sending`);
    - `stats_op`: adds to the campaign's counters, on the customer's shard item; no condition; `stats` sums them;
    - `park_op`: a chunk of parked recipients; `parked_due` reads the chunks due by now; `delete_parked` drops one;
    - `raw` / `get`: the campaign (raw: with the fan-out's attributes: credits left, pending starts, processed);
    - `complete_op`: sending (or scheduled) -> `status`, what was left of the reservation set to 0, a new version
      (condition: sending or scheduled, else NotInStatus);
    - `add_processed`: adds to the processed hint and returns the campaign's attributes (the real UpdateItem is
      conditional on the campaign existing: ConditionFailed here where the client's exception is raised there).
    What schedules and starts a campaign (drafts, the fan-out's checkpoints and charges) is the start job's: no fast
    test runs it yet, so a campaign is given as the start job leaves it (`add`).
    """

    def __init__(self) -> None:
        self._campaigns: dict[str, _Campaign] = {}
        self._deliveries: dict[tuple[str, str], dict[str, Any]] = {}
        self._parked: dict[tuple[str, str], dict[str, Any]] = {}

    # ------------------------------------------------------------------ given
    def add(self, campaign: Campaign, *, credits_left: int = 0) -> Campaign:
        """A campaign as its start jobs leave it: its status and recipients, and what is left of its reservation
        once every page was charged."""
        self._campaigns[campaign.id] = _Campaign(campaign, credits_left)
        return campaign

    # ------------------------------------------------------------------ reads
    def get(self, campaign_id: str, *, consistent: bool = False) -> Campaign | None:
        found = self._campaigns.get(campaign_id)
        return found.campaign if found is not None else None

    def raw(self, campaign_id: str) -> dict[str, Any] | None:
        found = self._campaigns.get(campaign_id)
        if found is None:
            return None
        campaign = found.campaign
        return without_none(
            {
                **keys.campaign(campaign.id),
                "id": campaign.id,
                "channel": campaign.channel.value,
                "store_id": campaign.store_id,
                "status": campaign.status.value,
                "version": campaign.version,
                "recipients": campaign.recipients,
                "pending_starts": campaign.pending_starts,
                "credits_reserved": campaign.credits_reserved,
                "credits_left": found.credits_left,
                "processed": found.processed,
                "completed_at": when(campaign.completed_at) if campaign.completed_at else None,
            }
        )

    def stats(self, campaign: Campaign) -> CampaignStats:
        found = self._campaigns.get(campaign.id)
        c = found.counters if found is not None else Counter[str]()
        return CampaignStats(
            recipients=campaign.recipients,
            sent=c["sent"],
            delivered=c["delivered"],
            send_failed=c["send_failed"],
            undelivered=c["undelivered"],
            skipped=c["skipped"],
            opted_out=c["opted_out"],
            replies=c["replies"],
            orders=c["orders"],
            segments=c["segments"],
        )

    def delivery(self, customer_id: str, campaign_id: str) -> dict[str, Any] | None:
        found = self._deliveries.get((customer_id, campaign_id))
        return dict(found) if found is not None else None

    def parked_due(self, campaign_id: str, now: datetime) -> list[dict[str, Any]]:
        partition = keys.campaign_parked_partition(campaign_id)
        until = when(now) + "~"
        return [dict(item) for (pk, sk), item in sorted(self._parked.items()) if pk == partition and sk <= until]

    def parked(self, campaign_id: str) -> list[dict[str, Any]]:
        """Every parked chunk of the campaign, due or not (for assertions)."""
        partition = keys.campaign_parked_partition(campaign_id)
        return [dict(item) for (pk, _), item in sorted(self._parked.items()) if pk == partition]

    # ------------------------------------------------------------------ operations
    def claim_delivery_op(
        self,
        *,
        customer_id: str,
        campaign_id: str,
        store_id: str,
        channel: Channel,
        credit_count: int,
        now: datetime,
        lease: timedelta,
        skip_reason: str | None = None,
    ) -> Op:
        where = (customer_id, campaign_id)
        item: dict[str, Any] = {
            **keys.campaign_delivery(customer_id, campaign_id),
            "entity": "campaign_delivery",
            "campaign_id": campaign_id,
            "customer_id": customer_id,
            "store_id": store_id,
            "channel": channel.value,
            "state": SENDING,
            "credits": credit_count,
            "lease_until": when(now + lease),
            "claimed_at": when(now),
            "expires_at": int((now + DELIVERY_TTL).timestamp()),
        }
        if skip_reason is not None:
            item.update({"state": "skipped", "skip_reason": skip_reason})

        def free() -> bool:
            current = self._deliveries.get(where)
            return current is None or (current["state"] == SENDING and str(current["lease_until"]) < when(now))

        def put() -> None:
            self._deliveries[where] = dict(item)

        return fake_op(
            keys.campaign_delivery(customer_id, campaign_id),
            "delivery_claim",
            apply=put,
            condition=free,
            subject=item,
            returns=lambda: self._deliveries.get(where),
        )

    def delivery_done_op(
        self, customer_id: str, campaign_id: str, state: str, *, now: datetime, **attributes: Any
    ) -> Op:
        where = (customer_id, campaign_id)
        fields = {"state": state, f"{state}_at": when(now), **without_none(attributes)}

        def end() -> None:
            current = self._deliveries[where]
            current.update(fields)
            current.pop("lease_until", None)

        return fake_op(
            keys.campaign_delivery(customer_id, campaign_id),
            f"delivery_{state}",
            apply=end,
            condition=lambda: self._sending(where),
            subject=fields,
        )

    def release_op(self, customer_id: str, campaign_id: str, *, now: datetime) -> Op:
        where = (customer_id, campaign_id)

        def release() -> None:
            self._deliveries[where]["lease_until"] = when(now - timedelta(microseconds=1))

        return fake_op(
            keys.campaign_delivery(customer_id, campaign_id),
            "delivery_release",
            apply=release,
            condition=lambda: self._sending(where),
        )

    def _sending(self, where: tuple[str, str]) -> bool:
        current = self._deliveries.get(where)
        return current is not None and current["state"] == SENDING

    def stats_op(self, campaign_id: str, customer_id: str, **counts: int) -> Op:
        def count() -> None:
            self._campaigns[campaign_id].counters.update(counts)

        # The real ADD creates the shard item whatever exists; counters of a campaign this fake does not hold are
        # a test's mistake, and fail at commit.
        return fake_op(
            keys.campaign_stats(campaign_id, shard_of(customer_id)), "campaign_stats", apply=count, subject=counts
        )

    def park_op(self, campaign_id: str, due: datetime, chunk_id: str, messages: list[str]) -> Op:
        key = keys.campaign_parked(campaign_id, when(due), chunk_id)
        item = {
            **key,
            "entity": "campaign_parked",
            "campaign_id": campaign_id,
            "due": when(due),
            "messages": list(messages),
            "expires_at": int((due + timedelta(days=30)).timestamp()),
        }

        def park() -> None:
            self._parked[(key["PK"], key["SK"])] = item

        return fake_op(key, "campaign_parked", apply=park, subject=item)

    def delete_parked(self, item: Mapping[str, Any]) -> None:
        self._parked.pop((str(item["PK"]), str(item["SK"])), None)

    def complete_op(self, campaign_id: str, *, status: CampaignStatus, now: datetime, reason: str | None = None) -> Op:
        def completable() -> bool:
            found = self._campaigns.get(campaign_id)
            return found is not None and found.campaign.status in (CampaignStatus.SENDING, CampaignStatus.SCHEDULED)

        def complete() -> None:
            found = self._campaigns[campaign_id]
            found.campaign = dataclasses.replace(
                found.campaign,
                status=status,
                completed_at=now,
                updated_at=now,
                version=found.campaign.version + 1,
                failure_reason=reason or found.campaign.failure_reason,
            )
            found.credits_left = 0

        return fake_op(
            keys.campaign(campaign_id),
            "campaign_complete",
            apply=complete,
            condition=completable,
            error=NotInStatus(),
            subject=status,
        )

    def add_processed(self, campaign_id: str, count: int) -> dict[str, Any]:
        found = self._campaigns.get(campaign_id)
        if found is None:
            raise ConditionFailed()
        found.processed += count
        return self.raw(campaign_id) or {}


class FakeMarketing:
    """Mirrors MarketingRepository over the customer records (`FakeCustomers`: the profile, its version and the
    stores that blocked the customer) and the attributes campaigns keep on the profile:

    - `member` / `members`: the profile as marketing reads it, with the marketing sends, their version and the last
      campaign per channel;
    - `claim_send_op`: records a campaign send on the profile (the frequency cap's window, a new marketing version,
      the last campaign of the channel) if nothing the decision rested on changed: the profile's version, the store
      not blocking the customer, and the marketing version as read (0: never sent to); ProfileChanged otherwise.
    Reading audiences from the indexes (store pages, tags, purchases, counters) is the start job's: not kept.
    """

    def __init__(self, customers: FakeCustomers) -> None:
        self._customers = customers
        self._sends: dict[str, dict[str, datetime]] = {}
        self._versions: dict[str, int] = {}  # customer id -> mkt_version; absent: never sent a campaign
        self._last: dict[str, dict[Channel, LastCampaign]] = {}

    # ------------------------------------------------------------------ reads
    def member(self, customer_id: str) -> Member | None:
        customer = self._customers.get(customer_id)
        if customer is None:
            return None
        return Member(
            customer=customer,
            blocked_stores=frozenset(self._customers.blocked_stores.get(customer_id, ())),
            marketing_sends=dict(self._sends.get(customer_id, {})),
            marketing_version=self._versions.get(customer_id, 0),
            last_campaigns=dict(self._last.get(customer_id, {})),
        )

    def members(self, customer_ids: list[str]) -> dict[str, Member]:
        return {cid: member for cid in dict.fromkeys(customer_ids) if (member := self.member(cid)) is not None}

    def store_members(self, store_id: str, *, cursor: str | None, limit: int = 200) -> Page[Member]:
        raise NotImplementedError("audience indexes: the start job's; no fast test runs it yet")

    def tagged_ids(
        self, tag: str, store_id: str | None, *, cursor: str | None, limit: int = 200
    ) -> Page[tuple[str, str]]:
        raise NotImplementedError("audience indexes: the start job's; no fast test runs it yet")

    def purchasers(self, kind: str, value: str, *, since: datetime | None) -> Iterator[tuple[str, str]]:
        raise NotImplementedError("audience indexes: the start job's; no fast test runs it yet")

    def store_customer_count(self, store_ids: list[str]) -> int:
        raise NotImplementedError("audience counters: the start job's; no fast test runs it yet")

    def tag_counts(self) -> list[tuple[str, str, int]]:
        raise NotImplementedError("audience counters: the start job's; no fast test runs it yet")

    # ------------------------------------------------------------------ operations
    def claim_send_op(
        self,
        customer_id: str,
        *,
        version: int,
        marketing_version: int,
        sends: Mapping[str, datetime],
        campaign_id: str,
        channel: Channel,
        store_id: str,
        now: datetime,
    ) -> Op:
        def unchanged() -> bool:
            customer = self._customers.get(customer_id)
            if customer is None or customer.version != version:
                return False
            if store_id in self._customers.blocked_stores.get(customer_id, ()):
                return False
            if marketing_version:
                return self._versions.get(customer_id) == marketing_version
            return customer_id not in self._versions

        def record() -> None:
            self._sends[customer_id] = dict(sends)
            self._versions[customer_id] = marketing_version + 1
            self._last.setdefault(customer_id, {})[channel] = LastCampaign(campaign_id, store_id, now)

        return fake_op(
            keys.customer(customer_id),
            "customer_marketing_send",
            apply=record,
            condition=unchanged,
            error=ProfileChanged(),
            subject=campaign_id,
        )


class FakeCredits:
    """Mirrors CreditRepository: one balance per kind and the journal of every change.

    - `change_ops`: the balance moves by the entry's delta (a negative one on condition that the balance covers it,
      else NotEnoughCredits) and the entry joins the journal (condition: new);
    - `balances`: both balances; `entries`: a kind's journal, newest first (one page).
    """

    def __init__(self) -> None:
        self._balances: Counter[CreditKind] = Counter()
        self._journal: dict[CreditKind, list[LedgerEntry]] = {}

    # ------------------------------------------------------------------ given
    def grant(self, kind: CreditKind, amount: int, *, at: datetime) -> None:
        """An admin's grant (CreditService.grant commits these operations)."""
        run(self.change_ops(ledger.entry(kind, amount, EntryReason.GRANT, at=at, note="tests")))

    # ------------------------------------------------------------------ reads
    def balances(self) -> dict[CreditKind, int]:
        return {kind: self._balances[kind] for kind in CreditKind}

    def entries(self, kind: CreditKind, *, limit: int, cursor: str | None) -> Page[LedgerEntry]:
        if cursor is not None:
            raise NotImplementedError("one page only")
        newest = sorted(self._journal.get(kind, []), key=lambda e: (e.at, e.id), reverse=True)
        return Page(newest[:limit])

    # ------------------------------------------------------------------ operations
    def change_ops(self, entry: LedgerEntry) -> list[Op]:
        def covers() -> bool:
            return entry.delta >= 0 or self._balances[entry.kind] >= -entry.delta

        def move() -> None:
            self._balances[entry.kind] += entry.delta

        journal = self._journal.setdefault(entry.kind, [])
        return [
            fake_op(
                keys.credit_balance(entry.kind.value),
                "credit_balance",
                apply=move,
                condition=covers,
                error=NotEnoughCredits(),
                subject=entry.delta,
            ),
            fake_op(
                keys.credit_entry(entry.kind.value, when(entry.at), entry.id),
                "credit_entry",
                apply=lambda: journal.append(entry),
                condition=lambda: all(e.id != entry.id for e in journal),
                subject=entry,
            ),
        ]


class FakeRateLimiter:
    """Mirrors RateLimiter.reserve (AP-RL1): each sender's theoretical arrival time (tat), moved by the real
    `rate.plan`: slots from now when the sender is idle (tat in the past), from its tat when busy; a plan that
    reserves nothing (the sender is booked beyond the horizon) writes nothing. The real one converges on the stored
    tat through conditional updates (the item comes back with a failed condition); alone in memory this one reads it
    directly, so it never runs out of attempts (the real one then reserves nothing, and the sender requeues)."""

    def __init__(self) -> None:
        self.tat: dict[str, int] = {}
        self.reservations: list[tuple[str, tuple[int, ...]]] = []  # (sender, slots) of every write, in order

    def reserve(
        self, sender: str, units: Sequence[int], *, now: int, rate_per_second: float, horizon: int
    ) -> rate.RatePlan:
        planned = rate.plan(self.tat.get(sender), now, units, rate=rate_per_second, horizon=horizon)
        if planned.count:
            self.tat[sender] = planned.tat
            self.reservations.append((sender, planned.slots))
        return planned
