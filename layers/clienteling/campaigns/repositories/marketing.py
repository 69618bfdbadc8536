"""The marketing view of customer profiles: reading audiences from indexes, and the attributes campaigns keep on
the profile (blocked stores, marketing sends for the frequency cap, last purchase and visit, last campaign).

These attributes are written with UpdateItem of their own names only, never through the associate's profile
update, and without bumping `version`: an associate's edit and a campaign send never overwrite each other.
Access patterns AP-AU1..AP-AU8 of docs/data-model.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.campaigns.domain.audience import LastCampaign, Member
from clienteling.directory.ports import Channel, CustomerRecords, customer_from_item
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import Conflict
from clienteling.kernel.items import dt, dt_or_none, to_int, when
from clienteling.kernel.pages import Page, query_page

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

PAGE_SIZE = 200


class ProfileChanged(Conflict):
    """The profile changed since the audience was read (consent, blocking, another campaign): read it again."""

    code = "profile_changed"


def member_from_item(item: Mapping[str, Any]) -> Member:
    raw = dict(item)
    campaigns: dict[Channel, LastCampaign] = {}
    for channel in Channel:
        last = raw.get(f"last_campaign_{channel.value}")
        if isinstance(last, dict) and last.get("id"):
            campaigns[channel] = LastCampaign(
                campaign_id=str(last["id"]), store_id=str(last["store_id"]), at=dt(last["at"])
            )
    return Member(
        customer=customer_from_item(raw),
        blocked_stores=frozenset(str(s) for s in raw.get("blocked_stores") or ()),
        marketing_sends={str(k): dt(v) for k, v in (raw.get("mkt_sends") or {}).items()},
        marketing_version=to_int(raw.get("mkt_version", 0)),
        last_purchase_at=dt_or_none(raw.get("last_purchase_at")),
        last_visit_at=dt_or_none(raw.get("last_visit_at")),
        last_campaigns=campaigns,
    )


class MarketingRepository:
    def __init__(self, table: Table, customers: CustomerRecords) -> None:
        self._table = table
        self._customers = customers

    @property
    def table(self) -> Table:
        return self._table

    # ------------------------------------------------------------------ audiences
    def store_members(self, store_id: str, *, cursor: str | None, limit: int = PAGE_SIZE) -> Page[Member]:
        """AP-AU1: a page of a store's customers with their whole profiles (GSI1 projects them). 1 Query."""
        return query_page(
            self._table,
            member_from_item,
            index="GSI1",
            partition=keys.store_customers(store_id),
            limit=limit,
            cursor=cursor,
        )

    def tagged_ids(
        self, tag: str, store_id: str | None, *, cursor: str | None, limit: int = PAGE_SIZE
    ) -> Page[tuple[str, str]]:
        """AP-AU2: (customer id, home store) of a tag's customers, in one store or all, by store then name.
        1 Query on GSI2."""
        return query_page(
            self._table,
            lambda item: (str(item["customer_id"]), str(item["home_store_id"])),
            index="GSI2",
            partition=keys.tag_index(tag),
            sort_key=Key("GSI2SK").begins_with(keys.tag_index_store_prefix(store_id)) if store_id else None,
            limit=limit,
            cursor=cursor,
        )

    def members(self, customer_ids: list[str]) -> dict[str, Member]:
        """AP-AU3: profiles by id. 1 BatchGetItem per 100."""
        return {cid: member_from_item(item) for cid, item in self._customers.get_many(customer_ids).items()}

    def member(self, customer_id: str) -> Member | None:
        """AP-C1 read as a member."""
        item = self._table.get_item(Key=keys.customer(customer_id), ConsistentRead=True).get("Item")
        return member_from_item(item) if item else None

    def purchasers(self, kind: str, value: str, *, since: datetime | None) -> Iterator[tuple[str, str]]:
        """AP-AU4: (customer id, store id) of who bought a SKU or in a category (since a date). 1 Query per page."""
        partition = keys.purchase_index(kind, value)
        request: dict[str, Any] = {"KeyConditionExpression": Key("PK").eq(partition)}
        while True:
            response = self._table.query(**request)
            for item in response["Items"]:
                if since is None or dt(item["last_at"]) >= since:
                    yield str(item["customer_id"]), str(item.get("store_id", ""))
            if not response.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def store_customer_count(self, store_ids: list[str]) -> int:
        """AP-AU5: how many customers these stores have (the counters customer writes keep). 1 BatchGetItem."""
        if not store_ids:
            return 0
        response = self._table.meta.client.batch_get_item(
            RequestItems={self._table.name: {"Keys": [keys.store_customer_counter(s) for s in store_ids[:100]]}}
        )
        return sum(max(0, to_int(i.get("count", 0))) for i in response["Responses"].get(self._table.name, []))

    def tag_counts(self) -> list[tuple[str, str, int]]:
        """AP-AU6: (tag, store id, customers) of every tag. 1 Query per page of the counters' partition."""
        request: dict[str, Any] = {"KeyConditionExpression": Key("PK").eq(keys.TAG_COUNTERS)}
        found: list[tuple[str, str, int]] = []
        while True:
            response = self._table.query(**request)
            found += [
                (str(i["tag"]), str(i["store_id"]), max(0, to_int(i.get("count", 0))))
                for i in response["Items"]
                if to_int(i.get("count", 0)) > 0
            ]
            if not response.get("LastEvaluatedKey"):
                return found
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # ------------------------------------------------------------------ profile attributes of marketing
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
    ) -> transactions.Op:
        """AP-AU7: record a campaign send on the profile (the frequency cap's window, and the last campaign for
        attribution) if nothing the decision rested on changed since the profile was read at `version` and
        `marketing_version`: consent, contact and tags (the version), another campaign's send, the store's
        blocking."""
        values: dict[str, Any] = {
            ":sends": {k: when(v) for k, v in sends.items()},
            ":next": marketing_version + 1,
            ":last": {"id": campaign_id, "store_id": store_id, "at": when(now)},
            ":version": version,
            ":store": store_id,
        }
        condition = "version = :version AND NOT contains(blocked_stores, :store) AND "
        if marketing_version:
            condition += "mkt_version = :seen"
            values[":seen"] = marketing_version
        else:
            condition += "attribute_not_exists(mkt_version)"
        return transactions.update(
            self._table,
            keys.customer(customer_id),
            "SET mkt_sends = :sends, mkt_version = :next, #last = :last",
            names={"#last": f"last_campaign_{channel.value}"},
            values=values,
            condition=condition,
            error=ProfileChanged(),
        )

    def record_purchase(self, customer_id: str, at: datetime, *, visit: bool) -> None:
        """AP-AU9: the customer's last purchase (and visit, for a till purchase) moves forward only. 1-2
        UpdateItem; an older event changes nothing."""
        for attribute in ("last_purchase_at", "last_visit_at") if visit else ("last_purchase_at",):
            try:
                self._table.update_item(
                    Key=keys.customer(customer_id),
                    UpdateExpression="SET #a = :at",
                    ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(#a) OR #a < :at)",
                    ExpressionAttributeNames={"#a": attribute},
                    ExpressionAttributeValues={":at": when(at)},
                )
            except self._table.meta.client.exceptions.ConditionalCheckFailedException:
                continue

    def index_purchase(self, kind: str, value: str, customer_id: str, store_id: str, at: datetime) -> None:
        """AP-AU10: who bought a SKU or in a category, with the latest date. 1 UpdateItem (moves forward only)."""
        try:
            self._table.update_item(
                Key=keys.purchase_entry(kind, value, customer_id),
                UpdateExpression="SET entity = :e, customer_id = :c, store_id = :s, last_at = :at",
                ConditionExpression="attribute_not_exists(last_at) OR last_at < :at",
                ExpressionAttributeValues={":e": "purchase_index", ":c": customer_id, ":s": store_id, ":at": when(at)},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return
