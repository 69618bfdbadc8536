"""Outreach API: segmentation tags in bulk, tag counts, and the tagged customers with how each can be reached."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from clienteling.campaigns.contracts.outreach import OutreachEntryOut, SegmentChange, SegmentChangeOut, TagCountOut
from clienteling.campaigns.services.outreach import OutreachService
from clienteling.campaigns.wiring import outreach_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.kernel.fields import Tag
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Outreach = Annotated[OutreachService, Depends(outreach_service)]
TagPath = Annotated[Tag, Path(description="A segmentation tag: letters, digits, - and _")]
StoreQuery = Annotated[Id | None, Query(alias="storeId", description="One store; omit for every store (managers)")]
TAGS = ["Outreach"]


@app.post(
    "/v1/segments/<tag>/customers",
    tags=TAGS,
    summary="Add or remove a tag on up to 1,000 customers (ids or customer numbers); unknown ones are reported",
    responses=ERROR_RESPONSES,
)
def change_segment(
    tag: TagPath, body: Annotated[SegmentChange, Body()], caller: CallerDep, outreach: Outreach
) -> SegmentChangeOut:
    result = outreach.change_segment(caller, tag, body)
    return SegmentChangeOut(
        tag=tag,
        action=body.action,
        changed=result.changed,
        unchanged=result.unchanged,
        unknown_customer_ids=result.unknown_ids,
        unknown_customer_numbers=result.unknown_numbers,
        out_of_scope=result.out_of_scope,
    )


@app.get("/v1/outreach", tags=TAGS, summary="Tags with how many customers carry them", responses=ERROR_RESPONSES)
def tag_counts(caller: CallerDep, outreach: Outreach, store_id: StoreQuery = None) -> list[TagCountOut]:
    return [
        TagCountOut(tag=t.tag, customers=t.customers, stores=t.stores) for t in outreach.tag_counts(caller, store_id)
    ]


@app.get(
    "/v1/outreach/<tag>",
    tags=TAGS,
    summary="A tag's customers with their conversation, or an opt-in request to send, or no phone, or opted out",
    responses=ERROR_RESPONSES,
)
def tagged_customers(
    tag: TagPath,
    caller: CallerDep,
    outreach: Outreach,
    store_id: StoreQuery = None,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[OutreachEntryOut]:
    page = outreach.tagged(caller, tag, store_id, limit=limit, cursor=cursor)
    return Page[OutreachEntryOut](
        items=[
            OutreachEntryOut(
                customer_id=e.customer.id,
                customer_number=e.customer.customer_number,
                first_name=e.customer.first_name,
                last_name=e.customer.last_name,
                home_store_id=e.customer.home_store_id,
                store_id=e.store_id,
                phone_number=e.customer.phone_number,
                email=e.customer.email,
                reach=e.reach,
                conversation_id=e.conversation_id,
                sms_consent=e.sms_consent,
            )
            for e in page.items
        ],
        next_cursor=page.cursor,
    )


lambda_handler = http_entrypoint(app)
