"""Gift cards API: sell at the till (physical or virtual), check a balance, refund onto a card. Card numbers
travel in bodies, never in paths (paths reach access logs)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.kernel.wire import REFUSAL_RESPONSES, Id
from clienteling.loyalty.contracts.gift_cards import (
    GiftCardCheck,
    GiftCardOut,
    GiftCardRefund,
    GiftCardSale,
    GiftCardSold,
    gift_card_out,
)
from clienteling.loyalty.services.gift_cards import GiftCardService
from clienteling.loyalty.wiring import gift_card_service

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
GiftCards = Annotated[GiftCardService, Depends(gift_card_service)]
StoreId = Annotated[Id, Path(description="Store id")]
TAGS = ["Gift cards"]


@app.post(
    "/v1/stores/<store_id>/gift-cards",
    tags=TAGS,
    summary="Sell a gift card (a virtual one is emailed to its recipient)",
    responses=REFUSAL_RESPONSES,
)
def sell_gift_card(
    store_id: StoreId, body: Annotated[GiftCardSale, Body()], caller: CallerDep, gift_cards: GiftCards
) -> Response[GiftCardSold]:
    sold = gift_cards.sell(caller, store_id, body)
    out = GiftCardSold(
        number=sold.card.number,
        kind=sold.card.kind,
        currency=sold.card.currency,
        balance_minor=sold.card.balance_minor,
        expires_on=sold.card.expires_on,
        pin=sold.pin,
        sent_to=sold.sent_to,
        transaction_id=sold.transaction_id,
    )
    return Response(
        status_code=201, content_type=content_types.APPLICATION_JSON, body=out, headers={"Cache-Control": "no-store"}
    )


@app.post(
    "/v1/gift-cards/balance",
    tags=TAGS,
    summary="A card's balance and movements (with its PIN when it has one)",
    responses=REFUSAL_RESPONSES,
)
def check_gift_card(body: Annotated[GiftCardCheck, Body()], caller: CallerDep, gift_cards: GiftCards) -> GiftCardOut:
    card, movements = gift_cards.check(caller, body)
    return gift_card_out(card, movements)


@app.post(
    "/v1/stores/<store_id>/gift-card-refunds",
    tags=TAGS,
    summary="Put an amount back onto a card (never more than was taken from it)",
    responses=REFUSAL_RESPONSES,
)
def refund_gift_card(
    store_id: StoreId, body: Annotated[GiftCardRefund, Body()], caller: CallerDep, gift_cards: GiftCards
) -> Response[GiftCardOut]:
    card = gift_cards.refund(caller, store_id, body)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=gift_card_out(card, []))


lambda_handler = http_entrypoint(app)
