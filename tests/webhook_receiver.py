"""A tiny local HTTP endpoint standing in for the product's webhooks in provider tests: it records every call
and answers as our real endpoints do (empty TwiML to Twilio's forms, "[accepted]" to Adyen's JSON)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from requests.structures import CaseInsensitiveDict

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True)
class ReceivedWebhook:
    url: str  # the full URL called, as a webhook handler must rebuild it to check the signature
    path: str
    headers: CaseInsensitiveDict[str]
    body: bytes

    @property
    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode(), keep_blank_values=True)

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.form)

    @property
    def signature(self) -> str:
        return self.headers.get("X-Twilio-Signature", "")

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Records what it receives; `twiml` and `status` set the answer to form posts (Twilio)."""

    def __init__(self) -> None:
        self.twiml = EMPTY_TWIML
        self.status = 200
        self.base_url = ""
        self._calls: list[ReceivedWebhook] = []
        self._consumed = 0
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Where an Adyen simulator should post notifications."""
        return self.base_url + "/webhooks/adyen"

    def start(self) -> str:
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = CaseInsensitiveDict(dict(self.headers.items()))
                with receiver._changed:
                    receiver._calls.append(ReceivedWebhook(receiver.base_url + self.path, self.path, headers, body))
                    receiver._changed.notify_all()
                form = "x-www-form-urlencoded" in headers.get("Content-Type", "")
                reply, content_type = (receiver.twiml.encode(), "text/xml") if form else (b"[accepted]", "text/plain")
                self.send_response(receiver.status if form else 200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def calls(self) -> list[ReceivedWebhook]:
        with self._changed:
            return list(self._calls)

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()
            self._consumed = 0

    def wait_for(
        self, predicate: Callable[[ReceivedWebhook], bool] = lambda _: True, timeout: float = 10
    ) -> ReceivedWebhook:
        """The next call not yet waited for that matches, within `timeout` seconds; others are skipped."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                while self._consumed < len(self._calls):
                    call = self._calls[self._consumed]
                    self._consumed += 1
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0 or not self._changed.wait(left):
                    raise AssertionError(f"no matching webhook within {timeout:.0f}s")
