"""Archiving sweep: items the sweep reads per archived conversation, with 100 conversations due among 5,000 and
then among 50,000 (tenfold unrelated data), on DynamoDB Local through the real sweep.

Items read are what DynamoDB returns to the sweep's requests (Query `ScannedCount`, counted with a botocore
hook): the sparse due index means conversations that are not due are never read.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from clienteling.directory.domain.stores import Store
from clienteling.directory.repositories.stores import StoreRepository
from clienteling.kernel import keys
from clienteling.kernel.addresses import Address
from clienteling.kernel.clock import iso
from clienteling.kernel.ids import new_id
from dateutil.relativedelta import relativedelta

from infra.local import config, stack

DUE = 100
TARGET_TOTAL = 150
TARGET_PER_ARCHIVED = 1.2
NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


class ItemsRead:
    def __init__(self) -> None:
        self.items = 0

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            self.items += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif model.name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items += sum(len(v) for v in parsed.get("Responses", {}).values())


def _conversation(store_id: str, due: datetime) -> dict[str, Any]:
    conversation_id = new_id()
    activity = iso(due - relativedelta(months=4))
    return {
        **keys.conversation(conversation_id),
        "entity": "conversation",
        "id": conversation_id,
        "store_id": store_id,
        "customer_id": new_id(),
        "customer_name": "Bench",
        "status": "open",
        "created_at": activity,
        "last_activity_at": activity,
        "unread_count": 0,
        "version": 1,
        "GSI1PK": keys.store_inbox(store_id, "open"),
        "GSI1SK": keys.activity_rank(activity, conversation_id),
        "GSI3PK": keys.archive_due(keys.due_shard(conversation_id)),
        "GSI3SK": keys.activity_rank(iso(due), conversation_id),
    }


def _fill(table: Any, stores: list[str], total: int, due: int) -> None:
    with table.batch_writer() as batch:
        for index in range(total):
            when = NOW - timedelta(hours=1 + index) if index < due else NOW + timedelta(days=1 + index % 90)
            batch.put_item(Item=_conversation(stores[index % len(stores)], when))


def run() -> int:
    settings = config.LocalSettings.from_environment()
    missed = 0
    with stack.running(settings, background_events=False):
        from clienteling.messaging import wiring as messaging_wiring

        from infra.local.clock import Clock
        from infra.local.runtime import install_clock

        boto3.setup_default_session()
        counter = ItemsRead()
        if boto3.DEFAULT_SESSION is None:
            raise RuntimeError("no default boto3 session")
        boto3.DEFAULT_SESSION.events.register("after-call.dynamodb", counter)
        table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
        repository = StoreRepository(table)
        stores = []
        for n in range(5):
            store = Store(
                id=new_id(),
                name=f"Bench {n}",
                phone_number=f"+3314{n:07d}",
                time_zone="Europe/Paris",
                locale="fr-FR",
                currency="EUR",
                tax_mode="inclusive",
                address=Address(line1="1 rue", city="Paris", postal_code="75001", country="FR"),
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
            repository.create(store)
            stores.append(store.id)
        install_clock(Clock.manual(NOW))
        print("\n== Archiving sweep: items read, 100 conversations due ==")
        filled = 0
        for total in (5_000, 50_000):
            # The first round's archived conversations left the index; each round adds DUE new ones.
            _fill(table, stores, total - filled, DUE)
            filled = total
            counter.items = 0
            report = messaging_wiring.archive_sweep().run()
            per = counter.items / max(report.done, 1)
            ok = report.done == DUE and counter.items <= TARGET_TOTAL and per <= TARGET_PER_ARCHIVED
            missed += not ok
            print(
                f"{total:>6} conversations: archived {report.done}, items read {counter.items} (target <= "
                f"{TARGET_TOTAL}), per archived {per:.2f} (target <= {TARGET_PER_ARCHIVED})"
                f"{'' if ok else '   <-- MISSED'}"
            )
        install_clock(None)
    return missed
