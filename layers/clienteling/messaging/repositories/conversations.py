"""Conversations, their messages, SMS thread routing records, inbox indexes and unread counters.

Access patterns AP-M1..AP-M12 of docs/data-model.md. The repository reads and builds transaction
operations; services compose the operations of one change into a single transaction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.conditions import Key

from clienteling.directory.ports import Channel, Purpose, Status, effective
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import Conflict, DomainError, NotFound
from clienteling.kernel.items import dt, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page
from clienteling.messaging.domain.conversations import (
    STATUS_RANK,
    Conversation,
    ConversationStatus,
    Direction,
    Media,
    MediaState,
    Message,
    MessageStatus,
    ScheduledMessage,
    ScheduledState,
    index_words,
)
from clienteling.messaging.domain.conversations import conversation_id as conversation_id_for

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# Provider message markers outlive Twilio's retry window by far and then expire.
PROVIDER_MARKER_TTL = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Thread:
    """Routing record of (store number, customer phone): what the inbound webhook needs in one read."""

    store_id: str
    phone: str
    customer_id: str
    conversation_id: str
    opt_in_pending: bool = False
    blocked: bool = False
    assignee_id: str | None = None
    primary_associate_id: str | None = None  # the customer's own associate in this store
    sms_conversational: Status = Status.NOT_ASKED
    sms_marketing: Status = Status.NOT_ASKED


class ConversationRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        return self._table

    # ------------------------------------------------------------------ reads
    def inbound_context(self, store_id: str, phone: str) -> tuple[Thread | None, str | None]:
        """AP-M1: the thread of (store, phone) and the customer owning the phone. 1 BatchGetItem."""
        thread_key, marker_key = keys.thread(store_id, phone), keys.customer_unique("PHONE", phone)
        response = self._table.meta.client.batch_get_item(
            RequestItems={self._table.name: {"Keys": [thread_key, marker_key], "ConsistentRead": True}}
        )
        thread: Thread | None = None
        customer_id: str | None = None
        for raw in response["Responses"].get(self._table.name, []):
            item = cast(dict[str, Any], raw)
            if item["PK"] == thread_key["PK"]:
                thread = _thread_from_item(item)

            else:
                customer_id = str(item["customer_id"])
        return thread, customer_id

    def get(self, conversation_id: str) -> Conversation | None:
        """AP-M2: a conversation. 1 GetItem."""
        item = self._table.get_item(Key=keys.conversation(conversation_id)).get("Item")
        return _conversation_from_item(item) if item else None

    def require(self, conversation_id: str) -> Conversation:
        conversation = self.get(conversation_id)
        if conversation is None:
            raise NotFound("No such conversation.")
        return conversation

    def get_many(self, conversation_ids: list[str]) -> list[Conversation]:
        """AP-M3: conversations by id (search results). 1 BatchGetItem per 100."""
        found: list[Conversation] = []
        for start in range(0, len(conversation_ids), 100):
            chunk = [keys.conversation(c) for c in conversation_ids[start : start + 100]]
            request: dict[str, Any] = {self._table.name: {"Keys": chunk}}
            while request:
                response = self._table.meta.client.batch_get_item(RequestItems=request)
                found += [_conversation_from_item(i) for i in response["Responses"].get(self._table.name, [])]
                request = response.get("UnprocessedKeys") or {}
        return found

    def thread(self, store_id: str, phone: str) -> Thread | None:
        item = self._table.get_item(Key=keys.thread(store_id, phone), ConsistentRead=True).get("Item")
        return _thread_from_item(item) if item else None

    def messages(self, conversation_id: str, *, limit: int, cursor: str | None) -> Page[Message]:
        """AP-M4: a page of messages, the newest page first, oldest first within the page. 1 Query."""
        page = query_page(
            self._table,
            _message_from_item,
            partition=keys.conversation_partition(conversation_id),
            sort_key=Key("SK").begins_with(keys.MESSAGE_PREFIX),
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )
        return Page(list(reversed(page.items)), page.cursor)

    def message(self, conversation_id: str, message_sk: str) -> Message | None:
        item = self._table.get_item(Key={"PK": keys.conversation_partition(conversation_id), "SK": message_sk}).get(
            "Item"
        )
        return _message_from_item(item) if item else None

    def store_inbox(
        self, store_id: str, status: ConversationStatus, *, limit: int, cursor: str | None
    ) -> Page[Conversation]:
        """AP-M5: a store's conversations in one status, latest activity first. 1 Query on GSI1."""
        return self._inbox("GSI1", keys.store_inbox(store_id, status.value), limit=limit, cursor=cursor)

    def associate_inbox(
        self, associate_id: str, status: ConversationStatus, *, limit: int, cursor: str | None
    ) -> Page[Conversation]:
        """AP-M6: the conversations assigned to an associate, latest activity first. 1 Query on GSI2."""
        return self._inbox("GSI2", keys.associate_inbox(associate_id, status.value), limit=limit, cursor=cursor)

    def _inbox(self, index: str, partition: str, *, limit: int, cursor: str | None) -> Page[Conversation]:
        return query_page(
            self._table,
            _conversation_from_item,
            index=index,
            partition=partition,
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )

    def unread(self, store_ids: list[str], associate_id: str) -> tuple[dict[str, int], dict[str, int]]:
        """AP-M7: unread message counters of stores and of the associate in each store. 1 BatchGetItem."""
        wanted = [keys.store_unread(s) for s in store_ids] + [keys.associate_unread(associate_id, s) for s in store_ids]
        stores: dict[str, int] = dict.fromkeys(store_ids, 0)
        mine: dict[str, int] = dict.fromkeys(store_ids, 0)
        for start in range(0, len(wanted), 100):
            request: dict[str, Any] = {self._table.name: {"Keys": wanted[start : start + 100]}}
            while request:
                response = self._table.meta.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table.name, []):
                    count = max(0, to_int(item.get("count", 0)))
                    if str(item["PK"]).startswith("STORE#"):
                        stores[str(item["store_id"])] = count
                    else:
                        mine[str(item["store_id"])] = count
                request = response.get("UnprocessedKeys") or {}
        return stores, mine

    def provider_marker(self, sid: str) -> dict[str, Any] | None:
        """AP-M8: what a provider message id points to (inbound idempotency, status callbacks). 1 GetItem."""
        item = self._table.get_item(Key=keys.provider_message(sid), ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def links(self, customer_id: str) -> list[tuple[str, str]]:
        """AP-M9: (store id, conversation id) of every conversation of a customer. 1 Query."""
        response = self._table.query(
            KeyConditionExpression=Key("PK").eq(keys.customer_partition(customer_id))
            & Key("SK").begins_with(keys.CONVERSATION_LINK_PREFIX)
        )
        return [(str(i["store_id"]), str(i["conversation_id"])) for i in response["Items"]]

    # ------------------------------------------------------------------ operations
    def provider_marker_op(self, sid: str, attributes: dict[str, Any], *, now: datetime) -> transactions.Op:
        """Claims a provider message id: the transaction fails if it was seen before."""
        item = {
            **keys.provider_message(sid),
            "entity": "provider_message",
            **attributes,
            "expires_at": int((now + PROVIDER_MARKER_TTL).timestamp()),
        }
        return transactions.put(self._table, without_none(item), condition="attribute_not_exists(PK)")

    def thread_put_op(self, thread: Thread) -> transactions.Op:
        return transactions.put(self._table, _thread_to_item(thread), condition="attribute_not_exists(PK)")

    def thread_update_op(self, store_id: str, phone: str, **changes: Any) -> transactions.Op:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        removes: list[str] = []
        for index, (name, value) in enumerate(sorted(changes.items())):
            names[f"#f{index}"] = name
            if value is None:
                removes.append(f"#f{index}")
            else:
                values[f":v{index}"] = value.value if isinstance(value, Status) else value
                sets.append(f"#f{index} = :v{index}")
        expression = ("SET " + ", ".join(sets) if sets else "") + (" REMOVE " + ", ".join(removes) if removes else "")
        return transactions.update(
            self._table,
            keys.thread(store_id, phone),
            expression.strip(),
            names=names,
            values=values or None,
            condition="attribute_exists(PK)",
        )

    def first_contact_ops(
        self, thread: Thread, *, keep_existing: bool = False, race: DomainError | None = None
    ) -> list[transactions.Op]:
        """AP-M1w: a conversation starts: the SMS thread that routes the customer's texts to it, and the customer's
        link to it (for consent and phone changes, and erasure). The first text from or to a number creates the
        thread, and `race` is what losing it to a concurrent first text means; `keep_existing` instead leaves a
        thread already there as it is (a campaign text to a customer who may have texted meanwhile). The
        conversation item itself is upserted by the message's own write (`touch_op`, `ensure_conversation_op`)."""
        if keep_existing:
            thread_op = self.ensure_thread_op(thread)
        else:
            thread_op = dataclasses.replace(self.thread_put_op(thread), on_condition_failed=race)
        return [thread_op, self.link_op(thread.customer_id, thread.store_id, thread.conversation_id)]

    def link_op(self, customer_id: str, store_id: str, conversation_id: str) -> transactions.Op:
        return transactions.put(
            self._table,
            {
                **keys.customer_conversation(customer_id, store_id),
                "entity": "conversation_link",
                "store_id": store_id,
                "conversation_id": conversation_id,
            },
        )

    def touch_op(
        self,
        conversation: Conversation,
        *,
        at: datetime,
        preview: str,
        direction: Direction,
        archive_at: datetime,
        unread_delta: int = 0,
        flag_opt_out: bool = False,
        outbound_associate_id: str | None = None,
    ) -> transactions.Op:
        """Creates the conversation if needed, records new activity and brings it to the top of the open
        inboxes (of the store, and of the assignee's when assigned). No version check: activity from the
        customer and from associates interleave freely."""
        rank = keys.activity_rank(when(at), conversation.id)
        values, sets = _identity_update(conversation)
        values |= {
            ":open": ConversationStatus.OPEN.value,
            ":inbox": keys.store_inbox(conversation.store_id, ConversationStatus.OPEN.value),
            ":rank": rank,
            ":at": when(at),
            ":preview": preview,
            ":direction": direction.value,
            ":zero": 0,
            ":one": 1,
            ":unread": unread_delta,
        }
        sets += [
            "#status = :open",
            "GSI1PK = :inbox",
            "GSI1SK = :rank",
            "GSI2SK = :rank",
            "last_activity_at = :at",
            "last_message_preview = :preview",
            "last_direction = :direction",
            "version = if_not_exists(version, :zero) + :one",
            "unread_count = if_not_exists(unread_count, :zero) + :unread",
        ]
        # Back in the archiving index, due again from now (an archived conversation comes back with a text).
        values[":archive_pk"] = keys.archive_due(keys.due_shard(conversation.id))
        values[":archive_sk"] = keys.activity_rank(when(archive_at), conversation.id)
        sets += ["GSI3PK = :archive_pk", "GSI3SK = :archive_sk"]
        if conversation.phone_number:
            values[":phone"] = conversation.phone_number
            sets.append("phone_number = :phone")
        if conversation.assignee_id:
            values[":assigned"] = keys.associate_inbox(conversation.assignee_id, ConversationStatus.OPEN.value)
            values[":assignee"] = conversation.assignee_id
            sets += ["GSI2PK = :assigned", "assignee_id = :assignee"]
        if outbound_associate_id:
            # The last associate who wrote to the customer: who a sale is attributed to.
            values[":writer"] = outbound_associate_id
            sets.append("last_outbound_associate_id = :writer")
        expression = "SET " + ", ".join(sets)
        if flag_opt_out:
            # A string set: the flag stays once, until an associate confirms or dismisses it.
            values[":flag"] = {"opt_out_intent"}
            expression += " ADD flags :flag"
        return transactions.update(
            self._table, keys.conversation(conversation.id), expression, names={"#status": "status"}, values=values
        )

    def ensure_conversation_op(self, conversation: Conversation, *, at: datetime, preview: str) -> transactions.Op:
        """A campaign text in the customer's conversation: creates it closed and in no inbox (a campaign to
        thousands fills no list; the customer's reply opens it at the top of the store's inbox, and search finds
        it by the customer), or leaves an existing one where it is. No version change: nothing an associate edits
        moves."""
        values, sets = _identity_update(conversation)
        values |= {
            ":closed": ConversationStatus.CLOSED.value,
            ":at": when(at),
            ":preview": preview,
            ":direction": Direction.OUTBOUND.value,
            ":zero": 0,
            ":one": 1,
        }
        sets += [
            "#status = if_not_exists(#status, :closed)",
            "last_activity_at = if_not_exists(last_activity_at, :at)",
            "last_message_preview = if_not_exists(last_message_preview, :preview)",
            "last_direction = if_not_exists(last_direction, :direction)",
            "version = if_not_exists(version, :one)",
            "unread_count = if_not_exists(unread_count, :zero)",
        ]
        if conversation.phone_number:
            values[":phone"] = conversation.phone_number
            sets.append("phone_number = if_not_exists(phone_number, :phone)")
        return transactions.update(
            self._table,
            keys.conversation(conversation.id),
            "SET " + ", ".join(sets),
            names={"#status": "status"},
            values=values,
        )

    def ensure_thread_op(self, thread: Thread) -> transactions.Op:
        """The SMS thread a campaign text needs so the customer's reply lands in the conversation: created with the
        statuses the sender knew, or left as it is."""
        item = _thread_to_item(thread)
        fields = sorted(k for k in item if k not in ("PK", "SK"))
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values = {f":f{i}": item[name] for i, name in enumerate(fields)}
        expression = "SET " + ", ".join(f"#f{i} = if_not_exists(#f{i}, :f{i})" for i in range(len(fields)))
        return transactions.update(
            self._table, keys.thread(thread.store_id, thread.phone), expression, names=names, values=values
        )

    def message_put_op(self, message: Message) -> transactions.Op:
        return transactions.put(self._table, _message_to_item(message), condition="attribute_not_exists(PK)")

    def unread_ops(self, store_id: str, assignee_id: str | None, delta: int) -> list[transactions.Op]:
        ops = [
            transactions.update(
                self._table,
                keys.store_unread(store_id),
                "SET entity = :e, store_id = :s ADD #c :d",
                names={"#c": "count"},
                values={":e": "unread_counter", ":s": store_id, ":d": delta},
            )
        ]
        if assignee_id:
            ops.append(
                transactions.update(
                    self._table,
                    keys.associate_unread(assignee_id, store_id),
                    "SET entity = :e, store_id = :s ADD #c :d",
                    names={"#c": "count"},
                    values={":e": "unread_counter", ":s": store_id, ":d": delta},
                )
            )
        return ops

    def conversation_update_op(
        self, conversation: Conversation, expected_version: int, **changes: Any
    ) -> transactions.Op:
        """Change fields of a conversation if nobody changed it since `expected_version`; keeps the inbox
        index keys consistent with status, assignee and activity."""
        merged = {**_conversation_to_item(conversation), **changes}
        status = merged["status"]
        sets: dict[str, Any] = {
            **changes,
            "version": expected_version + 1,
            "GSI1PK": keys.store_inbox(conversation.store_id, status),
        }
        assignee = merged.get("assignee_id")
        removes = [name for name, value in sets.items() if value is None]
        if assignee:
            sets["GSI2PK"] = keys.associate_inbox(assignee, status)
        else:
            removes.append("GSI2PK")
        names = {f"#f{i}": name for i, name in enumerate(sorted(n for n in sets if sets[n] is not None))}
        values = {f":v{i}": sets[name] for i, name in enumerate(sorted(n for n in sets if sets[n] is not None))}
        expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(names)))
        removes = sorted(set(removes))
        if removes:
            remove_names = {f"#r{i}": name for i, name in enumerate(removes)}
            names.update(remove_names)
            expression += " REMOVE " + ", ".join(remove_names)
        values[":expected"] = expected_version
        return transactions.update(
            self._table,
            keys.conversation(conversation.id),
            expression,
            names=names,
            values=values,
            condition="version = :expected",
            error=Conflict("The conversation changed meanwhile; reload and retry."),
        )

    def message_status_op(
        self,
        conversation_id: str,
        message_sk: str,
        status: MessageStatus,
        error_code: int | None,
        *,
        sid: str | None = None,
        allow_same: bool = False,
    ) -> transactions.Op:
        """Moves a message's status forward only (provider callbacks arrive out of order)."""
        values: dict[str, Any] = {":status": status.value, ":rank": STATUS_RANK[status]}
        expression = "SET #status = :status, status_rank = :rank"
        if error_code is not None:
            values[":code"] = error_code
            expression += ", error_code = :code"
        if sid is not None:
            values[":sid"] = sid
            expression += ", provider_sid = :sid"
        return transactions.update(
            self._table,
            {"PK": keys.conversation_partition(conversation_id), "SK": message_sk},
            expression,
            names={"#status": "status"},
            values=values,
            condition=f"attribute_exists(PK) AND status_rank {'<=' if allow_same else '<'} :rank",
        )

    def copy_customer_op(self, conversation_id: str, *, name: str, phone: str | None) -> transactions.Op:
        """Refresh the customer's name and phone shown with a conversation (copies, not versioned)."""
        if phone:
            return transactions.update(
                self._table,
                keys.conversation(conversation_id),
                "SET customer_name = :n, phone_number = :p",
                values={":n": name, ":p": phone},
                condition="attribute_exists(PK)",
            )
        return transactions.update(
            self._table,
            keys.conversation(conversation_id),
            "SET customer_name = :n REMOVE phone_number",
            values={":n": name},
            condition="attribute_exists(PK)",
        )

    def rekey_threads_ops(
        self,
        store_ids: list[str],
        old_phone: str | None,
        new_phone: str | None,
        *,
        customer_id: str,
        consents: dict[str, Any],
        primary_associates: dict[str, str],
    ) -> list[transactions.Op]:
        """Move a customer's SMS threads to their new number (or drop them when the number is removed)."""
        old: dict[str, Thread] = {}
        if old_phone and store_ids:
            response = self._table.meta.client.batch_get_item(
                RequestItems={
                    self._table.name: {"Keys": [keys.thread(s, old_phone) for s in store_ids], "ConsistentRead": True}
                }
            )
            old = {t.store_id: t for t in map(_thread_from_item, response["Responses"].get(self._table.name, []))}
        ops: list[transactions.Op] = []
        for store_id in store_ids:
            if old_phone and store_id in old:
                ops.append(transactions.delete(self._table, keys.thread(store_id, old_phone)))
            if new_phone:
                previous = old.get(store_id)
                ops.append(
                    transactions.put(
                        self._table,
                        _thread_to_item(
                            Thread(
                                store_id=store_id,
                                phone=new_phone,
                                customer_id=customer_id,
                                conversation_id=conversation_id_for(store_id, customer_id),
                                opt_in_pending=previous.opt_in_pending if previous else False,
                                blocked=previous.blocked if previous else False,
                                assignee_id=previous.assignee_id if previous else None,
                                primary_associate_id=primary_associates.get(store_id),
                                sms_conversational=effective(consents, Channel.SMS, Purpose.CONVERSATIONAL, store_id),
                                sms_marketing=effective(consents, Channel.SMS, Purpose.MARKETING, store_id),
                            )
                        ),
                        condition="attribute_not_exists(PK)",
                    )
                )
        return ops

    def message_sid_op(self, conversation_id: str, message_sk: str, sid: str) -> transactions.Op:
        return transactions.update(
            self._table,
            {"PK": keys.conversation_partition(conversation_id), "SK": message_sk},
            "SET provider_sid = :sid",
            values={":sid": sid},
            condition="attribute_exists(PK)",
        )

    def word_ops(self, store_id: str, conversation_id: str, text: str | None) -> list[transactions.Op]:
        """Index the words of a message so the store can find its conversation by them."""
        return [
            transactions.put(
                self._table,
                {
                    **keys.conversation_word(store_id, word, conversation_id),
                    "entity": "conversation_word",
                    "conversation_id": conversation_id,
                },
            )
            for word in index_words(text)
        ]

    def search_words(self, store_id: str, term: str, *, limit: int) -> list[str]:
        """AP-M10: conversations of a store with a word starting with `term`. 1 Query."""
        partition = keys.conversation_word_partition(store_id, term)
        response = self._table.query(
            KeyConditionExpression=Key("PK").eq(partition) & Key("SK").begins_with(term), Limit=limit * 4
        )
        return list(dict.fromkeys(str(i["conversation_id"]) for i in response["Items"]))[:limit]

    def archive_due_op(self, conversation_id: str, due: datetime) -> transactions.Op:
        """Move a conversation's archiving time (a consent change); archived ones stay out of the index."""
        return transactions.update(
            self._table,
            keys.conversation(conversation_id),
            "SET GSI3SK = :due",
            values={":due": keys.activity_rank(when(due), conversation_id)},
            condition="attribute_exists(PK)",
        )

    def due_for_archiving(self, shard: int, now: datetime, *, limit: int, cursor: str | None) -> Page[Conversation]:
        """AP-M14: a shard's conversations due to be archived, and only those. 1 Query on GSI3 per page."""
        return query_page(
            self._table,
            _due_from_item,
            index="GSI3",
            partition=keys.archive_due(shard),
            sort_key=Key("GSI3SK").lte(when(now) + "#~"),
            limit=limit,
            cursor=cursor,
        )

    def archive_op(self, conversation: Conversation, due_rank: str) -> transactions.Op:
        """Archive if still due as read (no text came meanwhile): the status moves every inbox key."""
        archived = ConversationStatus.ARCHIVED.value
        sets = {"#status": archived, "GSI1PK": keys.store_inbox(conversation.store_id, archived)}
        if conversation.assignee_id:
            sets["GSI2PK"] = keys.associate_inbox(conversation.assignee_id, archived)
        names = {"#status": "status"}
        values = {f":v{i}": value for i, value in enumerate(sets.values())}
        expression = "SET " + ", ".join(f"{name} = :v{i}" for i, name in enumerate(sets))
        expression += " REMOVE GSI3PK, GSI3SK"
        values[":due"] = due_rank
        return transactions.update(
            self._table,
            keys.conversation(conversation.id),
            expression,
            names=names,
            values=values,
            condition="GSI3SK = :due",
        )

    def scheduled_put_op(self, scheduled: ScheduledMessage) -> transactions.Op:
        return transactions.put(self._table, _scheduled_to_item(scheduled), condition="attribute_not_exists(PK)")

    def scheduled(self, conversation_id: str, scheduled_id: str) -> ScheduledMessage | None:
        """AP-M16: one send-later message. 1 GetItem."""
        item = self._table.get_item(Key=keys.scheduled_message(conversation_id, scheduled_id), ConsistentRead=True).get(
            "Item"
        )
        return _scheduled_from_item(item) if item else None

    def scheduled_list(self, conversation_id: str) -> list[ScheduledMessage]:
        """AP-M17: a conversation's send-later messages. 1 Query."""
        response = self._table.query(
            KeyConditionExpression=Key("PK").eq(keys.conversation_partition(conversation_id))
            & Key("SK").begins_with(keys.SCHEDULED_PREFIX)
        )
        return [_scheduled_from_item(i) for i in response["Items"]]

    def scheduled_transition(self, scheduled: ScheduledMessage, to: ScheduledState, **changes: Any) -> None:
        """Move a send-later message on if it is still where it was read (ConditionFailed otherwise)."""
        values: dict[str, Any] = {":from": scheduled.state.value, ":to": to.value}
        sets = ["#state = :to"]
        for index, (name, value) in enumerate(sorted(changes.items())):
            values[f":c{index}"] = when(value) if isinstance(value, datetime) else value
            sets.append(f"{name} = :c{index}")
        transactions.transact(
            self._table,
            [
                transactions.update(
                    self._table,
                    keys.scheduled_message(scheduled.conversation_id, scheduled.id),
                    "SET " + ", ".join(sets),
                    names={"#state": "state"},
                    values=values,
                    condition="#state = :from",
                )
            ],
        )

    def clear_flag_op(self, conversation_id: str, flag: str, *, archive_at: datetime | None = None) -> transactions.Op:
        """Drop a flag (and move the archiving time in the same write when the change calls for it)."""
        values: dict[str, Any] = {":flag": {flag}}
        expression = "DELETE flags :flag"
        if archive_at is not None:
            values[":due"] = keys.activity_rank(when(archive_at), conversation_id)
            expression = "SET GSI3SK = :due " + expression
        return transactions.update(
            self._table, keys.conversation(conversation_id), expression, values=values, condition="attribute_exists(PK)"
        )

    def message_delete_op(self, message: Message) -> transactions.Op:
        """Take back a message written before a send that did not happen (the send is tried again later)."""
        return transactions.delete(
            self._table, keys.message(message.conversation_id, when(message.created_at), message.id)
        )

    def media_update_op(self, message: Message, media: tuple[Media, ...]) -> transactions.Op:
        return transactions.update(
            self._table,
            keys.message(message.conversation_id, when(message.created_at), message.id),
            "SET media = :media",
            values={":media": [_media_to_item(m) for m in media]},
            condition="attribute_exists(PK)",
        )


