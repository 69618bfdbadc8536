"""Campaign figures: a fan-out to 10,000 customers and its send through the real code paths on DynamoDB Local,
with a stub SMS transport in place of Twilio and an in-memory queue in place of SQS (moto's SQS slows down with
the depth of the queue: 0.14 s per SendMessageBatch and 1.2 s per receive and delete at 3,000 messages, which
would measure moto). The start job, the sender function's `process` and every DynamoDB request are the
product's own.

- The sender's own capacity: messages per second of wall time the sender function's code (claims, pacing
  decisions, the provider call, the records) handles. Waiting for rate slots is not counted: the sender runs on a
  manual clock whose waits (clienteling.resources.sleep) move the clock instead of sleeping, so 10,000 seconds of
  sending at 1 segment per second take only the time the code itself needs. Target: 10x the configured rate.
- The rate it emits: each text, at the clock time the stub provider got it, weighted by its SMS segments; the
  most units in any 10-second window, over 10 x the configured rate. On a manual clock a wait ends exactly at
  its slot, so this checks the limiter and the pacing logic, not the precision of a real sleep. Target 1.05.
- Items read per recipient: every item DynamoDB returned (Query and BatchGetItem items, GetItem hits) during the
  fan-out and the send, over the recipients. Target 1.2.
- The busiest partition key during a 225 messages-per-second send (a store whose number sends 225 segments a
  second): writes per key per second of the clock, counting each write once for the table's partition and once
  for every index partition the written item is projected into (conservative: an update that changes nothing
  projected is counted too). Target 250, a quarter of DynamoDB's 1,000 per partition.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import boto3

from benchmarks.checks import report
from infra.local import config, stack

RECIPIENTS = 10_000
FAST_RECIPIENTS = 4_500  # 20 seconds at 225 a second
RATE = 1.0  # the default: a long code
FAST_RATE = 225.0
TARGET_CAPACITY = 10.0  # x the configured rate
TARGET_WINDOW_RATIO = 1.05
TARGET_ITEMS_PER_RECIPIENT = 1.2
TARGET_PARTITION_WRITES = 250
WINDOW_SECONDS = 10
START = datetime(2030, 3, 12, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris, no French holiday
CONTENT = "Bonjour {customer.first_name}, -20% sur la nouvelle collection ce week-end chez {store.name}."
_READS = ("Query", "GetItem", "BatchGetItem")
_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


@dataclass
class Meter:
    """Items read and writes per partition key, from botocore hooks on the session the product's clients use."""

    clock: Any = None
    items_read: int = 0
    writes: list[tuple[int, str, str]] = field(default_factory=list)  # (clock second, PK, SK)
    recording_writes: bool = False

    def install(self) -> None:
        boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
        if session is None:
            raise RuntimeError("no default boto3 session")
        session.events.register("before-call.dynamodb", self._before)
        session.events.register("after-call.dynamodb", self._after)

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if not self.recording_writes or model.name not in _WRITES:
            return
        second = int(self.clock.now().timestamp())
        request = json.loads(params["body"])  # the request as sent: attribute values in DynamoDB's JSON
        for key in _written_keys(model.name, request):
            self.writes.append((second, key[0], key[1]))

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "Query":
            self.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif model.name == "GetItem":
            self.items_read += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())


def _attribute(value: Any) -> str:
    return str(value.get("S", "")) if isinstance(value, dict) else str(value)


def _written_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            for kind, request in entry.items():
                if kind == "ConditionCheck":
                    continue
                key = request.get("Item") or request.get("Key") or {}
                found.append((_attribute(key.get("PK")), _attribute(key.get("SK"))))
    elif operation == "BatchWriteItem":
        for requests_ in params.get("RequestItems", {}).values():
            for request in requests_:
                key = (
                    (request.get("PutRequest") or {}).get("Item")
                    or (request.get("DeleteRequest") or {}).get("Key")
                    or {}
                )
                found.append((_attribute(key.get("PK")), _attribute(key.get("SK"))))
    else:
        key = params.get("Item") or params.get("Key") or {}
        found.append((_attribute(key.get("PK")), _attribute(key.get("SK"))))
    return found


