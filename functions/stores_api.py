"""Stores API (admins configure stores; associates read theirs)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.directory.contracts.stores import StoreCreate, StoreOut, StoreUpdate
from clienteling.directory.services.stores import StoreService
from clienteling.directory.wiring import store_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Stores = Annotated[StoreService, Depends(store_service)]
StoreId = Annotated[Id, Path(description="Store id")]


def _one(store: object, status: int = 200) -> Response[StoreOut]:
    body = StoreOut.model_validate(store, from_attributes=True)
    return versioned(body, body.version, status)


@app.post("/v1/stores", tags=["Stores"], summary="Create a store (admin)", responses=ERROR_RESPONSES)
def create_store(body: Annotated[StoreCreate, Body()], caller: CallerDep, stores: Stores) -> Response[StoreOut]:
    return _one(stores.create(caller, body), 201)


@app.get("/v1/stores", tags=["Stores"], summary="The stores you work in (admins: all)", responses=ERROR_RESPONSES)
def list_stores(
    caller: CallerDep,
    stores: Stores,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Page[StoreOut]:
    page = stores.list_visible(caller, limit=limit, cursor=cursor)
    return Page[StoreOut](
        items=[StoreOut.model_validate(s, from_attributes=True) for s in page.items], next_cursor=page.cursor
    )


@app.get("/v1/stores/<store_id>", tags=["Stores"], summary="One store", responses=ERROR_RESPONSES)
def get_store(store_id: StoreId, caller: CallerDep, stores: Stores) -> Response[StoreOut]:
    return _one(stores.get(caller, store_id))


@app.patch("/v1/stores/<store_id>", tags=["Stores"], summary="Change a store (admin)", responses=ERROR_RESPONSES)
def update_store(
    store_id: StoreId,
    body: Annotated[StoreUpdate, Body()],
    caller: CallerDep,
    stores: Stores,
    if_match_header: Annotated[str | None, Header(alias="If-Match", description="The ETag you read")] = None,
) -> Response[StoreOut]:
    return _one(stores.update(caller, store_id, body, expected_version=if_match(if_match_header)))


lambda_handler = http_entrypoint(app)
