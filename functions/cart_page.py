"""The customer's cart page (public): GET /c/{token} as HTML, GET /c/{token}.json as JSON. One read per view."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from clienteling.commerce.contracts.carts import CartPageOut, cart_page_out
from clienteling.commerce.services.cart_pages import CartPageService
from clienteling.commerce.web.pages import preferred_language, render_cart_page, render_notice
from clienteling.commerce.wiring import cart_page_service
from clienteling.edge import http_entrypoint, install_error_responses, to_json
from clienteling.edge.errors import error_body
from clienteling.kernel.config import get_settings
from clienteling.kernel.errors import Gone, NotFound
from clienteling.web import headers as web_headers

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)


def security_headers(nonce: str) -> dict[str, str]:
    """The page shows a customer's cart: the customer pages' headers, product pictures from the image CDN."""
    return web_headers.security_headers(nonce, images=get_settings().cart_page_image_sources)


@app.get(
    "/c/<token>",
    tags=["Customer page"],
    summary="The customer's cart page: HTML, or JSON with the same data when the token ends in .json",
    responses={
        200: {
            "description": "The cart (text/html), or its data for /c/{token}.json",
            "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"model": CartPageOut}},
        },
        404: {"description": "No such cart (a friendly page)"},
        410: {"description": "The cart expired at the store's midnight (a friendly page)"},
    },
)
def cart_page(
    token: Annotated[str, Path(max_length=200, description="The link's token; add .json for JSON")],
    pages: Annotated[CartPageService, Depends(cart_page_service)],
) -> Response[Any]:
    as_json = token.endswith(".json")
    nonce = secrets.token_urlsafe(16)
    headers = security_headers(nonce)
    try:
        page = pages.view(token.removesuffix(".json"))
    except (NotFound, Gone) as refusal:
        status, kind = (410, "gone") if isinstance(refusal, Gone) else (404, "not_found")
        if as_json:
            return Response(status, "application/json", to_json(error_body(refusal.code, refusal.message)), headers)
        language = preferred_language(app.current_event.headers.get("accept-language"))
        return Response(
            status, "text/html; charset=utf-8", render_notice(kind, language=language, nonce=nonce), headers
        )
    view = cart_page_out(page)
    if as_json:
        return Response(200, "application/json", view.model_dump_json(by_alias=True), headers)
    html = render_cart_page(view, time_zone=page.page.time_zone, nonce=nonce)
    return Response(200, "text/html; charset=utf-8", html, headers)


lambda_handler = http_entrypoint(app)