class MemoryQueue:
    """The send queue: what the start job and the sender put on it, in order, as SQS records."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (message id, body)

    def send(self, messages: Any) -> int:
        self.messages += [(os.urandom(8).hex(), m.body) for m in messages]
        return (len(messages) + 9) // 10

    def take(self, count: int) -> list[dict[str, Any]]:
        taken, self.messages = self.messages[:count], self.messages[count:]
        return [
            {
                "messageId": message_id,
                "receiptHandle": message_id,
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:bench",
                "awsRegion": "us-east-1",
            }
            for message_id, body in taken
        ]


@dataclass
class StubSms:
    """Twilio's Messages API answering at once; records when each text reached it and how many segments."""

    clock: Any
    sends: list[tuple[int, int]] = field(default_factory=list)  # (clock microseconds, segments)

    def send(
        self,
        *,
        from_: str | None,
        to: str,
        body: str | None,
        media_urls: Any,
        status_callback: str | None,
        messaging_service_sid: str | None = None,
    ) -> Any:
        from clienteling.kernel.providers import SentMessage
        from clienteling.messaging.domain import segments

        units = segments.count(body or "").segments
        self.sends.append((int(self.clock.now().timestamp() * 1_000_000), units))
        return SentMessage(sid="SM" + os.urandom(16).hex(), status="queued", num_segments=units, error_code=None)


def _seed(store_id: str, count: int, prefix: str) -> None:
    """Opted-in customers of a store, written straight to the table (setting up is not what is measured)."""
    from clienteling import resources
    from clienteling.directory.domain import customer_numbers
    from clienteling.directory.domain.consent import Channel, ConsentState, Method, Purpose, Status, state_key
    from clienteling.directory.domain.customers import Customer
    from clienteling.directory.repositories.customers import CustomerRepository
    from clienteling.kernel import keys
    from clienteling.kernel.ids import new_id

    table = resources.table()
    repository = CustomerRepository(table)
    now = resources.clock()()
    consent = ConsentState(Channel.SMS, Purpose.MARKETING, store_id, Status.OPTED_IN, now, Method.IN_STORE_FORM)
    with table.batch_writer() as batch:
        for index in range(count):
            customer = Customer(
                id=new_id(),
                customer_number=customer_numbers.generate(),
                first_name="Lina",
                last_name=f"Bench{index}",
                home_store_id=store_id,
                version=2,
                created_at=now,
                updated_at=now,
                phone_number=f"+336{prefix}{index:07d}",
                consents={state_key(Channel.SMS, Purpose.MARKETING, store_id): consent},
            )
            for op in repository.create_ops(customer):
                item = op.request.get("Put", {}).get("Item")
                if item and item.get("SK") == "PROFILE":
                    batch.put_item(Item=item)
    table.put_item(Item={**keys.store_customer_counter(store_id), "entity": "store_counter", "count": count})


def _store(rate: float | None) -> Any:
    from clienteling.directory import wiring as directory_wiring
    from clienteling.directory.contracts.stores import StoreCreate
    from clienteling.kernel.access import Caller, Role

    admin = Caller("bench-admin", frozenset({Role.ADMIN}))
    body = {
        "name": f"Bench {os.urandom(2).hex()}",
        "phone_number": f"+3314{int.from_bytes(os.urandom(3), 'big') % 10**7:07d}",
        "time_zone": "Europe/Paris",
        "locale": "fr-FR",
        "currency": "EUR",
        "tax_mode": "inclusive",
        "address": {"line1": "1 rue", "city": "Paris", "postal_code": "75009", "country": "FR"},
        "messaging": {"messages_per_second": rate} if rate else {},
    }
    return directory_wiring.store_service().create(admin, StoreCreate.model_validate(body)), admin


def _schedule(store: Any, admin: Any, credits_needed: int) -> str:
    from clienteling.campaigns import wiring as campaigns_wiring
    from clienteling.campaigns.contracts.campaigns import CampaignCreate
    from clienteling.campaigns.domain.credits import CreditKind

    campaigns_wiring.credit_service().grant(admin, CreditKind.SMS, credits_needed, "bench")
    campaigns = campaigns_wiring.campaign_service()
    campaign = campaigns.create(
        admin,
        CampaignCreate.model_validate(
            {"name": "Bench", "channel": "sms", "store_id": store.id, "content": {"fr": CONTENT}}
        ),
    )
    campaigns.schedule(admin, campaign.id)
    return campaign.id


