"""Associates API: onboarding by managers and admins, profile and availability by the associate."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.directory.contracts.associates import (
    AssociateCreate,
    AssociateOut,
    AssociateSummaryOut,
    AssociateUpdate,
    MeUpdate,
    ProfilePictureUpload,
    UploadOut,
)
from clienteling.directory.domain.associates import Associate
from clienteling.directory.services.associates import AssociateService
from clienteling.directory.wiring import associate_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Associates = Annotated[AssociateService, Depends(associate_service)]
AssociateId = Annotated[Id, Path(description="Associate id (the sign-in subject)")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag you read")]
TAGS = ["Associates"]


def _one(associates: AssociateService, associate: Associate, status: int = 200) -> Response[AssociateOut]:
    body = AssociateOut(
        id=associate.id,
        display_name=associate.display_name,
        email=associate.email,
        role=associate.role,
        store_ids=list(associate.store_ids),
        availability=associate.availability,
        active=associate.active,
        profile_picture_url=associates.picture_url(associate),
        version=associate.version,
        created_at=associate.created_at,
        updated_at=associate.updated_at,
    )
    return versioned(body, associate.version, status)


@app.get("/v1/associates/me", tags=TAGS, summary="Your own profile", responses=ERROR_RESPONSES)
def get_me(caller: CallerDep, associates: Associates) -> Response[AssociateOut]:
    return _one(associates, associates.me(caller))


@app.patch(
    "/v1/associates/me",
    tags=TAGS,
    summary="Set your availability, name or picture (send If-Match)",
    responses=ERROR_RESPONSES,
)
def update_me(
    body: Annotated[MeUpdate, Body()], caller: CallerDep, associates: Associates, if_match_header: IfMatch = None
) -> Response[AssociateOut]:
    return _one(associates, associates.update_me(caller, body, expected_version=if_match(if_match_header)))


@app.post(
    "/v1/associates/me/profile-picture",
    tags=TAGS,
    summary="A presigned URL to upload your picture",
    responses=ERROR_RESPONSES,
)
def profile_picture_upload(
    body: Annotated[ProfilePictureUpload, Body()], caller: CallerDep, associates: Associates
) -> UploadOut:
    key, upload, expires_at = associates.profile_picture_upload(caller, body)
    return UploadOut(key=key, upload_url=upload.url, headers=upload.headers, expires_at=expires_at)


@app.post("/v1/associates", tags=TAGS, summary="Onboard an associate (manager, admin)", responses=ERROR_RESPONSES)
def create_associate(
    body: Annotated[AssociateCreate, Body()], caller: CallerDep, associates: Associates
) -> Response[AssociateOut]:
    return _one(associates, associates.create(caller, body), 201)


@app.get("/v1/associates", tags=TAGS, summary="A store's associates", responses=ERROR_RESPONSES)
def list_associates(
    caller: CallerDep,
    associates: Associates,
    store_id: Annotated[Id, Query(alias="storeId")],
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[AssociateSummaryOut]:
    page = associates.list_for_store(caller, store_id, limit=limit, cursor=cursor)
    return Page[AssociateSummaryOut](
        items=[AssociateSummaryOut.model_validate(a, from_attributes=True) for a in page.items], next_cursor=page.cursor
    )


@app.get("/v1/associates/<associate_id>", tags=TAGS, summary="A colleague", responses=ERROR_RESPONSES)
def get_associate(associate_id: AssociateId, caller: CallerDep, associates: Associates) -> Response[AssociateOut]:
    return _one(associates, associates.get(caller, associate_id))


@app.patch(
    "/v1/associates/<associate_id>",
    tags=TAGS,
    summary="Change role, stores or access (manager, admin)",
    responses=ERROR_RESPONSES,
)
def update_associate(
    associate_id: AssociateId,
    body: Annotated[AssociateUpdate, Body()],
    caller: CallerDep,
    associates: Associates,
    if_match_header: IfMatch = None,
) -> Response[AssociateOut]:
    return _one(associates, associates.update(caller, associate_id, body, expected_version=if_match(if_match_header)))


lambda_handler = http_entrypoint(app)
