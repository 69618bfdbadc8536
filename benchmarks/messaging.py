"""Messaging figures: DynamoDB requests before the Twilio webhook answers and per inbox page, the warm webhook's
time (p99) against the DynamoDB calls it makes in the same run, and what 5 replays of one MessageSid leave.

The webhook handler runs in-process on the event the template-driven gateway builds from a correctly signed
Twilio form, after enough warm-up runs that DynamoDB Local's JIT has settled (its first hundred requests are
slower, which would flatter the ratio). "The bare DynamoDB calls it makes" are timed with botocore hooks, each
whole as boto3 makes it (from `provide-client-params` to `after-call`: the SDK's serialisation, signing and
parsing count, as they would for a bare call); the ratio is the handler's total over their sum, in the same
invocation. The share of the wire alone (`before-send` to `response-received`) is printed for information.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import boto3
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from benchmarks.checks import report
from infra.local import config, gateway, stack, tokens
from infra.local.seed import Demo

RUNS = 200
WARM_UP = 150
TARGET_REQUESTS = 2
TARGET_P99_MS = 50.0
TARGET_RATIO = 1.3
STORE_NUMBER = "+33142685300"  # the demo Paris store
CUSTOMER_NUMBER = "+33612345678"  # Zoë, a known demo customer


class DynamoTimer:
    """Counts DynamoDB requests and adds up the wall time of each call, whole and on the wire."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0  # whole calls, as boto3 makes them
        self.wire_seconds = 0.0
        self._call_started: list[float] = []
        self._sent: list[float] = []

    def install(self) -> None:
        boto3.setup_default_session()
        session = boto3.DEFAULT_SESSION
        if session is None:
            raise RuntimeError("no default boto3 session")
        session.events.register("provide-client-params.dynamodb", self._start)
        session.events.register("before-call.dynamodb", self._call)
        session.events.register("before-send.dynamodb", self._send)
        session.events.register("response-received.dynamodb", self._received)
        session.events.register("after-call.dynamodb", self._end)
        session.events.register("after-call-error.dynamodb", self._end)

    def _start(self, **_: Any) -> None:
        self._call_started.append(time.perf_counter())

    def _call(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def _send(self, **_: Any) -> None:
        self._sent.append(time.perf_counter())

    def _received(self, **_: Any) -> None:
        if self._sent:  # one request in flight at a time on this thread
            self.wire_seconds += time.perf_counter() - self._sent.pop()

    def _end(self, **_: Any) -> None:
        if self._call_started:
            self.seconds += time.perf_counter() - self._call_started.pop()

    def reset(self) -> None:
        self.calls.clear()
        self.seconds = 0.0
        self.wire_seconds = 0.0
        self._call_started.clear()
        self._sent.clear()


@dataclass
class Webhook:
    gw: gateway.Gateway
    settings: config.LocalSettings
    url: str

    def request(self, sid: str, body: str) -> tuple[dict[str, str], bytes]:
        form = {
            "MessageSid": sid,
            "AccountSid": self.settings.twilio_account_sid,
            "From": CUSTOMER_NUMBER,
            "To": STORE_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        signature = RequestValidator(self.settings.twilio_auth_token).compute_signature(self.url, form)
        headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
        return headers, urlencode(form).encode()

    def post(self, sid: str, body: str = "Bonjour, la robe est-elle arrivée ?") -> gateway.Reply:
        return self.gw.invoke("POST", "/webhooks/twilio/sms", *self.request(sid, body))


def _new_sid() -> str:
    return "SM" + os.urandom(16).hex()


def _webhook_timing(webhook: Webhook, timer: DynamoTimer) -> int:
    matched = webhook.gw.match("POST", "/webhooks/twilio/sms")
    if matched is None:
        raise RuntimeError("no webhook route in template.yaml")
    route = matched[0]
    handler = webhook.gw.handler(route)
    # Warm: the thread known, store configuration and secret cached, DynamoDB Local's JIT settled
    for _ in range(WARM_UP):
        if webhook.post(_new_sid()).status != 200:
            raise RuntimeError("a warm-up webhook failed")
    requests_made, totals, ratios, wire_ratios = [], [], [], []
    scans = 0
    for _ in range(RUNS):
        headers, body = webhook.request(_new_sid(), "Bonjour, la robe est-elle arrivée ?")
        event = webhook.gw._event(route, "POST", route.path, "", headers, body, {}, None, "127.0.0.1")
        context = gateway.LambdaContext(function_name=route.function)
        timer.reset()
        start = time.perf_counter()
        result = handler(event, context)
        elapsed = time.perf_counter() - start
        if result["statusCode"] != 200:
            raise RuntimeError(f"webhook answered {result['statusCode']}")
        requests_made.append(sum(timer.calls.values()))
        scans += timer.calls.get("Scan", 0)
        totals.append(elapsed * 1000)
        ratios.append(elapsed / timer.seconds if timer.seconds else float("inf"))
        wire_ratios.append(elapsed / timer.wire_seconds if timer.wire_seconds else float("inf"))
    worst, p99, ratio = max(requests_made), statistics.quantiles(totals, n=100)[98], statistics.median(ratios)
    print("\n== Twilio inbound webhook, warm, in-process ==")
    checks = [
        (
            f"DynamoDB requests before answering: max {worst} (target <= {TARGET_REQUESTS}), scans {scans}",
            worst <= TARGET_REQUESTS and not scans,
        ),
        (
            f"time per webhook: p50 {statistics.median(totals):.1f} ms, p99 {p99:.1f} ms (target <= "
            f"{TARGET_P99_MS:.0f} ms; Twilio waits 15 s)",
            p99 <= TARGET_P99_MS,
        ),
        (
            f"webhook time / the bare DynamoDB calls it makes: median {ratio:.2f}x (target <= {TARGET_RATIO}x); "
            f"over their time on the wire alone: {statistics.median(wire_ratios):.2f}x",
            ratio <= TARGET_RATIO,
        ),
    ]
    return report(checks)


def _inbox_requests(gw: gateway.Gateway, timer: DynamoTimer, demo: Demo) -> int:
    paris = demo.stores["paris"]
    headers = {"authorization": "Bearer " + tokens.mint(demo.associates["paris_associate"][0], ["associate"], [paris])}
    checks = []
    for name, path in (("store inbox", f"/v1/stores/{paris}/inbox?limit=25"), ("my inbox", "/v1/inbox?limit=25")):
        gw.invoke("GET", path, headers, b"")
        timer.reset()
        status = gw.invoke("GET", path, headers, b"").status
        made = sum(timer.calls.values())
        checks.append((f"DynamoDB requests per {name} page: {made} (target 1)", status == 200 and made == 1))
    return report(checks)


def _replays(webhook: Webhook, local: stack.RunningStack, demo: Demo) -> int:
    from clienteling.messaging.domain.conversations import conversation_id

    sid = _new_sid()
    local.events.drain()
    answers = {webhook.post(sid, body="Un seul message").body for _ in range(6)}
    local.events.drain()
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    partition = f"CONV#{conversation_id(demo.stores['paris'], demo.customers['zoe'])}"
    items = table.query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :msg)",
        ExpressionAttributeValues={":pk": partition, ":msg": "MSG#"},
    )["Items"]
    stored = [m for m in items if m.get("provider_sid") == sid]
    events = [
        i
        for i in local.events.invocations(function="NotificationsFunction")
        if i.event.get("detail", {}).get("providerSid") == sid
    ]
    return report(
        [
            (
                f"one MessageSid delivered 6 times: {len(stored)} stored message, {len(events)} "
                f"MessageReceived event, {len(answers)} distinct answer",
                len(stored) == 1 and len(events) == 1 and len(answers) == 1,
            )
        ]
    )


def run() -> int:
    settings = config.LocalSettings.from_environment()
    with stack.running(settings, background_events=False) as local:
        timer = DynamoTimer()
        timer.install()
        from infra.local.seed import seed

        demo = seed()
        gw = gateway.Gateway(settings.jwt_secret)
        webhook = Webhook(gw, settings, f"{local.api_url}/webhooks/twilio/sms")
        return _webhook_timing(webhook, timer) + _inbox_requests(gw, timer, demo) + _replays(webhook, local, demo)
