"""Carts API: one remote cart per (customer, store), changed with If-Match, shared by SMS with a payment link."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.commerce.contracts.carts import (
    CartChange,
    CartOut,
    LineAdd,
    LineChange,
    ShareIn,
    ShareResult,
    cart_out,
)
from clienteling.commerce.domain.carts import Cart
from clienteling.commerce.services.carts import CartService
from clienteling.commerce.wiring import cart_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import etag, if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES, Id

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Carts = Annotated[CartService, Depends(cart_service)]
CartId = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{1,40}_[0-9A-Za-z]{1,40}$", description="<storeId>_<customerId>")]
LineId = Annotated[Id, Path(description="Line id")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The cart's ETag you read")]
TAGS = ["Carts"]


def _one(cart: Cart, carts: CartService, status: int = 200) -> Response[CartOut]:
    return versioned(cart_out(cart, carts.page_url(cart)), cart.version, status)


@app.get(
    "/v1/customers/<customer_id>/cart",
    tags=TAGS,
    summary="The customer's cart in a store (empty when none or expired; its ETag is the version to send)",
    responses=ERROR_RESPONSES,
)
def customer_cart(
    customer_id: Annotated[Id, Path()],
    caller: CallerDep,
    carts: Carts,
    store_id: Annotated[Id, Query(alias="storeId")],
) -> Response[CartOut]:
    return _one(carts.for_customer(caller, customer_id, store_id), carts)


@app.get("/v1/carts/<cart_id>", tags=TAGS, summary="One cart", responses=ERROR_RESPONSES)
def get_cart(cart_id: CartId, caller: CallerDep, carts: Carts) -> Response[CartOut]:
    return _one(carts.get(caller, cart_id), carts)


@app.post(
    "/v1/carts/<cart_id>/lines",
    tags=TAGS,
    summary="Add a product (the same product and fulfillment adds up)",
    responses=ERROR_RESPONSES,
)
def add_line(
    cart_id: CartId, body: Annotated[LineAdd, Body()], caller: CallerDep, carts: Carts, if_match_header: IfMatch = None
) -> Response[CartOut]:
    return _one(carts.add_line(caller, cart_id, body, expected_version=if_match(if_match_header)), carts)


@app.patch(
    "/v1/carts/<cart_id>/lines/<line_id>",
    tags=TAGS,
    summary="Change a line's quantity, fulfillment or discount",
    responses=ERROR_RESPONSES,
)
def change_line(
    cart_id: CartId,
    line_id: LineId,
    body: Annotated[LineChange, Body()],
    caller: CallerDep,
    carts: Carts,
    if_match_header: IfMatch = None,
) -> Response[CartOut]:
    cart = carts.change_line(caller, cart_id, line_id, body, expected_version=if_match(if_match_header))
    return _one(cart, carts)


@app.delete("/v1/carts/<cart_id>/lines/<line_id>", tags=TAGS, summary="Remove a line", responses=ERROR_RESPONSES)
def remove_line(
    cart_id: CartId, line_id: LineId, caller: CallerDep, carts: Carts, if_match_header: IfMatch = None
) -> Response[CartOut]:
    return _one(carts.remove_line(caller, cart_id, line_id, expected_version=if_match(if_match_header)), carts)


@app.patch(
    "/v1/carts/<cart_id>",
    tags=TAGS,
    summary="Cart discount, delivery address and shipping option (null clears)",
    responses=ERROR_RESPONSES,
)
def update_cart(
    cart_id: CartId,
    body: Annotated[CartChange, Body()],
    caller: CallerDep,
    carts: Carts,
    if_match_header: IfMatch = None,
) -> Response[CartOut]:
    return _one(carts.update(caller, cart_id, body, expected_version=if_match(if_match_header)), carts)


@app.delete("/v1/carts/<cart_id>", tags=TAGS, summary="Empty the cart", responses=ERROR_RESPONSES)
def empty_cart(cart_id: CartId, caller: CallerDep, carts: Carts, if_match_header: IfMatch = None) -> Response[CartOut]:
    return _one(carts.empty(caller, cart_id, expected_version=if_match(if_match_header)), carts)


@app.post(
    "/v1/carts/<cart_id>/share",
    tags=TAGS,
    summary="Text the customer their cart's link (a payment link for this version is made or kept)",
    responses={
        **ERROR_RESPONSES,
        503: {"description": "The payment provider did not answer; retry"},
    },
)
def share_cart(
    cart_id: CartId,
    caller: CallerDep,
    carts: Carts,
    body: Annotated[ShareIn | None, Body()] = None,
    if_match_header: Annotated[
        str | None, Header(alias="If-Match", description="Optional: share only if the cart is still this version")
    ] = None,
) -> Response[ShareResult]:
    expected = if_match(if_match_header) if if_match_header else None
    shared = carts.share(caller, cart_id, body.message if body else None, expected_version=expected)
    result = ShareResult(
        cart=cart_out(shared.cart, shared.page_url),
        page_url=shared.page_url,
        payment_url=shared.cart.share.pay_url if shared.cart.share else "",
        message_id=shared.message.id,
        message_status=shared.message.status.value,
    )
    return Response(
        status_code=200, content_type="application/json", body=result, headers={"ETag": etag(shared.cart.version)}
    )


lambda_handler = http_entrypoint(app)