def message_sk(message: Message) -> str:
    """Where a message is in its conversation: what status callbacks carry back to find it."""
    return keys.message(message.conversation_id, when(message.created_at), message.id)["SK"]


def _thread_to_item(thread: Thread) -> dict[str, Any]:
    return without_none(
        {
            **keys.thread(thread.store_id, thread.phone),
            "entity": "thread",
            "store_id": thread.store_id,
            "phone": thread.phone,
            "customer_id": thread.customer_id,
            "conversation_id": thread.conversation_id,
            "opt_in_pending": thread.opt_in_pending,
            "blocked": thread.blocked,
            "assignee_id": thread.assignee_id,
            "primary_associate_id": thread.primary_associate_id,
            "sms_conversational": thread.sms_conversational.value,
            "sms_marketing": thread.sms_marketing.value,
        }
    )


def _thread_from_item(item: dict[str, Any]) -> Thread:
    return Thread(
        store_id=item["store_id"],
        phone=item["phone"],
        customer_id=item["customer_id"],
        conversation_id=item["conversation_id"],
        opt_in_pending=bool(item.get("opt_in_pending")),
        blocked=bool(item.get("blocked")),
        assignee_id=item.get("assignee_id"),
        primary_associate_id=item.get("primary_associate_id"),
        sms_conversational=Status(item.get("sms_conversational", Status.NOT_ASKED.value)),
        sms_marketing=Status(item.get("sms_marketing", Status.NOT_ASKED.value)),
    )


