"""Helpers for messaging tests: a customer texting the store through the Twilio simulator, and polling."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import requests

from infra.local.stack import RunningStack

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode()


class Phone:
    """The customer's phone, as the Twilio simulator sees it."""

    def __init__(self, stack: RunningStack, number: str) -> None:
        self.stack = stack
        self.number = number

    def text(self, to: str, body: str, *, media: int = 0) -> dict[str, Any]:
        payload: dict[str, Any] = {"from": self.number, "to": to, "body": body}
        if media:
            payload["media"] = [{"contentType": "image/png", "base64": PNG} for _ in range(media)]
        response = requests.post(f"{self.stack.twilio.base_url}/_sim/inbound", json=payload, timeout=30)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def replay(self, message_sid: str) -> dict[str, Any]:
        response = requests.post(
            f"{self.stack.twilio.base_url}/_sim/inbound", params={"replay": message_sid}, json={}, timeout=30
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def inbox(self) -> list[dict[str, Any]]:
        """What the phone shows, oldest first."""
        response = requests.get(
            f"{self.stack.twilio.base_url}/_sim/messages", params={"phone": self.number}, timeout=30
        )
        return list(response.json()["messages"])

    def received(self) -> list[str]:
        return [m.get("body") or "" for m in self.inbox() if m.get("to") == self.number]


def eventually(check: Callable[[], Any], timeout: float = 10) -> Any:
    """Poll until `check` returns something truthy (asynchronous provider callbacks), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
