"""Outreach lists: segmentation tags assigned and removed in bulk, how many customers carry each tag, and the
tagged customers with how a store can reach each of them.

Scoping: associates see their stores' customers; managers and admins may look across every store (global
outreach). Tagging in bulk is for managers (their stores' customers) and admins (anyone).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from clienteling.campaigns.contracts.outreach import SegmentChange, TagAction
from clienteling.campaigns.domain.outreach import Reach, reach
from clienteling.campaigns.repositories.marketing import MarketingRepository
from clienteling.directory.ports import Customer, CustomerRecords, Status, customer_from_item, customer_numbers
from clienteling.kernel import transactions
from clienteling.kernel.access import Caller, Role
from clienteling.kernel.clock import Clock
from clienteling.kernel.errors import Conflict, ValidationFailed
from clienteling.kernel.observability import logger
from clienteling.kernel.pages import Page
from clienteling.kernel.unit_of_work import StartWork
from clienteling.messaging.ports import ConversationLookup, conversation_id

ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class SegmentResult:
    changed: int
    unchanged: int
    unknown_ids: list[str]
    unknown_numbers: list[str]
    out_of_scope: list[str]


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: str
    customers: int
    stores: dict[str, int]


@dataclass(frozen=True, slots=True)
class OutreachEntry:
    customer: Customer
    store_id: str
    reach: Reach
    conversation_id: str | None
    sms_consent: Status


class OutreachService:
    def __init__(
        self,
        *,
        customers: CustomerRecords,
        marketing: MarketingRepository,
        conversations: ConversationLookup,
        work: StartWork,
        clock: Clock,
    ) -> None:
        self._customers = customers
        self._marketing = marketing
        self._conversations = conversations
        self._work = work
        self._clock = clock

    # ------------------------------------------------------------------ bulk tags
    def change_segment(self, caller: Caller, tag: str, change: SegmentChange) -> SegmentResult:
        """Add or remove a tag on up to 1,000 customers at once. Unknown ids and numbers are reported, not fatal;
        running the same request twice changes nothing the second time."""
        caller.require_role(Role.MANAGER)
        numbers = {customer_numbers.normalize(n): n for n in change.customer_numbers}
        by_number = self._customers.ids_by_numbers(list(numbers))
        unknown_numbers = [raw for normal, raw in numbers.items() if normal not in by_number]
        wanted = list(dict.fromkeys([*change.customer_ids, *by_number.values()]))
        profiles = {cid: customer_from_item(item) for cid, item in self._customers.get_many(wanted).items()}
        unknown_ids = [cid for cid in dict.fromkeys(change.customer_ids) if cid not in profiles]
        out_of_scope = sorted(
            cid for cid, c in profiles.items() if not caller.is_admin and c.home_store_id not in caller.store_ids
        )
        targets = [profiles[cid] for cid in wanted if cid in profiles and cid not in out_of_scope]
        todo = [c for c in targets if _tags_after(c, tag, change.action) != c.tags]
        changed = self._apply(todo, tag, change.action)
        logger.info(
            "segment changed",
            extra={"tag": tag, "action": change.action.value, "changed": changed, "requested": len(wanted)},
        )
        return SegmentResult(
            changed=changed,
            unchanged=len(targets) - changed,
            unknown_ids=unknown_ids,
            unknown_numbers=unknown_numbers,
            out_of_scope=out_of_scope,
        )

    def _apply(self, customers: list[Customer], tag: str, action: TagAction) -> int:
        """Chunked transactions (profiles, memberships and the chunk's counters together). A chunk that did not
        commit (a customer edited meanwhile, a concurrent transaction) is read again and retried; a customer
        whose tags already are what was asked is left alone."""
        changed = 0
        pending = list(customers)
        for _ in range(ATTEMPTS):
            if not pending:
                return changed
            again: list[str] = []
            for chunk in _chunks(pending):
                if self._commit(chunk, tag, action):
                    changed += len(chunk)
                else:
                    again += [c.id for c in chunk]
            fresh = [customer_from_item(item) for item in self._customers.get_many(again).values()]
            pending = [c for c in fresh if _tags_after(c, tag, action) != c.tags]
        if pending:
            raise Conflict("These customers keep changing; retry the request (it is safe to repeat).")
        return changed

    def _commit(self, chunk: list[Customer], tag: str, action: TagAction) -> bool:
        """One transaction for a chunk; False when it did not commit."""
        now = self._clock()
        work = self._work()
        deltas: Counter[tuple[str, str]] = Counter()
        for customer in chunk:
            work.extend(self._customers.tags_ops(customer, _tags_after(customer, tag, action), now=now))
            deltas[(tag, customer.home_store_id)] += 1 if action == TagAction.ADD else -1
        work.extend(self._customers.counter_ops(dict(deltas)))
        return work.failed_conditions() is None

    # ------------------------------------------------------------------ reading
    def tag_counts(self, caller: Caller, store_id: str | None) -> list[TagCount]:
        """Tags with how many customers carry them: in one store, in the caller's stores (associates), or in every
        store (global outreach, managers and admins)."""
        scope = self._scope(caller, store_id)
        totals: dict[str, dict[str, int]] = {}
        for tag, store, count in self._marketing.tag_counts():
            if scope is None or store in scope:
                totals.setdefault(tag, {})[store] = count
        return [
            TagCount(tag=tag, customers=sum(stores.values()), stores=stores) for tag, stores in sorted(totals.items())
        ]

    def tagged(
        self, caller: Caller, tag: str, store_id: str | None, *, limit: int, cursor: str | None
    ) -> Page[OutreachEntry]:
        """A page of a tag's customers with, for each, the store's conversation, or that an opt-in request can be
        sent, or that there is no phone (greyed out), or that they opted out. 1 Query + 1 BatchGetItem
        (profiles) + 1 BatchGetItem (conversations)."""
        scope = self._scope(caller, store_id)
        if scope is not None and store_id is None:
            if len(scope) != 1:
                raise ValidationFailed(
                    "Give storeId: the outreach list of one of your stores.",
                    details=[{"field": "storeId", "loc": ["query", "storeId"], "type": "missing"}],
                )
            store_id = next(iter(scope))
        page = self._marketing.tagged_ids(tag, store_id, cursor=cursor, limit=limit)
        profiles = self._customers.get_many([cid for cid, _ in page.items])
        customers = [customer_from_item(profiles[cid]) for cid, _ in page.items if cid in profiles]
        wanted = {c.id: conversation_id(store_id or c.home_store_id, c.id) for c in customers}
        existing = {c.id for c in self._conversations.get_many(list(wanted.values()))}
        entries = []
        for customer in customers:
            store = store_id or customer.home_store_id
            conversation = wanted[customer.id] if wanted[customer.id] in existing else None
            how, status = reach(customer, store, has_conversation=conversation is not None)
            entries.append(
                OutreachEntry(
                    customer=customer,
                    store_id=store,
                    reach=how,
                    conversation_id=conversation if how == Reach.CONVERSATION else None,
                    sms_consent=status,
                )
            )
        return Page(entries, page.cursor)

    @staticmethod
    def _scope(caller: Caller, store_id: str | None) -> frozenset[str] | None:
        """The stores a caller looks at: one store; None for every store (managers, admins); else their own."""
        caller.require_role(Role.ASSOCIATE)
        if store_id is not None:
            caller.require_store(store_id)
            return frozenset({store_id})
        if caller.is_manager:
            return None
        return caller.store_ids


def _tags_after(customer: Customer, tag: str, action: TagAction) -> tuple[str, ...]:
    if action == TagAction.ADD:
        return customer.tags if tag in customer.tags else (*customer.tags, tag)
    return tuple(t for t in customer.tags if t != tag)


def _chunks(customers: Sequence[Customer]) -> list[list[Customer]]:
    """As many customers per transaction as fit: each needs its profile and membership, and each store its counter."""
    chunks: list[list[Customer]] = []
    current: list[Customer] = []
    stores: set[str] = set()
    for customer in customers:
        size = 2 * (len(current) + 1) + len(stores | {customer.home_store_id})
        if current and size > transactions.MAX_ITEMS:
            chunks.append(current)
            current, stores = [], set()
        current.append(customer)
        stores.add(customer.home_store_id)
    if current:
        chunks.append(current)
    return chunks
