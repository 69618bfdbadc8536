"""Messaging figures: DynamoDB requests before the Twilio webhook answers and per inbox page, the warm webhook's
time (p99) against the DynamoDB calls it makes in the same run, and what 5 replays of one MessageSid leave.

The webhook handler is invoked in-process with the event the template-driven gateway builds from a correctly
signed Twilio form, as Twilio would post it. "Bare DynamoDB time" is the wall time of the webhook's own DynamoDB requests, measured
with botocore hooks around each request in the same invocation; the ratio is the handler's total over it.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import boto3
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from infra.local import config, gateway, stack, tokens

RUNS = 200
TARGET_REQUESTS = 2
TARGET_P99_MS = 50.0
TARGET_RATIO = 1.3


class DynamoTimer:
    """Counts DynamoDB requests and adds up the wall time each spends on the wire."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0
        self._started: dict[int, float] = {}

    def before(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def send(self, request: Any, **_: Any) -> None:
        self._started[id(request)] = time.perf_counter()

    def received(self, **kwargs: Any) -> None:
        # response-received carries no request; the only request in flight on this thread is the last started
        if self._started:
            key, start = self._started.popitem()
            self.seconds += time.perf_counter() - start

    def reset(self) -> None:
        self.calls.clear()
        self.seconds = 0.0
        self._started.clear()


def _signed(settings: config.LocalSettings, url: str, form: dict[str, str]) -> dict[str, str]:
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(url, form)
    return {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}


def run() -> int:
    settings = config.LocalSettings.from_environment()
    missed = 0
    with stack.running(settings, background_events=False) as local:
        boto3.setup_default_session()
        timer = DynamoTimer()
        session = boto3.DEFAULT_SESSION
        if session is None:
            raise RuntimeError("no default boto3 session")
        session.events.register("before-call.dynamodb", timer.before)
        session.events.register("before-send.dynamodb", timer.send)
        session.events.register("response-received.dynamodb", timer.received)
        from infra.local.seed import seed

        demo = seed()
        gw = gateway.Gateway(settings.jwt_secret)
        store_number = "+33142685300"  # the demo Paris store
        url = f"{local.api_url}/webhooks/twilio/sms"
        customer = "+33612345678"  # Zoë, a known customer

        def request(sid: str, body: str) -> tuple[dict[str, str], bytes]:
            form = {"MessageSid": sid, "AccountSid": settings.twilio_account_sid, "From": customer,
                    "To": store_number, "Body": body, "NumMedia": "0", "SmsStatus": "received",
                    "ApiVersion": "2010-04-01"}
            return _signed(settings, url, form), urlencode(form).encode()

        def inbound(sid: str, body: str = "Bonjour, la robe est-elle arrivée ?") -> gateway.Reply:
            return gw.invoke("POST", "/webhooks/twilio/sms", *request(sid, body))

        route, _ = gw.match("POST", "/webhooks/twilio/sms") or (None, None)
        if route is None:
            raise RuntimeError("no webhook route in template.yaml")
        handler = gw.handler(route)

        # Warm: the thread exists, the store's configuration and the secret are cached.
        assert inbound("SM" + os.urandom(16).hex()).status == 200
        requests_made: list[int] = []
        totals: list[float] = []
        ratios: list[float] = []
        scans = 0
        for _ in range(RUNS):
            # The event is built as the gateway builds it; only the handler is timed.
            headers, body = request("SM" + os.urandom(16).hex(), "Bonjour, la robe est-elle arrivée ?")
            event = gw._event(route, "POST", route.path, "", headers, body, {}, None, "127.0.0.1")  # noqa: SLF001
            context = gateway.LambdaContext(function_name=route.function)
            timer.reset()
            start = time.perf_counter()
            result = handler(event, context)
            elapsed = time.perf_counter() - start
            if result["statusCode"] != 200:
                raise RuntimeError(f"webhook answered {result['statusCode']}: {result.get('body')!r}")
            requests_made.append(sum(timer.calls.values()))
            scans += timer.calls.get("Scan", 0)
            totals.append(elapsed * 1000)
            ratios.append(elapsed / timer.seconds if timer.seconds else float("inf"))
        worst_requests = max(requests_made)
        p99 = statistics.quantiles(totals, n=100)[98]
        ratio = statistics.median(ratios)
        print("\n== Twilio inbound webhook, warm, in-process through the gateway ==")
        line = f"DynamoDB requests before answering: max {worst_requests} (target <= {TARGET_REQUESTS}), scans {scans}"
        print(line + ("" if worst_requests <= TARGET_REQUESTS and not scans else "   <-- MISSED"))
        missed += worst_requests > TARGET_REQUESTS or scans > 0
        print(f"time per webhook: p50 {statistics.median(totals):.1f} ms, p99 {p99:.1f} ms (target <= "
              f"{TARGET_P99_MS:.0f} ms, Twilio waits 15 s){'' if p99 <= TARGET_P99_MS else '   <-- MISSED'}")
        missed += p99 > TARGET_P99_MS
        print(f"webhook time / its own DynamoDB time: median {ratio:.2f}x (target <= {TARGET_RATIO}x)"
              f"{'' if ratio <= TARGET_RATIO else '   <-- MISSED'}")
        missed += ratio > TARGET_RATIO

        # Inbox page
        paris = demo.stores["paris"]
        associate = tokens.mint(demo.associates["paris_associate"][0], ["associate"], [paris])
        headers = {"authorization": f"Bearer {associate}"}
        gw.invoke("GET", f"/v1/stores/{paris}/inbox", headers, b"")
        timer.reset()
        page = gw.invoke("GET", f"/v1/stores/{paris}/inbox?limit=25", headers, b"")
        inbox_requests = sum(timer.calls.values())
        print(f"DynamoDB requests per store inbox page: {inbox_requests} (target 1)"
              f"{'' if page.status == 200 and inbox_requests == 1 else '   <-- MISSED'}")
        missed += inbox_requests != 1
        timer.reset()
        gw.invoke("GET", "/v1/inbox?limit=25", headers, b"")
        mine = sum(timer.calls.values())
        print(f"DynamoDB requests per my-inbox page: {mine} (target 1){'' if mine == 1 else '   <-- MISSED'}")
        missed += mine != 1

        # One MessageSid delivered 6 times (the original and 5 replays)
        sid = "SM" + os.urandom(16).hex()
        local.events.drain()
        answers = {inbound(sid, body="Un seul message").body for _ in range(6)}
        local.events.drain()
        conversation = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
        from clienteling.domain.conversations import conversation_id

        zoe = demo.customers["zoe"]
        stored = [m for m in conversation.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :msg)",
            ExpressionAttributeValues={":pk": f"CONV#{conversation_id(paris, zoe)}", ":msg": "MSG#"})["Items"]
            if m.get("provider_sid") == sid]
        events = [i for i in local.events.invocations(function="NotificationsFunction")
                  if i.event.get("detail", {}).get("providerSid") == sid]
        ok = len(stored) == 1 and len(events) == 1 and len(answers) == 1
        missed += not ok
        print(f"one MessageSid delivered 6 times: {len(stored)} stored message, {len(events)} MessageReceived "
              f"event, {len(answers)} distinct answer{'' if ok else '   <-- MISSED'}")
    return missed
