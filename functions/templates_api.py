"""Saved replies API: managers keep them, associates use them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page
from clienteling.messaging.contracts.templates import TemplateCreate, TemplateOut, TemplateUpdate
from clienteling.messaging.domain.templates import Template
from clienteling.messaging.services.templates import TemplateService
from clienteling.messaging.wiring import template_service

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Templates = Annotated[TemplateService, Depends(template_service)]
TemplateId = Annotated[Id, Path(description="Template id")]
TAGS = ["Templates"]


def _one(template: Template, status: int = 200) -> Response[TemplateOut]:
    return versioned(TemplateOut.model_validate(template, from_attributes=True), template.version, status)


@app.get(
    "/v1/templates",
    tags=TAGS,
    summary="A store's saved replies (its own and the business-wide ones)",
    responses=ERROR_RESPONSES,
)
def list_templates(
    caller: CallerDep, templates: Templates, store_id: Annotated[Id, Query(alias="storeId")]
) -> Page[TemplateOut]:
    return Page[TemplateOut](
        items=[TemplateOut.model_validate(t, from_attributes=True) for t in templates.list_for_store(caller, store_id)]
    )


@app.post(
    "/v1/templates",
    tags=TAGS,
    summary="Create a saved reply (managers; admins for every store)",
    responses=ERROR_RESPONSES,
)
def create_template(
    body: Annotated[TemplateCreate, Body()], caller: CallerDep, templates: Templates
) -> Response[TemplateOut]:
    return _one(templates.create(caller, body), 201)


@app.get("/v1/templates/<template_id>", tags=TAGS, summary="One saved reply", responses=ERROR_RESPONSES)
def get_template(template_id: TemplateId, caller: CallerDep, templates: Templates) -> Response[TemplateOut]:
    return _one(templates.get(caller, template_id))


@app.patch(
    "/v1/templates/<template_id>", tags=TAGS, summary="Change a saved reply (send If-Match)", responses=ERROR_RESPONSES
)
def update_template(
    template_id: TemplateId,
    body: Annotated[TemplateUpdate, Body()],
    caller: CallerDep,
    templates: Templates,
    if_match_header: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[TemplateOut]:
    return _one(templates.update(caller, template_id, body, expected_version=if_match(if_match_header)))


@app.delete("/v1/templates/<template_id>", tags=TAGS, summary="Delete a saved reply", responses=ERROR_RESPONSES)
def delete_template(template_id: TemplateId, caller: CallerDep, templates: Templates) -> Response[None]:
    templates.delete(caller, template_id)
    return Response(status_code=204)


lambda_handler = http_entrypoint(app)