def _conversation_to_item(conversation: Conversation) -> dict[str, Any]:
    return {
        "status": conversation.status.value,
        "assignee_id": conversation.assignee_id,
        "blocked": conversation.blocked,
    }


def _identity_update(conversation: Conversation) -> tuple[dict[str, Any], list[str]]:
    """The values and SET clauses every upsert of a conversation starts with: they fill in its store, customer,
    name and creation time when the item is new, and leave them as they are when it exists."""
    values: dict[str, Any] = {
        ":entity": "conversation",
        ":id": conversation.id,
        ":store": conversation.store_id,
        ":customer": conversation.customer_id,
        ":name": conversation.customer_name,
        ":created": when(conversation.created_at),
    }
    sets = [
        "entity = :entity",
        "id = :id",
        "store_id = if_not_exists(store_id, :store)",
        "customer_id = if_not_exists(customer_id, :customer)",
        "customer_name = if_not_exists(customer_name, :name)",
        "created_at = if_not_exists(created_at, :created)",
    ]
    return values, sets


def _conversation_from_item(item: dict[str, Any]) -> Conversation:
    return Conversation(
        id=item["id"],
        store_id=item["store_id"],
        customer_id=item["customer_id"],
        customer_name=item.get("customer_name", ""),
        status=ConversationStatus(item.get("status", "open")),
        created_at=dt(item["created_at"]),
        last_activity_at=dt(item["last_activity_at"]),
        phone_number=item.get("phone_number"),
        last_message_preview=item.get("last_message_preview"),
        last_direction=Direction(item["last_direction"]) if item.get("last_direction") else None,
        unread_count=max(0, to_int(item.get("unread_count", 0))),
        assignee_id=item.get("assignee_id"),
        blocked=bool(item.get("blocked")),
        topics=tuple(item.get("topics", [])),
        flags=tuple(item.get("flags", [])),
        last_outbound_associate_id=item.get("last_outbound_associate_id"),
        version=to_int(item.get("version", 1)),
    )


