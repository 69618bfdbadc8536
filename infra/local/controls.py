"""Developer controls of the local stack, served by the gateway under `/_local/` (never part of the product):

- `GET /_local/clock`: the stack's time (what product code reads).
- `POST /_local/clock` `{"advance": "14h"}` (or "90s", "15m", "2d", "PT14H"), `{"to": "2026-03-10T09:00:00Z"}`, or
  a wall time of a zone `{"to": "2026-03-10T10:01:00", "timeZone": "Europe/Paris"}`: move it forward; due
  schedules fire on the way, in order (campaign starts, parked recipients), before the answer comes back.
- `GET /_local/emails?to=<address>`: the emails SES (moto) accepted, newest last: recipient, subject, the text
  part and the unsubscribe link.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import requests

from infra.local.clock import Clock

_DURATION = re.compile(r"^(?:PT?)?(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$", re.IGNORECASE)
_SHORT = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d)$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """ "90s", "15m", "14h", "2d", or ISO 8601 "PT14H" / "P1DT2H"."""
    value = text.strip()
    short = _SHORT.match(value)
    if short:
        return timedelta(**{_UNITS[short.group(2).lower()]: float(short.group(1))})
    full = _DURATION.match(value)
    if not full or not any(full.groups()):
        raise ValueError(f"not a duration: {text!r} (try 90s, 15m, 14h, 2d or PT14H)")
    days, hours, minutes, seconds = (int(g or 0) for g in full.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class Reply:
    status: int
    body: dict[str, Any]


class LocalControls:
    def __init__(self, clock: Clock, moto_url: str) -> None:
        self._clock = clock
        self._moto = moto_url.rstrip("/")

    def handle(self, method: str, path: str, query: str, body: bytes) -> Reply | None:
        """The reply to a `/_local/` request, or None when the path is not one of them."""
        try:
            if path == "/_local/clock" and method == "GET":
                return Reply(HTTPStatus.OK, self._time())
            if path == "/_local/clock" and method == "POST":
                return Reply(HTTPStatus.OK, self._move(json.loads(body or b"{}")))
            if path == "/_local/emails" and method == "GET":
                return Reply(HTTPStatus.OK, {"emails": self.emails(dict(parse_qsl(query)).get("to"))})
        except (ValueError, TypeError, KeyError) as error:
            return Reply(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        return None

    def _time(self) -> dict[str, Any]:
        return {"now": self._clock.now().isoformat(), "movable": self._clock.is_movable}

    def _move(self, request: dict[str, Any]) -> dict[str, Any]:
        if "to" in request:
            target = datetime.fromisoformat(str(request["to"]).replace("Z", "+00:00"))
            if target.tzinfo is None:
                target = target.replace(tzinfo=ZoneInfo(str(request.get("timeZone") or "UTC")))
        elif "advance" in request:
            target = self._clock.now() + parse_duration(str(request["advance"]))
        else:
            raise ValueError('send {"advance": "14h"} or {"to": "2026-03-10T09:00:00Z"}')
        self._clock.set(target)
        return self._time()

    def emails(self, to: str | None = None) -> list[dict[str, Any]]:
        data = requests.get(f"{self._moto}/moto-api/data.json", timeout=10).json()
        found = []
        for raw in data.get("ses", {}).get("RawMessage", []):
            message = email.message_from_string(str(raw.get("raw_data", "")), policy=email.policy.default)
            recipients = str(message.get("To", ""))
            if to and to.lower() not in recipients.lower():
                continue
            found.append(
                {
                    "to": recipients,
                    "from": str(message.get("From", "")),
                    "subject": str(message.get("Subject", "")),
                    "listUnsubscribe": str(message.get("List-Unsubscribe", "")).strip("<>") or None,
                    "listUnsubscribePost": message.get("List-Unsubscribe-Post"),
                    "text": _text_part(message),
                }
            )
        return found


def _text_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""
