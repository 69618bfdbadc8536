"""Business settings API: everyone reads, admins change."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from clienteling.directory.contracts.settings import SettingsOut, SettingsUpdate
from clienteling.directory.domain.settings import BusinessSettings
from clienteling.directory.services.settings import SettingsService
from clienteling.directory.wiring import settings_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Settings = Annotated[SettingsService, Depends(settings_service)]


def _one(settings: BusinessSettings) -> Response[SettingsOut]:
    return versioned(SettingsOut.model_validate(settings, from_attributes=True), settings.version)


@app.get("/v1/settings", tags=["Settings"], summary="Business settings", responses=ERROR_RESPONSES)
def get_settings(caller: CallerDep, settings: Settings) -> Response[SettingsOut]:
    return _one(settings.get(caller))


@app.patch(
    "/v1/settings",
    tags=["Settings"],
    summary="Change business settings (admins; send If-Match)",
    responses=ERROR_RESPONSES,
)
def update_settings(
    body: Annotated[SettingsUpdate, Body()],
    caller: CallerDep,
    settings: Settings,
    if_match_header: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[SettingsOut]:
    return _one(settings.update(caller, body, expected_version=if_match(if_match_header)))


lambda_handler = http_entrypoint(app)
