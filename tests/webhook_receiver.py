"""A tiny local HTTP endpoint that records the webhooks a provider simulator posts to it, for tests."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True)
class ReceivedWebhook:
    url: str  # the full URL called, as a webhook handler must rebuild it to check the signature
    path: str
    headers: dict[str, str]
    form: list[tuple[str, str]]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.form)

    @property
    def signature(self) -> str:
        return self.headers.get("X-Twilio-Signature", "")


class WebhookReceiver:
    """Answers every POST with `twiml` (status `status`) and queues what it received."""

    def __init__(self) -> None:
        self.twiml = EMPTY_TWIML
        self.status = 200
        self.base_url = ""
        self._received: queue.Queue[ReceivedWebhook] = queue.Queue()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                receiver._received.put(
                    ReceivedWebhook(
                        url=receiver.base_url + self.path,
                        path=self.path,
                        headers=dict(self.headers.items()),
                        form=parse_qsl(body, keep_blank_values=True),
                    )
                )
                reply = receiver.twiml.encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "text/xml")
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

    def wait_for(
        self, predicate: Callable[[ReceivedWebhook], bool] = lambda _: True, timeout: float = 10
    ) -> ReceivedWebhook:
        """The next received webhook that matches, within `timeout` seconds; others are dropped."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                webhook = self._received.get(timeout=left)
            except queue.Empty:
                break
            if predicate(webhook):
                return webhook
        raise AssertionError(f"no matching webhook within {timeout:.0f}s")
