"""Loyalty API: purchases at the till, the store's transactions, a customer's loyalty view and card, and
managers' points adjustments."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.kernel.wire import ERROR_RESPONSES, REFUSAL_RESPONSES, Id, Page
from clienteling.loyalty.contracts.loyalty import (
    AdjustmentOut,
    CardOut,
    LoyaltyOut,
    PointsAdjustment,
    PurchaseCreate,
    PurchaseOut,
    TillTransactionOut,
)
from clienteling.loyalty.contracts.mapping import customer_card_out, loyalty_out, transaction_out
from clienteling.loyalty.domain.loyalty import TransactionType
from clienteling.loyalty.services.loyalty import LoyaltyService
from clienteling.loyalty.services.purchases import PurchaseService
from clienteling.loyalty.wiring import loyalty_service, purchase_service

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Purchases = Annotated[PurchaseService, Depends(purchase_service)]
Loyalty = Annotated[LoyaltyService, Depends(loyalty_service)]
StoreId = Annotated[Id, Path(description="Store id")]
CustomerId = Annotated[Id, Path(description="Customer id")]
Cursor = Annotated[str | None, Query(max_length=1024, description="nextCursor of the previous page")]
TAGS = ["Loyalty"]


@app.post(
    "/v1/stores/<store_id>/purchases",
    tags=TAGS,
    summary="Record a purchase at the till: earn points, redeem rewards and gift cards (send Idempotency-Key)",
    responses=REFUSAL_RESPONSES,
)
def record_purchase(
    store_id: StoreId,
    body: Annotated[PurchaseCreate, Body()],
    caller: CallerDep,
    purchases: Purchases,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=128,
            pattern=r"^[0-9A-Za-z_.:-]+$",
            description="The till's id for this purchase: a retry with the same key records nothing twice",
        ),
    ] = None,
) -> Response[PurchaseOut]:
    recorded = purchases.record(caller, store_id, body, idempotency_key=idempotency_key)
    return Response(
        status_code=201 if recorded.created else 200,
        content_type=content_types.APPLICATION_JSON,
        body=recorded.purchase,
        headers={"Idempotent-Replayed": "false" if recorded.created else "true"},
    )


@app.get(
    "/v1/stores/<store_id>/transactions",
    tags=TAGS,
    summary="The till's transactions of one day (the store's time zone; today by default), oldest first",
    responses=ERROR_RESPONSES,
)
def list_transactions(
    store_id: StoreId,
    caller: CallerDep,
    loyalty: Loyalty,
    day: Annotated[date | None, Query(description="YYYY-MM-DD in the store's time zone")] = None,
    type_: Annotated[TransactionType | None, Query(alias="type")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[TillTransactionOut]:
    _, page = loyalty.transactions(caller, store_id, day=day, kind=type_, limit=limit, cursor=cursor)
    return Page[TillTransactionOut](items=[transaction_out(t) for t in page.items], next_cursor=page.cursor)


@app.get(
    "/v1/customers/<customer_id>/loyalty",
    tags=TAGS,
    summary="Points balance, ledger page, rewards available now, frequent-buyer progress, next expiry",
    responses=ERROR_RESPONSES,
)
def get_loyalty(
    customer_id: CustomerId,
    caller: CallerDep,
    loyalty: Loyalty,
    store_id: Annotated[str | None, Query(alias="storeId", max_length=64, description="Rewards usable here")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> LoyaltyOut:
    view = loyalty.view(caller, customer_id, store_id=store_id, limit=limit, cursor=cursor)
    return loyalty_out(
        view.customer,
        account=view.account,
        available=view.available,
        cards=view.cards,
        ledger=view.ledger.items,
        cursor=view.ledger.cursor,
    )


@app.get(
    "/v1/customers/<customer_id>/card",
    tags=TAGS,
    summary="The customer's card: number, QR code (PNG and SVG) and Code 128 barcode (SVG)",
    responses=ERROR_RESPONSES,
)
def get_card(customer_id: CustomerId, caller: CallerDep, loyalty: Loyalty) -> CardOut:
    customer, codes = loyalty.card(caller, customer_id)
    return customer_card_out(customer, codes.qr_png, codes.qr_svg, codes.barcode_svg)


@app.post(
    "/v1/customers/<customer_id>/points-adjustments",
    tags=TAGS,
    summary="Managers: add or take points with a reason",
    responses=REFUSAL_RESPONSES,
)
def adjust_points(
    customer_id: CustomerId, body: Annotated[PointsAdjustment, Body()], caller: CallerDep, loyalty: Loyalty
) -> Response[AdjustmentOut]:
    account = loyalty.adjust(caller, customer_id, body)
    return Response(
        status_code=201, content_type=content_types.APPLICATION_JSON, body=AdjustmentOut(points_balance=account.points)
    )


lambda_handler = http_entrypoint(app)
