"""TwiML answers to Twilio's messaging webhook, built with twilio-python's own builder (escaping included)."""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]


def twiml(reply: str | None) -> str:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)
