"""Campaigns in the single table: the campaign item (its status moves only through conditional updates), its
sharded counters, the per-customer delivery records, and recipients parked by quiet hours.

Access patterns AP-CP1..AP-CP14 of docs/data-model.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.campaigns.domain.audience import AudienceFilter
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStats, CampaignStatus
from clienteling.directory.ports import Channel, Gender
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import Conflict, StaleVersion
from clienteling.kernel.items import dt, dt_or_none, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

STATS_SHARDS = 8
DELIVERY_TTL = timedelta(days=400)  # attribution needs 7 days; the customer's campaign history a year
GROUP_DONE = "done"
_COUNTERS = (
    "sent",
    "delivered",
    "send_failed",
    "undelivered",
    "skipped",
    "opted_out",
    "replies",
    "orders",
    "segments",
)


class NotInStatus(Conflict):
    code = "campaign_status"
    default_message = "The campaign is not in a status that allows this."


def shard_of(customer_id: str) -> int:
    return int.from_bytes(hashlib.sha256(customer_id.encode()).digest()[:2], "big") % STATS_SHARDS


class CampaignRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        return self._table

    # ------------------------------------------------------------------ the campaign
    def get(self, campaign_id: str, *, consistent: bool = False) -> Campaign | None:
        """AP-CP1: a campaign. 1 GetItem."""
        item = self._table.get_item(Key=keys.campaign(campaign_id), ConsistentRead=consistent).get("Item")
        return _from_item(item) if item else None

    def raw(self, campaign_id: str) -> dict[str, Any] | None:
        """AP-CP1, with the fan-out's own attributes (checkpoints, credits left)."""
        item = self._table.get_item(Key=keys.campaign(campaign_id), ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def create_op(self, campaign: Campaign) -> transactions.Op:
        """AP-CP2: a new draft."""
        return transactions.put(self._table, _to_item(campaign), condition="attribute_not_exists(PK)")

    def save_draft_op(self, campaign: Campaign, *, expected_version: int) -> transactions.Op:
        """AP-CP3: change a draft if it is still a draft at `expected_version`."""
        return transactions.put(
            self._table,
            _to_item(campaign),
            condition="version = :v AND #s = :draft",
            values={":v": expected_version, ":draft": CampaignStatus.DRAFT.value},
            names={"#s": "status"},
            error=StaleVersion(),
        )

    def list_for_store(self, store_id: str | None, *, limit: int, cursor: str | None) -> Page[Campaign]:
        """AP-CP4: a store's campaigns (None: the all-stores ones), newest first. 1 Query on GSI1."""
        return self._list("GSI1", keys.campaigns_of_store(store_id), limit=limit, cursor=cursor)

    def list_all(self, *, limit: int, cursor: str | None) -> Page[Campaign]:
        """AP-CP5: every campaign, newest first (admins). 1 Query on GSI2."""
        return self._list("GSI2", keys.CAMPAIGNS_INDEX, limit=limit, cursor=cursor)

    def _list(self, index: str, partition: str, *, limit: int, cursor: str | None) -> Page[Campaign]:
        return query_page(
            self._table,
            _from_item,
            index=index,
            partition=partition,
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )

    def schedule_op(
        self,
        campaign: Campaign,
        *,
        credit_count: int,
        schedule_names: list[str],
        groups: list[str],
        now: datetime,
    ) -> transactions.Op:
        """AP-CP6: draft -> scheduled with its reserved credits and start jobs, if still the version read."""
        return transactions.update(
            self._table,
            keys.campaign(campaign.id),
            "SET #s = :scheduled, credits_reserved = :credits, credits_left = :credits, schedule_names = :names, "
            "pending_starts = :groups, fanout = :fanout, charged = :fanout, scheduled_at = :at, updated_at = :at, "
            "version = :next",
            names={"#s": "status"},
            values={
                ":scheduled": CampaignStatus.SCHEDULED.value,
                ":credits": credit_count,
                ":names": schedule_names,
                ":groups": len(groups),
                ":fanout": dict.fromkeys(groups, ""),
                ":at": when(now),
                ":next": campaign.version + 1,
                ":v": campaign.version,
                ":draft": CampaignStatus.DRAFT.value,
            },
            condition="version = :v AND #s = :draft",
            error=StaleVersion(),
        )

    def cancel_op(self, campaign: Campaign, *, now: datetime) -> transactions.Op:
        """AP-CP7: draft or scheduled -> cancelled; loses to a start job that got there first."""
        return transactions.update(
            self._table,
            keys.campaign(campaign.id),
            "SET #s = :cancelled, credits_left = :zero, completed_at = :at, updated_at = :at, version = version + :one",
            names={"#s": "status"},
            values={
                ":cancelled": CampaignStatus.CANCELLED.value,
                ":zero": 0,
                ":one": 1,
                ":at": when(now),
                ":draft": CampaignStatus.DRAFT.value,
                ":scheduled": CampaignStatus.SCHEDULED.value,
            },
            condition="#s = :draft OR #s = :scheduled",
            error=NotInStatus("Only drafts and scheduled campaigns that have not started can be cancelled."),
        )

    def start(self, campaign_id: str, *, now: datetime) -> bool:
        """AP-CP8: scheduled -> sending (or already sending: another time zone's start, or a retry). 1 UpdateItem;
        False when the campaign is in another status (cancelled meanwhile)."""
        try:
            self._table.update_item(
                Key=keys.campaign(campaign_id),
                UpdateExpression="SET #s = :sending, started_at = if_not_exists(started_at, :at), updated_at = :at",
                ConditionExpression="#s = :scheduled OR #s = :sending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":sending": CampaignStatus.SENDING.value,
                    ":scheduled": CampaignStatus.SCHEDULED.value,
                    ":at": when(now),
                },
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def checkpoint_op(
        self, campaign_id: str, group: str, *, cursor: str, recipients: int, excluded: Mapping[str, int]
    ) -> transactions.Op:
        """AP-CP9: one page of a time zone's fan-out is on the queue: where to resume, and the counts."""
        names = {"#g": group, "#s": "status"}
        values: dict[str, Any] = {
            ":cursor": cursor or GROUP_DONE,
            ":n": recipients,
            ":sending": CampaignStatus.SENDING.value,
            ":done": GROUP_DONE,
        }
        adds = ["recipients :n"]
        for index, (reason, count) in enumerate(sorted(excluded.items())):
            if count:
                names[f"#x{index}"] = f"excluded_{reason}"
                values[f":x{index}"] = count
                adds.append(f"#x{index} :x{index}")
        return transactions.update(
            self._table,
            keys.campaign(campaign_id),
            "SET fanout.#g = :cursor ADD " + ", ".join(adds),
            names=names,
            values=values,
            condition="#s = :sending AND fanout.#g <> :done",
            error=NotInStatus("The campaign stopped sending."),
        )

    def charge(self, campaign_id: str, group: str, page: str, amount: int) -> int | None:
        """AP-CP10: take a page's credits from the campaign's reservation, once per page (a retried page is not
        charged twice). None when charged; else the reservation left, too small for `amount`. 1 UpdateItem."""
        try:
            self._table.update_item(
                Key=keys.campaign(campaign_id),
                UpdateExpression="SET charged.#g = :page ADD credits_left :minus",
                ConditionExpression="credits_left >= :amount AND charged.#g <> :page",
                ExpressionAttributeNames={"#g": group},
                ExpressionAttributeValues={":page": page, ":minus": -amount, ":amount": amount},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException as error:
            item: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
            charged = ((item.get("charged") or {}).get("M") or {}).get(group, {}).get("S")
            if charged == page:
                return None  # this page was charged before a retry
            return int((item.get("credits_left") or {}).get("N", "0"))
        return None

    def credits_op(self, campaign_id: str, delta: int) -> transactions.Op:
        """AP-CP10: credits added to (topped up) or taken from the campaign's reservation."""
        return transactions.update(
            self._table,
            keys.campaign(campaign_id),
            "ADD credits_left :d, credits_reserved :d",
            values={":d": delta},
            condition="attribute_exists(PK)",
        )

    def finish_group_op(self, campaign_id: str, group: str) -> transactions.Op:
        """AP-CP11: a time zone's fan-out is over (once)."""
        return transactions.update(
            self._table,
            keys.campaign(campaign_id),
            "SET fanout.#g = :done ADD pending_starts :minus",
            names={"#g": group},
            values={":done": GROUP_DONE, ":minus": -1},
            condition="fanout.#g <> :done",
            error=NotInStatus("This time zone's fan-out already finished."),
        )

    def complete_op(
        self, campaign_id: str, *, status: CampaignStatus, now: datetime, reason: str | None = None
    ) -> transactions.Op:
        """AP-CP12: sending (or scheduled, when it fails to start) -> sent or failed; what is left of the
        reservation goes back in the same transaction (the caller adds the ledger's side)."""
        values: dict[str, Any] = {
            ":status": status.value,
            ":sending": CampaignStatus.SENDING.value,
            ":scheduled": CampaignStatus.SCHEDULED.value,
            ":at": when(now),
            ":zero": 0,
            ":one": 1,
        }
        expression = (
            "SET #s = :status, completed_at = :at, updated_at = :at, credits_left = :zero, version = version + :one"
        )
        if reason:
            values[":reason"] = reason
            expression += ", failure_reason = :reason"
        return transactions.update(
            self._table,
            keys.campaign(campaign_id),
            expression,
            names={"#s": "status"},
            values=values,
            condition="#s = :sending OR #s = :scheduled",
            error=NotInStatus(),
        )

    def add_processed(self, campaign_id: str, count: int) -> dict[str, Any]:
        """AP-CP13: a hint of how many recipients the sender finished (best effort; the shards are exact).
        1 UpdateItem, returning what decides whether to look at completion."""
        response = self._table.update_item(
            Key=keys.campaign(campaign_id),
            UpdateExpression="ADD #p :n",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames={"#p": "processed"},
            ExpressionAttributeValues={":n": count},
            ReturnValues="ALL_NEW",
        )
        return dict(response.get("Attributes") or {})

    # ------------------------------------------------------------------ counters
    def stats(self, campaign: Campaign) -> CampaignStats:
        """AP-CP14: the campaign's counters, summed over their shards. 1 BatchGetItem."""
        wanted = [keys.campaign_stats(campaign.id, shard) for shard in range(STATS_SHARDS)]
        response = self._table.meta.client.batch_get_item(RequestItems={self._table.name: {"Keys": wanted}})
        totals = dict.fromkeys(_COUNTERS, 0)
        revenue: dict[str, int] = {}
        items = list(response["Responses"].get(self._table.name, []))
        unprocessed = response.get("UnprocessedKeys") or {}
        while unprocessed:
            more = self._table.meta.client.batch_get_item(RequestItems=unprocessed)
            items += more["Responses"].get(self._table.name, [])
            unprocessed = more.get("UnprocessedKeys") or {}
        for item in items:
            for name in _COUNTERS:
                totals[name] += to_int(item.get(name, 0))
            for name, value in item.items():
                if str(name).startswith("revenue_"):
                    currency = str(name).removeprefix("revenue_")
                    revenue[currency] = revenue.get(currency, 0) + to_int(value)
        return CampaignStats(recipients=campaign.recipients, revenue=revenue, **totals)

    def stats_op(self, campaign_id: str, customer_id: str, **counts: int) -> transactions.Op:
        """Add to the campaign's counters, on the shard of the customer."""
        names = {f"#c{i}": name for i, name in enumerate(sorted(counts))}
        values: dict[str, Any] = {f":c{i}": counts[name] for i, name in enumerate(sorted(counts))}
        values[":e"] = "campaign_stats"
        adds = ", ".join(f"#c{i} :c{i}" for i in range(len(counts)))
        return transactions.update(
            self._table,
            keys.campaign_stats(campaign_id, shard_of(customer_id)),
            f"SET entity = :e ADD {adds}",
            names=names,
            values=values,
        )

    # ------------------------------------------------------------------ deliveries (one per customer and campaign)
    def delivery(self, customer_id: str, campaign_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key=keys.campaign_delivery(customer_id, campaign_id), ConsistentRead=True).get(
            "Item"
        )
        return dict(item) if item else None

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
    ) -> transactions.Op:
        """AP-CP15: claim the send of a campaign to a customer: once (a duplicate SQS message finds it taken), or
        again after a failed attempt's lease ran out (a retry). With `skip_reason`, the claim records at once that
        the customer is skipped (no send)."""
        item = {
            **keys.campaign_delivery(customer_id, campaign_id),
            "entity": "campaign_delivery",
            "campaign_id": campaign_id,
            "customer_id": customer_id,
            "store_id": store_id,
            "channel": channel.value,
            "state": "sending",
            "credits": credit_count,
            "lease_until": when(now + lease),
            "claimed_at": when(now),
            "expires_at": int((now + DELIVERY_TTL).timestamp()),
        }
        if skip_reason is not None:
            item.update({"state": "skipped", "skip_reason": skip_reason})
        op = transactions.put(
            self._table,
            item,
            condition="attribute_not_exists(PK) OR (#st = :sending AND lease_until < :now)",
            names={"#st": "state"},
            values={":sending": "sending", ":now": when(now)},
        )
        op.request["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return op

    def delivery_done_op(
        self, customer_id: str, campaign_id: str, state: str, *, now: datetime, **attributes: Any
    ) -> transactions.Op:
        """The claimed send ended: sent, failed or skipped (only from `sending`, so it ends once)."""
        fields = {"state": state, f"{state}_at": when(now), **without_none(attributes)}
        names = {f"#f{i}": name for i, name in enumerate(sorted(fields))}
        values: dict[str, Any] = {f":f{i}": fields[name] for i, name in enumerate(sorted(fields))}
        values[":sending"] = "sending"
        names["#st"] = "state"
        return transactions.update(
            self._table,
            keys.campaign_delivery(customer_id, campaign_id),
            "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields))) + " REMOVE lease_until",
            names=names,
            values=values,
            condition="#st = :sending",
        )

    def release_op(self, customer_id: str, campaign_id: str, *, now: datetime) -> transactions.Op:
        """A claimed send that will be tried again: its lease ends now, so the retry may claim it."""
        return transactions.update(
            self._table,
            keys.campaign_delivery(customer_id, campaign_id),
            "SET lease_until = :now",
            names={"#st": "state"},
            values={":now": when(now - timedelta(microseconds=1)), ":sending": "sending"},
            condition="#st = :sending",
        )

    def mark_once_op(self, customer_id: str, campaign_id: str, attribute: str, at: datetime) -> transactions.Op:
        """AP-CP16: note a reply, an opt-out or a delivery on the delivery record, once."""
        return transactions.update(
            self._table,
            keys.campaign_delivery(customer_id, campaign_id),
            "SET #a = :at",
            names={"#a": attribute},
            values={":at": when(at)},
            condition="attribute_exists(PK) AND attribute_not_exists(#a)",
        )

    def order_op(self, customer_id: str, campaign_id: str, order_id: str) -> transactions.Op:
        """AP-CP16: attribute an order to the campaign, once per order."""
        return transactions.update(
            self._table,
            keys.campaign_delivery(customer_id, campaign_id),
            "ADD order_ids :o",
            values={":o": {order_id}, ":id": order_id},
            condition="attribute_exists(PK) AND NOT contains(order_ids, :id)",
        )

    # ------------------------------------------------------------------ parked by quiet hours
    def park_op(self, campaign_id: str, due: datetime, chunk_id: str, messages: list[str]) -> transactions.Op:
        """AP-CP17: recipients whose texts wait for their quiet hours to end (at most 25 per item)."""
        return transactions.put(
            self._table,
            {
                **keys.campaign_parked(campaign_id, when(due), chunk_id),
                "entity": "campaign_parked",
                "campaign_id": campaign_id,
                "due": when(due),
                "messages": messages,
                "expires_at": int((due + timedelta(days=30)).timestamp()),
            },
        )

    def parked_due(self, campaign_id: str, now: datetime) -> list[dict[str, Any]]:
        """AP-CP18: the parked chunks due by now. 1 Query per page."""
        partition = keys.campaign_parked_partition(campaign_id)
        request: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(partition) & Key("SK").lte(when(now) + "~"),
            "ConsistentRead": True,
        }
        found: list[dict[str, Any]] = []
        while True:
            response = self._table.query(**request)
            found += [dict(i) for i in response["Items"]]
            if not response.get("LastEvaluatedKey"):
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete_parked(self, item: Mapping[str, Any]) -> None:
        self._table.delete_item(Key={"PK": str(item["PK"]), "SK": str(item["SK"])})


def _audience_to_item(audience: AudienceFilter) -> dict[str, Any]:
    data = {
        "tags": list(audience.tags),
        "genders": [g.value for g in audience.genders],
        "min_age": audience.min_age,
        "max_age": audience.max_age,
        "postal_code_prefixes": list(audience.postal_code_prefixes),
        "purchased_skus": list(audience.purchased_skus),
        "purchased_categories": list(audience.purchased_categories),
        "purchased_within_months": audience.purchased_within_months,
        "inactive_months": audience.inactive_months,
        "pet_species": list(audience.pet_species),
        "pet_birth_month": audience.pet_birth_month,
        "birth_month": audience.birth_month,
        "attributes": {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in audience.attributes.items()},
    }
    return {k: v for k, v in data.items() if v not in (None, [], {})}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def audience_from_item(item: Mapping[str, Any]) -> AudienceFilter:
    def optional(name: str) -> int | None:
        return to_int(item[name]) if item.get(name) is not None else None

    return AudienceFilter(
        tags=tuple(item.get("tags", [])),
        genders=tuple(Gender(g) for g in item.get("genders", [])),
        min_age=optional("min_age"),
        max_age=optional("max_age"),
        postal_code_prefixes=tuple(item.get("postal_code_prefixes", [])),
        purchased_skus=tuple(item.get("purchased_skus", [])),
        purchased_categories=tuple(item.get("purchased_categories", [])),
        purchased_within_months=optional("purchased_within_months"),
        inactive_months=optional("inactive_months"),
        pet_species=tuple(item.get("pet_species", [])),
        pet_birth_month=optional("pet_birth_month"),
        birth_month=optional("birth_month"),
        attributes={str(k): _plain(v) for k, v in (item.get("attributes") or {}).items()},
    )


def _naive(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S") if value else None


def _to_item(campaign: Campaign) -> dict[str, Any]:
    sort = keys.campaign_sort(when(campaign.created_at), campaign.id)
    return without_none(
        {
            **keys.campaign(campaign.id),
            "entity": "campaign",
            "GSI1PK": keys.campaigns_of_store(campaign.store_id),
            "GSI1SK": sort,
            "GSI2PK": keys.CAMPAIGNS_INDEX,
            "GSI2SK": sort,
            "id": campaign.id,
            "name": campaign.name,
            "channel": campaign.channel.value,
            "store_id": campaign.store_id,
            "audience": _audience_to_item(campaign.audience),
            "bodies": dict(campaign.bodies),
            "subjects": dict(campaign.subjects) or None,
            "send_at": _naive(campaign.send_at),
            "status": campaign.status.value,
            "created_by": campaign.created_by,
            "credits_reserved": campaign.credits_reserved,
            "version": campaign.version,
            "created_at": when(campaign.created_at),
            "updated_at": when(campaign.updated_at),
        }
    )


def _from_item(item: Mapping[str, Any]) -> Campaign:
    excluded = {
        str(name).removeprefix("excluded_"): to_int(value)
        for name, value in item.items()
        if str(name).startswith("excluded_") and to_int(value)
    }
    send_at = item.get("send_at")
    return Campaign(
        id=str(item["id"]),
        name=str(item["name"]),
        channel=Channel(item["channel"]),
        store_id=item.get("store_id"),
        audience=audience_from_item(item.get("audience") or {}),
        bodies={str(k): str(v) for k, v in (item.get("bodies") or {}).items()},
        subjects={str(k): str(v) for k, v in (item.get("subjects") or {}).items()},
        send_at=datetime.strptime(str(send_at), "%Y-%m-%dT%H:%M:%S") if send_at else None,  # noqa: DTZ007 - a wall time
        status=CampaignStatus(item["status"]),
        version=to_int(item["version"]),
        created_at=dt(item["created_at"]),
        updated_at=dt(item["updated_at"]),
        created_by=item.get("created_by"),
        credits_reserved=to_int(item.get("credits_reserved", 0)),
        schedule_names=tuple(item.get("schedule_names", [])),
        pending_starts=to_int(item.get("pending_starts", 0)),
        recipients=to_int(item.get("recipients", 0)),
        excluded=excluded,
        scheduled_at=dt_or_none(item.get("scheduled_at")),
        started_at=dt_or_none(item.get("started_at")),
        completed_at=dt_or_none(item.get("completed_at")),
        failure_reason=item.get("failure_reason"),
    )


def replace_status(campaign: Campaign, status: CampaignStatus, **changes: Any) -> Campaign:
    return dataclasses.replace(campaign, status=status, **changes)