def _sender(clock: Any, stub: StubSms, queue: MemoryQueue) -> Any:
    from clienteling import resources
    from clienteling.campaigns import wiring as campaigns_wiring
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.services.sender import CampaignSender
    from clienteling.directory import wiring as directory_wiring
    from clienteling.messaging import wiring as messaging_wiring

    table = resources.table()
    return CampaignSender(
        campaigns=CampaignRepository(table),
        marketing=MarketingRepository(table, directory_wiring.customer_records()),
        texts=messaging_wiring.campaign_texts(),
        ledger_repository=CreditRepository(table),
        limiter=campaigns_wiring.rate_limiter(),
        settings=directory_wiring.settings_cache(),
        queue=lambda: cast(Any, queue),
        schedules=campaigns_wiring.campaign_schedules,
        sms=lambda: cast(Any, stub),
        email=resources.email_sender,
        rates=campaigns_wiring.campaign_rates(),
        work=resources.unit_of_work,
        clock=clock,
        sleep=lambda seconds: clock.elapse(timedelta(seconds=max(0.0, seconds))),
    )


def _start(campaign_id: str, clock: Any, queue: MemoryQueue) -> float:
    from clienteling import resources
    from clienteling.campaigns import wiring as campaigns_wiring
    from clienteling.campaigns.repositories.campaigns import CampaignRepository
    from clienteling.campaigns.repositories.credits import CreditRepository
    from clienteling.campaigns.repositories.marketing import MarketingRepository
    from clienteling.campaigns.services.start import CampaignStarter, StartRequest
    from clienteling.directory import wiring as directory_wiring

    table = resources.table()
    starter = CampaignStarter(
        campaigns=CampaignRepository(table),
        marketing=MarketingRepository(table, directory_wiring.customer_records()),
        ledger_repository=CreditRepository(table),
        stores=directory_wiring.store_directory(),
        store_repository=directory_wiring.store_listing(),
        settings=directory_wiring.settings_cache(),
        queue=lambda: cast(Any, queue),
        schedules=campaigns_wiring.campaign_schedules,
        links=campaigns_wiring.unsubscribe_links,
        rates=campaigns_wiring.campaign_rates(),
        work=resources.unit_of_work,
        clock=clock,
    )
    started = time.perf_counter()
    starter.run(StartRequest(campaign_id, "*"), remaining_ms=lambda: 900_000)
    return time.perf_counter() - started


def _send_all(sender: Any, queue: MemoryQueue, meter: Meter) -> tuple[int, float]:
    """Deliver the queue to the sender as Lambda's SQS event source would, ten at a time; returns the messages
    handled and the wall time the sender's code took."""
    from functions import campaign_sender as function
    from infra.local.gateway import LambdaContext

    handled, busy = 0, 0.0
    while queue.messages:
        records = queue.take(10)
        meter.recording_writes = True
        started = time.perf_counter()
        result = function.process(sender, {"Records": records}, cast(Any, LambdaContext("CampaignSenderFunction")))
        busy += time.perf_counter() - started
        meter.recording_writes = False
        if result["batchItemFailures"]:
            raise RuntimeError(f"the sender failed records: {result['batchItemFailures']}")
        handled += len(records)
    return handled, busy


def _partition_writes(meter: Meter) -> tuple[int, str]:
    """The most writes one partition key (table or index) took in one second of the clock."""
    from clienteling import resources

    table = resources.table()
    index_keys: dict[tuple[str, str], list[str]] = {}
    distinct = sorted({(pk, sk) for _, pk, sk in meter.writes})
    for start in range(0, len(distinct), 100):
        chunk = [{"PK": pk, "SK": sk} for pk, sk in distinct[start : start + 100]]
        request: dict[str, Any] = {table.name: {"Keys": chunk, "ProjectionExpression": "PK, SK, GSI1PK, GSI2PK"}}
        while request:
            response = table.meta.client.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(table.name, []):
                index_keys[(str(item["PK"]), str(item["SK"]))] = [
                    f"{name}:{item[name]}" for name in ("GSI1PK", "GSI2PK") if item.get(name)
                ]
            request = response.get("UnprocessedKeys") or {}
    per_second: dict[int, Counter[str]] = defaultdict(Counter)
    for second, pk, sk in meter.writes:
        per_second[second][f"table:{pk}"] += 1
        for index_key in index_keys.get((pk, sk), []):
            per_second[second][index_key] += 1
    return max(((n, key) for counts in per_second.values() for key, n in counts.items()), default=(0, ""))


