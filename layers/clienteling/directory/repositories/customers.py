"""Customers in the single table: the profile, uniqueness markers, lookup entries and the consent trail.

Everything about a customer lives under `PK=CUST#<id>` (profile, lookup entries, consent events), or
under a marker whose key is derived from a value of the profile: erasure can find it all from the id.
Access patterns AP-C1..AP-C9 of docs/data-model.md.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from clienteling.directory.domain.consent import Channel, ConsentEvent, ConsentState, Method, Purpose, Status
from clienteling.directory.domain.customers import (
    Customer,
    CustomerNumberTaken,
    CustomerSummary,
    Gender,
    Pet,
    birth_months,
    summary,
)
from clienteling.kernel import cursors, keys, transactions
from clienteling.kernel.errors import AlreadyExists, NotFound, StaleVersion, ValidationFailed
from clienteling.kernel.items import address_from_item, address_to_item, dt, to_int, when, without_none
from clienteling.kernel.pages import Page, query_page
from clienteling.kernel.search_text import query_terms

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

PHONE, INTERNAL_ID, NUMBER, EMAIL, NAME = "PHONE", "INTID", "NUMBER", "EMAIL", "NAME"
BIRTH_MONTH = "BMONTH"  # customers whose own or a pet's birth month it is (birthday rewards, AP-L9)
# Keeps a customer's whole write inside one transaction (100 items) however long the names are.
MAX_NAME_TOKENS = 40
BATCH_GET_KEYS = 100


def taken(field: str, what: str) -> AlreadyExists:
    return AlreadyExists(f"Another customer already has this {what}.", details=[{"field": field}])


def _unique_values(customer: Customer) -> dict[str, tuple[str, AlreadyExists]]:
    values: dict[str, tuple[str, AlreadyExists]] = {
        NUMBER: (customer.customer_number, CustomerNumberTaken()),
    }
    if customer.phone_number:
        values[PHONE] = (customer.phone_number, taken("phoneNumber", "phone number"))
    if customer.internal_id:
        values[INTERNAL_ID] = (customer.internal_id, taken("internalId", "internal id"))
    return values


def _lookup_entries(customer: Customer) -> dict[tuple[str, str], dict[str, Any]]:
    """The lookup items of a customer, keyed by (kind, value): one per name token and per exact key."""
    base = _summary_attributes(customer)
    tokens = customer.name_tokens[:MAX_NAME_TOKENS]
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for token in tokens:
        entries[(NAME, token)] = {
            "GSI1PK": keys.customer_index_partition(NAME, token[0]),
            "GSI1SK": f"{token}#{customer.id}",
            "tokens": tokens,
        }
    exact = {
        PHONE: customer.phone_number,
        EMAIL: customer.email,
        INTERNAL_ID: customer.internal_id,
        NUMBER: customer.customer_number,
    }
    for kind, value in exact.items():
        if value:
            entries[(kind, value)] = {"GSI1PK": keys.customer_index_partition(kind, value), "GSI1SK": customer.id}
    for month in birth_months(customer):
        value = f"{month:02d}"
        entries[(BIRTH_MONTH, value)] = {
            "GSI1PK": keys.customer_index_partition(BIRTH_MONTH, value),
            "GSI1SK": customer.id,
        }
    return {
        k: {**keys.customer_index_entry(customer.id, *k), "entity": "customer_lookup", **base, **v}
        for k, v in entries.items()
    }


def _tag_items(customer: Customer) -> dict[str, dict[str, Any]]:
    """The customer's tag memberships: one item per tag, in the tag's index sorted by home store then name."""
    return {
        tag: {
            **keys.customer_tag(customer.id, tag),
            "entity": "customer_tag",
            "GSI2PK": keys.tag_index(tag),
            "GSI2SK": keys.tag_index_sort(customer.home_store_id, customer.sort_name, customer.id),
            "tag": tag,
            "customer_id": customer.id,
            "home_store_id": customer.home_store_id,
        }
        for tag in customer.tags
    }


def _count_op(table: Table, key: dict[str, str], delta: int, **attributes: str) -> transactions.Op:
    names = {"#c": "count"} | {f"#a{i}": name for i, name in enumerate(sorted(attributes))}
    values: dict[str, Any] = {":d": delta} | {f":a{i}": attributes[name] for i, name in enumerate(sorted(attributes))}
    sets = ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes)))
    return transactions.update(table, key, f"SET {sets} ADD #c :d", names=names, values=values)


def membership_ops(table: Table, before: Customer | None, after: Customer | None) -> list[transactions.Op]:
    """Tag memberships and counters (per tag and home store, and the store's customers) following a change of a
    customer's tags, home store or name; in the transaction of that change, so the index never drifts."""
    old_items = _tag_items(before) if before else {}
    new_items = _tag_items(after) if after else {}
    ops = [
        transactions.delete(table, {"PK": old_items[tag]["PK"], "SK": old_items[tag]["SK"]})
        for tag in sorted(old_items.keys() - new_items.keys())
    ]
    ops += [transactions.put(table, item) for tag, item in sorted(new_items.items()) if old_items.get(tag) != item]
    old_home = before.home_store_id if before else None
    new_home = after.home_store_id if after else None
    old_counts = {(tag, old_home) for tag in old_items if old_home}
    new_counts = {(tag, new_home) for tag in new_items if new_home}
    for (tag, store_id), delta in [(k, -1) for k in sorted(old_counts - new_counts)] + [
        (k, 1) for k in sorted(new_counts - old_counts)
    ]:
        ops.append(
            _count_op(table, keys.tag_counter(tag, store_id), delta, entity="tag_counter", tag=tag, store_id=store_id)
        )
    if old_home != new_home:
        for home, delta in ((old_home, -1), (new_home, 1)):
            if home:
                ops.append(
                    _count_op(table, keys.store_customer_counter(home), delta, entity="store_counter", store_id=home)
                )
    return ops


def check_size(ops: list[transactions.Op]) -> None:
    if len(ops) > transactions.MAX_ITEMS:
        raise ValidationFailed(
            "This change touches too many names and tags at once; change the tags separately "
            "(POST /v1/segments/{tag}/customers).",
            details=[{"field": "tags", "loc": ["body", "tags"], "type": "too_many_changes"}],
        )


class CustomerRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    @property
    def table(self) -> Table:
        return self._table

    def get(self, customer_id: str) -> Customer | None:
        """AP-C1: one customer's profile. 1 GetItem."""
        item = self._table.get_item(Key=keys.customer(customer_id)).get("Item")
        return _from_item(item) if item else None

    def require(self, customer_id: str) -> Customer:
        customer = self.get(customer_id)
        if customer is None:
            raise NotFound("No such customer.")
        return customer

    def id_by_phone(self, e164: str) -> str | None:
        """AP-C2: the customer owning a phone number, strongly consistent. 1 GetItem on the marker."""
        item = self._table.get_item(Key=keys.customer_unique(PHONE, e164), ConsistentRead=True).get("Item")
        return str(item["customer_id"]) if item else None

    def id_by_number(self, number: str) -> str | None:
        """AP-C10: the customer owning a customer number (card scan at the till), strongly consistent.
        1 GetItem on the marker."""
        item = self._table.get_item(Key=keys.customer_unique(NUMBER, number), ConsistentRead=True).get("Item")
        return str(item["customer_id"]) if item else None

    def create(self, customer: Customer) -> None:
        """AP-C3: profile, uniqueness markers and lookup entries at once. 1 TransactWriteItems."""
        transactions.transact(self._table, self.create_ops(customer))

    def create_ops(self, customer: Customer) -> list[transactions.Op]:
        ops = [transactions.put(self._table, _to_item(customer), condition="attribute_not_exists(PK)")]

        for kind, (value, error) in _unique_values(customer).items():
            ops.append(
                transactions.put(
                    self._table, _marker(kind, value, customer.id), condition="attribute_not_exists(PK)", error=error
                )
            )
        ops += [transactions.put(self._table, entry) for entry in _lookup_entries(customer).values()]
        ops += membership_ops(self._table, None, customer)
        check_size(ops)
        return ops

    def replace_ops(self, customer: Customer, *, previous: Customer) -> list[transactions.Op]:
        """AP-C4: save a changed profile if its version is still `previous.version` (else StaleVersion); markers and
        lookup entries follow. Committed in one TransactWriteItems with what other features copy of it."""
        ops = [_profile_update(self._table, customer, previous)]
        old_unique, new_unique = _unique_values(previous), _unique_values(customer)
        for kind in old_unique.keys() | new_unique.keys():
            old = old_unique.get(kind)
            new = new_unique.get(kind)
            if old and (not new or new[0] != old[0]):
                ops.append(
                    transactions.delete(
                        self._table,
                        keys.customer_unique(kind, old[0]),
                        condition="customer_id = :id",
                        values={":id": customer.id},
                    )
                )
            if new and (not old or new[0] != old[0]):
                ops.append(
                    transactions.put(
                        self._table,
                        _marker(kind, new[0], customer.id),
                        condition="attribute_not_exists(PK)",
                        error=new[1],
                    )
                )
        old_entries, new_entries = _lookup_entries(previous), _lookup_entries(customer)
        ops += [
            transactions.delete(self._table, keys.customer_index_entry(customer.id, *k))
            for k in old_entries.keys() - new_entries.keys()
        ]
        ops += [transactions.put(self._table, entry) for k, entry in new_entries.items() if old_entries.get(k) != entry]
        ops += membership_ops(self._table, previous, customer)
        check_size(ops)
        return ops

    def consent_event_op(self, event: ConsentEvent) -> transactions.Op:
        """AP-C5: one entry of the consent audit trail (append-only)."""
        return transactions.put(self._table, event_to_item(event), condition="attribute_not_exists(PK)")

    def consents_op(self, customer_id: str, states: dict[str, ConsentState], *, now: datetime) -> transactions.Op:
        """AP-C5: the profile's current consent states (keyed channel:purpose:scope), a new profile version."""
        ordered = sorted(states)
        names = {f"#k{i}": k for i, k in enumerate(ordered)}
        values: dict[str, Any] = {f":s{i}": consent_to_item(states[k]) for i, k in enumerate(ordered)}
        values.update({":one": 1, ":at": when(now)})
        expression = "SET " + ", ".join(f"consents.#k{i} = :s{i}" for i in range(len(ordered)))
        expression += ", version = version + :one, updated_at = :at"
        return transactions.update(
            self._table,
            keys.customer(customer_id),
            expression,
            names=names,
            values=values,
            condition="attribute_exists(PK)",
        )

    def blocked_op(self, customer_id: str, store_id: str, *, blocked: bool) -> transactions.Op:
        """AP-AU8: the stores that blocked a customer, kept on the profile for audiences (with the conversation's
        own flag, in the same transaction)."""
        return transactions.update(
            self._table,
            keys.customer(customer_id),
            ("ADD" if blocked else "DELETE") + " blocked_stores :s",
            values={":s": {store_id}},
            condition="attribute_exists(PK)",
        )

    def get_many(self, customer_ids: list[str]) -> dict[str, dict[str, Any]]:
        """AP-C11: profiles by id, as stored (marketing reads its own attributes from them). 1 BatchGetItem per
        100 ids."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(customer_ids))
        for start in range(0, len(unique), BATCH_GET_KEYS):
            request: dict[str, Any] = {
                self._table.name: {"Keys": [keys.customer(c) for c in unique[start : start + BATCH_GET_KEYS]]}
            }
            while request:
                response = self._table.meta.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table.name, []):
                    found[str(item["id"])] = dict(item)
                request = response.get("UnprocessedKeys") or {}
        return found

    def ids_by_numbers(self, numbers: list[str]) -> dict[str, str]:
        """AP-C12: customer number -> customer id, from the uniqueness markers. 1 BatchGetItem per 100 numbers."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(numbers))
        for start in range(0, len(unique), BATCH_GET_KEYS):
            chunk = [keys.customer_unique(NUMBER, n) for n in unique[start : start + BATCH_GET_KEYS]]
            request: dict[str, Any] = {self._table.name: {"Keys": chunk}}
            while request:
                response = self._table.meta.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self._table.name, []):
                    found[str(item["PK"]).removeprefix(f"CUST{NUMBER}#")] = str(item["customer_id"])
                request = response.get("UnprocessedKeys") or {}
        return found

    def tags_ops(self, customer: Customer, tags: tuple[str, ...], *, now: datetime) -> list[transactions.Op]:
        """AP-C13: replace a customer's tags if the profile is still at `customer.version` (bumps it: tags are
        the associates' to edit too), with the memberships following; the profile update comes first. The
        counters are left to the caller (`counter_ops`), which adds up a whole batch's."""
        changed = dataclasses.replace(customer, tags=tags)
        old_items, new_items = _tag_items(customer), _tag_items(changed)
        return [
            transactions.update(
                self._table,
                keys.customer(customer.id),
                "SET tags = :tags, version = :next, updated_at = :at",
                values={":tags": list(tags), ":next": customer.version + 1, ":at": when(now), ":v": customer.version},
                condition="version = :v",
                error=StaleVersion(),
            ),
            *[
                transactions.delete(self._table, keys.customer_tag(customer.id, tag))
                for tag in sorted(old_items.keys() - new_items.keys())
            ],
            *[transactions.put(self._table, new_items[tag]) for tag in sorted(new_items.keys() - old_items.keys())],
        ]

    def counter_ops(self, deltas: dict[tuple[str, str], int]) -> list[transactions.Op]:
        """AP-C13: the tag counters of a batch of tag changes, one op per (tag, store)."""
        return [
            _count_op(self._table, keys.tag_counter(tag, store), delta, entity="tag_counter", tag=tag, store_id=store)
            for (tag, store), delta in sorted(deltas.items())
            if delta
        ]

    def consent_events(self, customer_id: str, *, limit: int, cursor: str | None) -> Page[ConsentEvent]:
        """AP-C6: a customer's consent trail, newest first. 1 Query per page."""
        return query_page(
            self._table,
            _event_from_item,
            partition=keys.customer_partition(customer_id),
            sort_key=Key("SK").begins_with(keys.CONSENT_EVENT_PREFIX),
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )

    def find_exact(self, kind: str, value: str, *, limit: int, cursor: str | None) -> Page[CustomerSummary]:
        """AP-C7: customers by phone, email, internal id or customer number. 1 Query on GSI1."""
        return self._query_lookup(
            Key("GSI1PK").eq(keys.customer_index_partition(kind, value)),
            keys.customer_index_partition(kind, value),
            limit=limit,
            cursor=cursor,
        )

    def search_names(self, text: str, *, limit: int, cursor: str | None) -> Page[CustomerSummary]:
        """AP-C8: customers whose names start with the words typed, any case or accent. 1 Query on GSI1:
        the longest word selects the bucket and the key prefix, the others filter by token prefix."""
        terms = query_terms(text)
        if not terms:
            return Page([])
        # The longest word is the most selective key prefix; the others filter.
        lead = max(terms, key=len)
        others = list(terms)
        others.remove(lead)
        partition = keys.customer_index_partition(NAME, lead[0])
        condition = Key("GSI1PK").eq(partition) & Key("GSI1SK").begins_with(lead)
        return self._query_lookup(condition, partition, limit=limit, cursor=cursor, also=others)

    def list_by_store(self, store_id: str, *, limit: int, cursor: str | None) -> Page[CustomerSummary]:
        """AP-C9: a store's customers by last name. 1 Query on GSI1."""
        return query_page(
            self._table,
            lambda item: summary(_from_item(item)),
            index="GSI1",
            partition=keys.store_customers(store_id),
            limit=limit,
            cursor=cursor,
        )

    def _query_lookup(
        self, condition: Any, partition: str, *, limit: int, cursor: str | None, also: list[str] | None = None
    ) -> Page[CustomerSummary]:
        request: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": condition, "Limit": limit}
        if cursor:
            request["ExclusiveStartKey"] = cursors.decode(cursor, partition_attribute="GSI1PK", partition=partition)
        response = self._table.query(**request)
        seen: set[str] = set()
        found: list[CustomerSummary] = []
        for item in response["Items"]:
            tokens = [str(t) for t in item.get("tokens", [])]  # type: ignore[union-attr]
            if item["customer_id"] in seen or any(not any(t.startswith(a) for t in tokens) for a in also or []):
                continue
            seen.add(str(item["customer_id"]))
            found.append(_summary_from_item(item))
        return Page(found, cursors.encode(response.get("LastEvaluatedKey")))


