"""Customers API: profiles, search, and consent with its audit trail."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.directory.contracts.customers import (
    ConsentChange,
    ConsentEventOut,
    CustomerCreate,
    CustomerOut,
    CustomerSearchPage,
    CustomerUpdate,
    consent_event_out,
    customer_found,
    customer_out,
)
from clienteling.directory.domain.customers import Customer
from clienteling.directory.services.customers import CustomerService
from clienteling.directory.wiring import customer_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Customers = Annotated[CustomerService, Depends(customer_service)]
CustomerId = Annotated[Id, Path(description="Customer id")]
Cursor = Annotated[str | None, Query(max_length=1024, description="nextCursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]
TAGS = ["Customers"]


def _one(customer: Customer, status: int = 200) -> Response[CustomerOut]:
    return versioned(customer_out(customer), customer.version, status)


@app.post("/v1/customers", tags=TAGS, summary="Create a customer", responses=ERROR_RESPONSES)
def create_customer(
    body: Annotated[CustomerCreate, Body()], caller: CallerDep, customers: Customers
) -> Response[CustomerOut]:
    return _one(customers.create(caller, body), 201)


@app.get(
    "/v1/customers",
    tags=TAGS,
    summary="Find customers (one criterion) or list a store's",
    description="Customers of your stores come as `view: summary`, with their phone and email; customers of other "
    "stores as `view: reduced` (name, home store, customer number), unless you are an admin.",
    responses=ERROR_RESPONSES,
)
def find_customers(
    caller: CallerDep,
    customers: Customers,
    q: Annotated[
        str | None,
        Query(min_length=3, max_length=100, description="Name prefix, 3 characters at least; any case or accent"),
    ] = None,
    phone: Annotated[str | None, Query(max_length=32, description="Phone number in any format")] = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
    internal_id: Annotated[str | None, Query(alias="internalId", max_length=64)] = None,
    customer_number: Annotated[str | None, Query(alias="customerNumber", max_length=32)] = None,
    store_id: Annotated[str | None, Query(alias="storeId", max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> CustomerSearchPage:
    page = customers.find(
        caller,
        q=q,
        phone=phone,
        email=email,
        internal_id=internal_id,
        customer_number=customer_number,
        store_id=store_id,
        limit=limit,
        cursor=cursor,
    )
    return CustomerSearchPage(items=[customer_found(c) for c in page.items], next_cursor=page.cursor)


@app.get("/v1/customers/<customer_id>", tags=TAGS, summary="One customer", responses=ERROR_RESPONSES)
def get_customer(customer_id: CustomerId, caller: CallerDep, customers: Customers) -> Response[CustomerOut]:
    return _one(customers.get(caller, customer_id))


@app.patch(
    "/v1/customers/<customer_id>", tags=TAGS, summary="Change a customer (send If-Match)", responses=ERROR_RESPONSES
)
def update_customer(
    customer_id: CustomerId,
    body: Annotated[CustomerUpdate, Body()],
    caller: CallerDep,
    customers: Customers,
    if_match_header: Annotated[str | None, Header(alias="If-Match", description="The ETag you read")] = None,
) -> Response[CustomerOut]:
    return _one(customers.update(caller, customer_id, body, expected_version=if_match(if_match_header)))


@app.post(
    "/v1/customers/<customer_id>/consents",
    tags=TAGS,
    summary="Record a consent decision with its proof",
    responses=ERROR_RESPONSES,
)
def record_consent(
    customer_id: CustomerId, body: Annotated[ConsentChange, Body()], caller: CallerDep, customers: Customers
) -> Response[CustomerOut]:
    return _one(customers.record_consent(caller, customer_id, body), 201)


@app.get(
    "/v1/customers/<customer_id>/consents/history",
    tags=TAGS,
    summary="Consent audit trail, newest first",
    responses=ERROR_RESPONSES,
)
def consent_history(
    customer_id: CustomerId, caller: CallerDep, customers: Customers, cursor: Cursor = None, limit: Limit = 25
) -> Page[ConsentEventOut]:
    page = customers.consent_history(caller, customer_id, limit=limit, cursor=cursor)
    return Page[ConsentEventOut](items=[consent_event_out(e) for e in page.items], next_cursor=page.cursor)


lambda_handler = http_entrypoint(app)
