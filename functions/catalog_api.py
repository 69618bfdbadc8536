"""Catalog API: bulk import (admins), product search, lookups by SKU and barcode, categories."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from clienteling.directory.contracts.catalog import CategoryIn, CategoryOut, ImportReport, ProductOut
from clienteling.directory.services.catalog import CatalogService
from clienteling.directory.wiring import catalog_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.webhooks import raw_body
from clienteling.kernel.fields import SKU_PATTERN
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Catalog = Annotated[CatalogService, Depends(catalog_service)]
TAGS = ["Catalog"]
IMPORT_BODY = {
    "content": {
        "application/x-ndjson": {"schema": {"type": "string", "description": "One product JSON object per line"}},
        "text/csv": {"schema": {"type": "string", "description": "A header row of product field names"}},
    },
}


def _product(product: object) -> ProductOut:
    return ProductOut.model_validate(product, from_attributes=True)


@app.post(
    "/v1/catalog/import",
    tags=TAGS,
    summary="Upsert products from JSON lines or CSV (admin); a bad file is refused whole with every line's errors",
    responses=ERROR_RESPONSES,
    openapi_extensions={"x-request-body": IMPORT_BODY},
)
def import_catalog(caller: CallerDep, catalog: Catalog) -> ImportReport:
    event = app.current_event
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    text = raw_body(event).decode("utf-8-sig", errors="replace")
    result = catalog.import_file(caller, text, content_type)
    return ImportReport.model_validate(result, from_attributes=True)


@app.get("/v1/products", tags=TAGS, summary="Find products by name, any case or accent", responses=ERROR_RESPONSES)
def search_products(
    caller: CallerDep,
    catalog: Catalog,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Words of the name")],
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Page[ProductOut]:
    page = catalog.search(caller, q, limit=limit, cursor=cursor)
    return Page[ProductOut](items=[_product(p) for p in page.items], next_cursor=page.cursor)


@app.get(
    "/v1/products/by-barcode/<gtin>", tags=TAGS, summary="The product with a scanned barcode", responses=ERROR_RESPONSES
)
def product_by_barcode(
    gtin: Annotated[str, Path(pattern=r"^\d{8,14}$", description="GTIN-8/12/13/14")],
    caller: CallerDep,
    catalog: Catalog,
) -> ProductOut:
    return _product(catalog.by_barcode(caller, gtin))


@app.get("/v1/products/<sku>", tags=TAGS, summary="One product", responses=ERROR_RESPONSES)
def get_product(sku: Annotated[str, Path(pattern=SKU_PATTERN)], caller: CallerDep, catalog: Catalog) -> ProductOut:
    return _product(catalog.get(caller, sku))


@app.get("/v1/categories", tags=TAGS, summary="Every category", responses=ERROR_RESPONSES)
def list_categories(caller: CallerDep, catalog: Catalog) -> list[CategoryOut]:
    return [CategoryOut.model_validate(c, from_attributes=True) for c in catalog.categories(caller)]


@app.put("/v1/categories/<category_id>", tags=TAGS, summary="Create or rename a category (admin)",
         responses=ERROR_RESPONSES)  # fmt: skip
def put_category(
    category_id: Annotated[Id, Path()], body: Annotated[CategoryIn, Body()], caller: CallerDep, catalog: Catalog
) -> CategoryOut:
    return CategoryOut.model_validate(catalog.put_category(caller, category_id, body), from_attributes=True)


# Catalog files are CSV or JSON lines, and bigger than an API request.
lambda_handler = http_entrypoint(app, json_only=False, max_body_bytes=4 * 1024 * 1024)