def _profile_update(table: Table, customer: Customer, previous: Customer) -> transactions.Op:
    """The associate-editable attributes, changed if nobody changed the profile since `previous`.

    An update, not a Put: attributes other features keep on the profile (purchase history, marketing sends)
    are not the associate's to overwrite.
    """
    new, old = _to_item(customer), _to_item(previous)
    fields = sorted(k for k in new if k not in ("PK", "SK"))
    removed = sorted(k for k in old if k not in new)
    names = {f"#a{i}": name for i, name in enumerate(fields)}
    values: dict[str, Any] = {f":a{i}": new[name] for i, name in enumerate(fields)}
    expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(fields)))
    if removed:
        names.update({f"#r{i}": name for i, name in enumerate(removed)})
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
    values[":expected"] = previous.version
    return transactions.update(
        table,
        keys.customer(customer.id),
        expression,
        names=names,
        values=values,
        condition="version = :expected",
        error=StaleVersion(),
    )


def _marker(kind: str, value: str, customer_id: str) -> dict[str, Any]:
    return {**keys.customer_unique(kind, value), "entity": "customer_unique", "customer_id": customer_id}


def _summary_attributes(customer: Customer) -> dict[str, Any]:
    return without_none(
        {
            "customer_id": customer.id,
            "customer_number": customer.customer_number,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "home_store_id": customer.home_store_id,
            "phone_number": customer.phone_number,
            "email": customer.email,
        }
    )