def _due_from_item(item: dict[str, Any]) -> Conversation:
    """What the archiving index projects: enough to archive, not a whole conversation."""
    rank = str(item["GSI3SK"])
    return Conversation(
        id=rank.rsplit("#", 1)[-1],
        store_id=item["store_id"],
        customer_id="",
        customer_name="",
        status=ConversationStatus(item.get("status", "open")),
        created_at=dt(rank.split("#", maxsplit=1)[0]),
        last_activity_at=dt(rank.split("#", maxsplit=1)[0]),
        assignee_id=item.get("assignee_id"),
        extra={"due_rank": rank},
    )


def _media_to_item(media: Media) -> dict[str, Any]:
    return without_none(
        {"content_type": media.content_type, "state": media.state.value, "key": media.key, "size": media.size}
    )


def _message_to_item(message: Message) -> dict[str, Any]:
    return without_none(
        {
            **keys.message(message.conversation_id, when(message.created_at), message.id),
            "entity": "message",
            "id": message.id,
            "conversation_id": message.conversation_id,
            "direction": message.direction.value,
            "created_at": when(message.created_at),
            "body": message.body,
            "media": [_media_to_item(m) for m in message.media] or None,
            "status": message.status.value,
            "status_rank": STATUS_RANK[message.status],
            "provider_sid": message.provider_sid,
            "error_code": message.error_code,
            "associate_id": message.associate_id,
            "encoding": message.encoding,
            "segments": message.segments,
            "flags": list(message.flags) or None,
            "campaign_id": message.campaign_id,
        }
    )


