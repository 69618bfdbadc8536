"""Loyalty: DynamoDB requests per purchase at the till (with a reward and a gift-card payment: the target is one
TransactWriteItems plus the reads it needs, docs/data-model.md AP-L13) and per loyalty read, on the local stack,
counted as benchmarks/requests_and_cpu.py counts them; warm handler CPU alongside, for information."""

from __future__ import annotations

import json
import statistics
import uuid
from typing import Any

import boto3

from benchmarks.requests_and_cpu import Operation, RequestCounter, _invoke_timed, documented_requests
from infra.local import config, gateway, stack, tokens

CPU_RUNS = 20


def run() -> int:
    documented = documented_requests()
    settings = config.LocalSettings.from_environment()
    # No background event runtime: the purchase's own requests are counted, not its consumers' (points for
    # paid orders, the audience's last-purchase date) that the outbox starts on other threads.
    with stack.running(settings, background_events=False):
        boto3.setup_default_session()
        counter = RequestCounter()
        session = boto3.DEFAULT_SESSION
        if session is None:
            raise RuntimeError("no default boto3 session")
        session.events.register("before-call.dynamodb", counter)
        from infra.local.seed import seed

        demo = seed()
        gw = gateway.Gateway(settings.jwt_secret)
        paris = demo.stores["paris"]
        manager = tokens.mint(demo.associates["paris_manager"][0], ["manager"], [paris])
        associate = tokens.mint(demo.associates["paris_associate"][0], ["associate"], [paris])
        zoe = demo.customers["zoe"]

        def h(token: str, **extra: str) -> dict[str, str]:
            return {"authorization": f"Bearer {token}", "content-type": "application/json", **extra}

        def call(method: str, path: str, token: str, body: object = None) -> dict[str, Any]:
            response = gw.invoke(method, path, h(token), json.dumps(body).encode() if body is not None else b"")
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: {response.status} {response.body!r}")
            return dict(json.loads(response.body))

        # Plenty of points and a well-stocked gift card, so every timed purchase can redeem both
        call(
            "POST",
            f"/v1/customers/{zoe}/points-adjustments",
            manager,
            {"storeId": paris, "points": 10**6, "reason": "bench"},
        )
        card = call("POST", f"/v1/stores/{paris}/gift-cards", associate, {"kind": "virtual", "amountMinor": 10**8})
        number = call("GET", f"/v1/customers/{zoe}", associate)["customerNumber"]
        gift = demo.loyalty["REWARD_GIFT"]

        def purchase(customer: dict[str, str]) -> bytes:
            return json.dumps(
                {
                    "customer": customer,
                    "lines": [{"categoryId": "candles", "unitPriceMinor": 3900}, {"unitPriceMinor": 2500}],
                    "totalMinor": 6400,
                    "rewards": [{"rewardId": gift}],
                    "giftCards": [{"number": card["number"], "pin": card["pin"], "amountMinor": 1000}],
                }
            ).encode()

        def keyed() -> dict[str, str]:
            return h(associate, **{"idempotency-key": uuid.uuid4().hex})

        ops = [
            Operation(
                "purchase: reward + gift card (id)",
                ["AP-L13"],
                lambda: ("POST", f"/v1/stores/{paris}/purchases", keyed(), purchase({"id": zoe})),
            ),
            Operation(
                "purchase: reward + gift card (card scan)",
                ["AP-L14"],
                lambda: (
                    "POST",
                    f"/v1/stores/{paris}/purchases",
                    keyed(),
                    purchase({"customerNumber": f"{number[:5]} {number[5:]}"}),
                ),
            ),
            Operation(
                "GET /v1/customers/{id}/loyalty",
                ["AP-L15"],
                lambda: ("GET", f"/v1/customers/{zoe}/loyalty?storeId={paris}", h(associate), b""),
            ),
            Operation(
                "GET /v1/stores/{id}/transactions",
                ["AP-L6"],
                lambda: ("GET", f"/v1/stores/{paris}/transactions?type=purchase", h(associate), b""),
            ),
            Operation(
                "GET /v1/customers/{id}/card",
                ["AP-L16"],
                lambda: ("GET", f"/v1/customers/{zoe}/card", h(associate), b""),
            ),
        ]
        missed = 0
        print("\n== Loyalty: DynamoDB requests per operation (warm function) vs docs/data-model.md ==")
        print(f"{'operation':<44}{'made':>6}{'documented':>12}{'scans':>7}{'cpu p50 ms':>12}  requests")
        for op in ops:
            gw.invoke(*op.request())  # warm: caches (store, earning rule, programs, cards) are not what we count
            request = op.request()
            counter.reset()
            status, _ = _invoke_timed(gw, *request)
            calls = dict(counter.calls)
            made = sum(calls.values())
            expected = sum(documented.get(p, -100) for p in op.patterns)
            ok = status < 400 and made == expected and not calls.get("Scan")
            missed += not ok
            cpu = statistics.median(_invoke_timed(gw, *op.request())[1] for _ in range(CPU_RUNS))
            detail = " + ".join(f"{n} {name}" for name, n in sorted(calls.items()))
            print(
                f"{op.name:<44}{made:>6}{expected:>12}{calls.get('Scan', 0):>7}{cpu:>12.2f}  {detail}"
                f"{'' if ok else f'   <-- MISSED (status {status})'}"
            )
        return missed