def _summary_from_item(item: dict[str, Any]) -> CustomerSummary:
    return CustomerSummary(
        id=item["customer_id"],
        customer_number=item["customer_number"],
        first_name=item["first_name"],
        last_name=item["last_name"],
        home_store_id=item["home_store_id"],
        phone_number=item.get("phone_number"),
        email=item.get("email"),
    )


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; custom attributes keep int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _to_item(customer: Customer) -> dict[str, Any]:
    return without_none(
        {
            **keys.customer(customer.id),
            "entity": "customer",
            "GSI1PK": keys.store_customers(customer.home_store_id),
            "GSI1SK": f"{customer.sort_name}#{customer.id}",
            **_summary_attributes(customer),
            "id": customer.id,
            "internal_id": customer.internal_id,
            "address": address_to_item(customer.address),
            "birth_date": customer.birth_date.isoformat() if customer.birth_date else None,
            "gender": customer.gender.value if customer.gender else None,
            "pets": [without_none(dataclasses.asdict(p)) for p in customer.pets],
            "attributes": {k: Decimal(str(v)) if isinstance(v, float) else v for k, v in customer.attributes.items()},
            "tags": list(customer.tags),
            "notes": customer.notes,
            "unidentified": customer.unidentified or None,
            "pro": customer.pro or None,
            "primary_associates": customer.primary_associates or None,
            "consents": {k: consent_to_item(v) for k, v in customer.consents.items()},
            "version": customer.version,
            "created_at": when(customer.created_at),
            "updated_at": when(customer.updated_at),
        }
    )