def _message_from_item(item: dict[str, Any]) -> Message:
    return Message(
        id=item["id"],
        conversation_id=item["conversation_id"],
        direction=Direction(item["direction"]),
        created_at=dt(item["created_at"]),
        body=item.get("body"),
        media=tuple(
            Media(
                content_type=m["content_type"],
                state=MediaState(m["state"]),
                key=m.get("key"),
                size=to_int(m["size"]) if m.get("size") is not None else None,
            )
            for m in item.get("media", [])
        ),
        status=MessageStatus(item["status"]),
        provider_sid=item.get("provider_sid"),
        error_code=to_int(item["error_code"]) if item.get("error_code") is not None else None,
        associate_id=item.get("associate_id"),
        encoding=item.get("encoding"),
        segments=to_int(item["segments"]) if item.get("segments") is not None else None,
        flags=tuple(item.get("flags", [])),
        campaign_id=item.get("campaign_id"),
    )


def _scheduled_to_item(scheduled: ScheduledMessage) -> dict[str, Any]:
    return without_none(
        {
            **keys.scheduled_message(scheduled.conversation_id, scheduled.id),
            "entity": "scheduled_message",
            "id": scheduled.id,
            "conversation_id": scheduled.conversation_id,
            "associate_id": scheduled.associate_id,
            "body": scheduled.body,
            "media": [_media_to_item(m) for m in scheduled.media] or None,
            "requested_for": when(scheduled.requested_for),
            "scheduled_for": when(scheduled.scheduled_for),
            "state": scheduled.state.value,
            "created_at": when(scheduled.created_at),
            "message_id": scheduled.message_id,
            "reason": scheduled.reason,
        }
    )


def _scheduled_from_item(item: dict[str, Any]) -> ScheduledMessage:
    return ScheduledMessage(
        id=item["id"],
        conversation_id=item["conversation_id"],
        associate_id=item["associate_id"],
        body=item.get("body"),
        media=tuple(
            Media(
                content_type=m["content_type"],
                state=MediaState(m["state"]),
                key=m.get("key"),
                size=to_int(m["size"]) if m.get("size") is not None else None,
            )
            for m in item.get("media", [])
        ),
        requested_for=dt(item["requested_for"]),
        scheduled_for=dt(item["scheduled_for"]),
        state=ScheduledState(item["state"]),
        created_at=dt(item["created_at"]),
        message_id=item.get("message_id"),
        reason=item.get("reason"),
    )
