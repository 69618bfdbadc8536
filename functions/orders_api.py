"""Orders API: orders paid through cart links, with their sale attribution."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from clienteling.commerce.contracts.carts import OrderOut
from clienteling.commerce.services.orders import OrderService
from clienteling.commerce.wiring import order_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Orders = Annotated[OrderService, Depends(order_service)]
TAGS = ["Orders"]


def _out(order: object) -> OrderOut:
    return OrderOut.model_validate(order, from_attributes=True)


@app.get("/v1/orders/<order_id>", tags=TAGS, summary="One order of your stores", responses=ERROR_RESPONSES)
def get_order(order_id: Annotated[Id, Path()], caller: CallerDep, orders: Orders) -> OrderOut:
    return _out(orders.get(caller, order_id))


@app.get(
    "/v1/customers/<customer_id>/orders", tags=TAGS,
    summary="A customer's orders in your stores, newest first",
    description="Store-scoped as GET /v1/orders/{id} is: orders of the caller's stores (every store's for an "
    "admin). A page may hold fewer than `limit` orders and still end with nextCursor.",
    responses=ERROR_RESPONSES,
)  # fmt: skip
def customer_orders(
    customer_id: Annotated[Id, Path()],
    caller: CallerDep,
    orders: Orders,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Page[OrderOut]:
    page = orders.for_customer(caller, customer_id, limit=limit, cursor=cursor)
    return Page[OrderOut](items=[_out(o) for o in page.items], next_cursor=page.cursor)


lambda_handler = http_entrypoint(app)