def customer_from_item(item: dict[str, Any]) -> Customer:
    """A profile item (from the table or an index projecting it) as a Customer."""
    return _from_item(item)


def _from_item(item: dict[str, Any]) -> Customer:
    return Customer(
        id=item["id"],
        customer_number=item["customer_number"],
        first_name=item["first_name"],
        last_name=item["last_name"],
        home_store_id=item["home_store_id"],
        version=to_int(item["version"]),
        created_at=dt(item["created_at"]),
        updated_at=dt(item["updated_at"]),
        internal_id=item.get("internal_id"),
        phone_number=item.get("phone_number"),
        email=item.get("email"),
        address=address_from_item(item.get("address")),
        birth_date=date.fromisoformat(item["birth_date"]) if item.get("birth_date") else None,
        gender=Gender(item["gender"]) if item.get("gender") else None,
        pets=tuple(
            Pet(
                name=p["name"],
                species=p["species"],
                birth_month=to_int(p["birth_month"]) if p.get("birth_month") is not None else None,
            )
            for p in item.get("pets", [])
        ),
        attributes={k: _plain(v) for k, v in item.get("attributes", {}).items()},
        tags=tuple(item.get("tags", [])),
        notes=item.get("notes"),
        unidentified=bool(item.get("unidentified")),
        pro=bool(item.get("pro")),
        primary_associates={str(k): str(v) for k, v in item.get("primary_associates", {}).items()},
        consents={k: _consent_from_item(v) for k, v in item.get("consents", {}).items()},
    )


