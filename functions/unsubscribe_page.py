"""Unsubscribe (public): the one-click link of campaign emails (GET, from the email) and RFC 8058's POST (from the
mail client's button) set email marketing consent to opted_out; a small page confirms it. No login: the link is
signed."""

from __future__ import annotations

import html
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from clienteling.campaigns.services.unsubscribe import Outcome, Result, UnsubscribeService
from clienteling.campaigns.wiring import unsubscribe_service
from clienteling.edge import http_entrypoint, install_error_responses

app = APIGatewayHttpResolver(enable_validation=True)
install_error_responses(app)

Service = Annotated[UnsubscribeService, Depends(unsubscribe_service)]
Token = Annotated[str, Path(max_length=300)]

_TEXT = {
    "en": {
        Outcome.UNSUBSCRIBED: "You are unsubscribed: you will not receive our marketing emails any more.",
        Outcome.ALREADY: "You were already unsubscribed from our marketing emails.",
        Outcome.TEST: "This link came in a test email: nothing changed.",
        Outcome.INVALID: "This link is not valid. Reply to the email and we will unsubscribe you.",
    },
    "fr": {
        Outcome.UNSUBSCRIBED: "Vous êtes désabonné(e) : vous ne recevrez plus nos emails marketing.",
        Outcome.ALREADY: "Vous étiez déjà désabonné(e) de nos emails marketing.",
        Outcome.TEST: "Ce lien vient d'un email de test : rien n'a changé.",
        Outcome.INVALID: "Ce lien n'est pas valide. Répondez à l'email et nous vous désabonnerons.",
    },
}


def _page(result: Result) -> Response[str]:
    language = result.locale.split("-")[0] if result.locale.split("-")[0] in _TEXT else "en"
    title = html.escape(result.brand or "Unsubscribe")
    message = html.escape(_TEXT[language][result.outcome])
    body = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{title}</title></head><body style="font-family:sans-serif;max-width:32em;margin:4em auto">'
        f"<h1>{title}</h1><p>{message}</p></body></html>"
    )
    status = 400 if result.outcome == Outcome.INVALID else 200
    return Response(
        status_code=status,
        content_type=f"{content_types.TEXT_HTML}; charset=utf-8",
        body=body,
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )


@app.get("/email/unsubscribe/<token>", summary="One-click unsubscribe link of a campaign email", tags=["Public"])
def unsubscribe_link(token: Token, service: Service) -> Response[str]:
    return _page(service.unsubscribe(token))


@app.post(
    "/email/unsubscribe/<token>", summary="RFC 8058 one-click unsubscribe (List-Unsubscribe-Post)", tags=["Public"]
)
def unsubscribe_one_click(token: Token, service: Service) -> Response[str]:
    return _page(service.unsubscribe(token))


lambda_handler = http_entrypoint(app, json_only=False)