def run() -> int:
    from clienteling.campaigns.domain import rate

    from infra.local.clock import Clock
    from infra.local.runtime import install_clock

    settings = config.LocalSettings.from_environment()
    with stack.running(settings, background_events=False) as local:
        meter = Meter()
        meter.install()
        clock = Clock.manual(START)
        meter.clock = clock
        install_clock(clock)
        try:
            # --- 10,000 customers at the default rate (1 segment a second)
            store, admin = _store(None)
            _seed(store.id, RECIPIENTS, "1")
            campaign_id = _schedule(store, admin, RECIPIENTS * 2)
            clock.set(clock.now() + timedelta(minutes=2))
            meter.items_read = 0
            queue = MemoryQueue()
            fan_out_seconds = _start(campaign_id, clock, queue)
            fan_out_reads = meter.items_read
            stub = StubSms(clock)
            sent, busy = _send_all(_sender(clock, stub, queue), queue, meter)
            reads = meter.items_read
            sends = stub.sends
            window = rate.max_window_units(sends, WINDOW_SECONDS * rate.MICROS)
            units = sum(u for _, u in sends)
            span = (sends[-1][0] - sends[0][0]) / rate.MICROS if len(sends) > 1 else 0.0
            capacity = sent / busy if busy else float("inf")
            meter.writes.clear()

            # --- a store sending 225 segments a second: where do the writes land?
            fast, _ = _store(FAST_RATE)
            _seed(fast.id, FAST_RECIPIENTS, "2")
            fast_campaign = _schedule(fast, admin, FAST_RECIPIENTS * 2)
            clock.set(clock.now() + timedelta(minutes=2))
            _start(fast_campaign, clock, queue)
            fast_stub = StubSms(clock)
            _send_all(_sender(clock, fast_stub, queue), queue, meter)
            fast_window = rate.max_window_units(fast_stub.sends, WINDOW_SECONDS * rate.MICROS)
            busiest, busiest_key = _partition_writes(meter)
        finally:
            install_clock(local.events.clock)

    print(f"\n== Campaign fan-out to {RECIPIENTS:,} customers, stub SMS transport, DynamoDB Local ==")
    print(f"fan-out (start job): {fan_out_seconds:.1f} s wall, {fan_out_reads:,} items read")
    print(f"send: {sent:,} texts, {units:,} segments over {span:,.0f} s of clock at {RATE:g} segment/s")
    return report(
        [
            (
                f"sender's own capacity: {capacity:,.0f} texts/s of wall time ({capacity / RATE:,.0f}x the configured "
                f"{RATE:g}/s; target >= {TARGET_CAPACITY:g}x)",
                capacity >= TARGET_CAPACITY * RATE and sent == RECIPIENTS,
            ),
            (
                f"emitted rate, weighted by segments: at most {window} in any {WINDOW_SECONDS} s window = "
                f"{window / (RATE * WINDOW_SECONDS):.2f}x the configured rate (target <= {TARGET_WINDOW_RATIO}x)",
                window <= TARGET_WINDOW_RATIO * RATE * WINDOW_SECONDS,
            ),
            (
                f"items read per recipient (fan-out + send): {reads / RECIPIENTS:.3f} "
                f"(target <= {TARGET_ITEMS_PER_RECIPIENT})",
                reads / RECIPIENTS <= TARGET_ITEMS_PER_RECIPIENT,
            ),
            (
                f"at {FAST_RATE:g} texts/s ({FAST_RECIPIENTS:,} texts; busiest 10 s window "
                f"{fast_window / (FAST_RATE * WINDOW_SECONDS):.3f}x): busiest partition key {busiest_key} took "
                f"{busiest} writes in one second (target <= {TARGET_PARTITION_WRITES})",
                busiest <= TARGET_PARTITION_WRITES and fast_window <= TARGET_WINDOW_RATIO * FAST_RATE * WINDOW_SECONDS,
            ),
        ]
    )