def consent_to_item(state: ConsentState) -> dict[str, Any]:
    return without_none(
        {
            "channel": state.channel.value,
            "purpose": state.purpose.value,
            "scope": state.scope,
            "status": state.status.value,
            "updated_at": when(state.updated_at),
            "method": state.method.value if state.method else None,
        }
    )


def _consent_from_item(item: dict[str, Any]) -> ConsentState:
    return ConsentState(
        channel=Channel(item["channel"]),
        purpose=Purpose(item["purpose"]),
        scope=item["scope"],
        status=Status(item["status"]),
        updated_at=dt(item["updated_at"]),
        method=Method(item["method"]) if item.get("method") else None,
    )


def event_to_item(event: ConsentEvent) -> dict[str, Any]:
    return without_none(
        {
            **keys.consent_event(event.customer_id, when(event.at), event.id),
            "entity": "consent_event",
            "id": event.id,
            "customer_id": event.customer_id,
            "at": when(event.at),
            "channel": event.channel.value,
            "purpose": event.purpose.value,
            "scope": event.scope,
            "previous": event.previous.value,
            "status": event.status.value,
            "method": event.method.value,
            "wording": event.wording,
            "wording_version": event.wording_version,
            "associate_id": event.associate_id,
            "store_id": event.store_id,
            "message_id": event.message_id,
            "note": event.note,
        }
    )


def _event_from_item(item: dict[str, Any]) -> ConsentEvent:
    return ConsentEvent(
        id=item["id"],
        customer_id=item["customer_id"],
        at=dt(item["at"]),
        channel=Channel(item["channel"]),
        purpose=Purpose(item["purpose"]),
        scope=item["scope"],
        previous=Status(item["previous"]),
        status=Status(item["status"]),
        method=Method(item["method"]),
        wording=item.get("wording"),
        wording_version=item.get("wording_version"),
        associate_id=item.get("associate_id"),
        store_id=item.get("store_id"),
        message_id=item.get("message_id"),
        note=item.get("note"),
    )
