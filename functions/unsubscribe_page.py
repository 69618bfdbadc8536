"""Unsubscribe (public): the one-click link of campaign emails. GET shows a confirmation page and changes nothing
(mail scanners and link prefetchers open every link); RFC 8058's one-click POST (List-Unsubscribe-Post, from the
mail client's button) and the page's button (a form POST to the same URL) set email marketing consent to
opted_out. No login: the link is signed.

No CSRF token: the signed token in the URL is the capability. A forged cross-site POST can only be made by someone
who already holds the link, and with it they can POST directly (RFC 8058 wants exactly that POST to work without
anything else: the mail client sends it without a session, a cookie or the page). The page keeps no session and
no cookie, so there is no ambient authority for another site to ride on; CSP form-action 'self' keeps the page's
own form from posting anywhere else.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from clienteling.campaigns.services.unsubscribe import Outcome, Result, UnsubscribeService
from clienteling.campaigns.wiring import unsubscribe_service
from clienteling.edge import http_entrypoint, install_error_responses
from clienteling.web.headers import preferred_language, security_headers
from clienteling.web.rendering import environment

app = APIGatewayHttpResolver(enable_validation=True)
install_error_responses(app)

Service = Annotated[UnsubscribeService, Depends(unsubscribe_service)]
Token = Annotated[str, Path(max_length=300)]

_WORDS = {
    "en": {
        "title": "Unsubscribe",
        Outcome.CONFIRM: "Do you want to stop receiving our marketing emails at this address?",
        "button": "Unsubscribe",
        "keep": "Nothing changes until you press the button. Emails about your orders keep coming.",
        Outcome.UNSUBSCRIBED: "You are unsubscribed: you will not receive our marketing emails any more.",
        Outcome.ALREADY: "You were already unsubscribed from our marketing emails.",
        Outcome.TEST: "This link came in a test email: nothing changed.",
        Outcome.INVALID: "This link is not valid. Reply to the email and we will unsubscribe you.",
    },
    "fr": {
        "title": "Désabonnement",
        Outcome.CONFIRM: "Voulez-vous ne plus recevoir nos emails marketing à cette adresse ?",
        "button": "Me désabonner",
        "keep": "Rien ne change tant que vous n'appuyez pas sur le bouton. Les emails de vos commandes continuent.",
        Outcome.UNSUBSCRIBED: "Vous êtes désabonné(e) : vous ne recevrez plus nos emails marketing.",
        Outcome.ALREADY: "Vous étiez déjà désabonné(e) de nos emails marketing.",
        Outcome.TEST: "Ce lien vient d'un email de test : rien n'a changé.",
        Outcome.INVALID: "Ce lien n'est pas valide. Répondez à l'email et nous vous désabonnerons.",
    },
}


def _language(result: Result) -> str:
    """The customer's home store's language, else the browser's (a test link, an erased customer)."""
    if result.locale and result.locale.split("-")[0] in _WORDS:
        return result.locale.split("-")[0]
    return preferred_language(app.current_event.headers.get("accept-language"))


def _page(result: Result) -> Response[str]:
    """The page; its form (the button) posts back to the page's own URL, the signed link."""
    language = _language(result)
    words = _WORDS[language]
    nonce = secrets.token_urlsafe(16)
    body = (
        environment()
        .get_template("unsubscribe.html")
        .render(
            lang=language,
            nonce=nonce,
            title=words["title"],
            brand=result.brand or "",
            heading=words["title"],
            text=words[result.outcome],
            confirm=result.outcome == Outcome.CONFIRM,
            button=words["button"],
            keep=words["keep"],
        )
    )
    return Response(
        status_code=400 if result.outcome == Outcome.INVALID else 200,
        content_type="text/html; charset=utf-8",
        body=body,
        headers=security_headers(nonce, form_action="'self'"),
    )


@app.get(
    "/email/unsubscribe/<token>",
    summary="The unsubscribe link of a campaign email: a confirmation page (changes nothing)",
    tags=["Public"],
)
def unsubscribe_link(token: Token, service: Service) -> Response[str]:
    return _page(service.preview(token))


@app.post(
    "/email/unsubscribe/<token>",
    summary="Unsubscribe: RFC 8058 one-click (List-Unsubscribe-Post) or the confirmation page's button",
    tags=["Public"],
)
def unsubscribe_one_click(token: Token, service: Service) -> Response[str]:
    return _page(service.unsubscribe(token))


lambda_handler = http_entrypoint(app, json_only=False)
