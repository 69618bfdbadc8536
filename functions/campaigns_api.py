"""Campaigns API: drafts, preview, test send, schedule, cancel, stats; and the messaging credits."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.campaigns.contracts.campaigns import (
    CampaignCreate,
    CampaignOut,
    CampaignUpdate,
    CreditGrant,
    CreditsOut,
    CreditsPreview,
    LedgerEntryOut,
    PreviewOut,
    SmsPreview,
    TestSend,
    TestSendOut,
)
from clienteling.campaigns.contracts.mapping import campaign_out
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStats
from clienteling.campaigns.domain.credits import CreditKind
from clienteling.campaigns.services.campaigns import CampaignService, Preview
from clienteling.campaigns.services.credits import CreditService
from clienteling.campaigns.wiring import campaign_service, credit_service
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Campaigns = Annotated[CampaignService, Depends(campaign_service)]
Credits = Annotated[CreditService, Depends(credit_service)]
CampaignId = Annotated[Id, Path(description="Campaign id")]
TAGS = ["Campaigns"]


def _preview_out(preview: Preview) -> PreviewOut:
    sms = None
    if preview.encodings or preview.mention:
        sample = preview.sample
        sms = SmsPreview(
            encodings=dict(preview.encodings),
            min_segments=preview.min_segments,
            max_segments=preview.max_segments,
            opt_out_mention=preview.mention,
            sample=sample.text if sample else None,
            sample_segments=sample.segments if sample else None,
            sample_encoding=sample.encoding.value if sample else None,
        )
    return PreviewOut(
        recipients=preview.recipients,
        excluded=dict(sorted(preview.excluded.items())),
        deferred_by_quiet_hours=preview.deferred,
        first_send_at=preview.first_send_at,
        sms=sms,
        credits=CreditsPreview(
            kind=preview.kind, needed=preview.credits_needed, balance=preview.balance, shortfall=preview.shortfall
        ),
        source=preview.source,
        items_read=preview.items_read,
    )


def _one(campaign: Campaign, stats: CampaignStats | None = None, status: int = 200) -> Response[CampaignOut]:
    """A campaign answered by an action (its counters so far start empty), or by GET with its statistics."""
    return versioned(
        campaign_out(campaign, stats or CampaignStats(recipients=campaign.recipients)), campaign.version, status
    )


@app.post("/v1/campaigns", tags=TAGS, summary="Create a campaign (a draft)", responses=ERROR_RESPONSES)
def create_campaign(
    body: Annotated[CampaignCreate, Body()], caller: CallerDep, campaigns: Campaigns
) -> Response[CampaignOut]:
    return _one(campaigns.create(caller, body), status=201)


@app.get("/v1/campaigns", tags=TAGS, summary="Campaigns, newest first", responses=ERROR_RESPONSES)
def list_campaigns(
    caller: CallerDep,
    campaigns: Campaigns,
    store_id: Annotated[Id | None, Query(alias="storeId")] = None,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Page[CampaignOut]:
    page = campaigns.list_campaigns(caller, store_id, limit=limit, cursor=cursor)
    return Page[CampaignOut](items=[campaign_out(c, None) for c in page.items], next_cursor=page.cursor)


@app.get("/v1/campaigns/<campaign_id>", tags=TAGS, summary="A campaign with its statistics", responses=ERROR_RESPONSES)
def get_campaign(campaign_id: CampaignId, caller: CallerDep, campaigns: Campaigns) -> Response[CampaignOut]:
    campaign, stats = campaigns.get(caller, campaign_id)
    return _one(campaign, stats)


@app.patch(
    "/v1/campaigns/<campaign_id>", tags=TAGS, summary="Change a draft (send If-Match)", responses=ERROR_RESPONSES
)
def update_campaign(
    campaign_id: CampaignId,
    body: Annotated[CampaignUpdate, Body()],
    caller: CallerDep,
    campaigns: Campaigns,
    if_match_header: Annotated[str | None, Header(alias="If-Match", description="The ETag you read")] = None,
) -> Response[CampaignOut]:
    return _one(campaigns.update(caller, campaign_id, body, expected_version=if_match(if_match_header)))


@app.post(
    "/v1/campaigns/<campaign_id>/preview",
    tags=TAGS,
    summary="Recipients, exclusions by reason, SMS encoding and segments, and the credits it needs",
    responses=ERROR_RESPONSES,
)
def preview_campaign(campaign_id: CampaignId, caller: CallerDep, campaigns: Campaigns) -> PreviewOut:
    return _preview_out(campaigns.preview(caller, campaign_id))


@app.post(
    "/v1/campaigns/<campaign_id>/test",
    tags=TAGS,
    summary="Send the campaign's message to one number or email, as a customer would get it",
    responses=ERROR_RESPONSES,
)
def test_campaign(
    campaign_id: CampaignId, body: Annotated[TestSend, Body()], caller: CallerDep, campaigns: Campaigns
) -> TestSendOut:
    result = campaigns.test_send(caller, campaign_id, body)
    return TestSendOut.model_validate(result, from_attributes=True)


@app.post(
    "/v1/campaigns/<campaign_id>/schedule",
    tags=TAGS,
    summary="Reserve its credits and schedule it (409 insufficient_credits with the shortfall)",
    responses=ERROR_RESPONSES,
)
def schedule_campaign(campaign_id: CampaignId, caller: CallerDep, campaigns: Campaigns) -> Response[CampaignOut]:
    return _one(campaigns.schedule(caller, campaign_id))


@app.post(
    "/v1/campaigns/<campaign_id>/cancel",
    tags=TAGS,
    summary="Cancel a draft or a campaign that has not started; its credits come back",
    responses=ERROR_RESPONSES,
)
def cancel_campaign(campaign_id: CampaignId, caller: CallerDep, campaigns: Campaigns) -> Response[CampaignOut]:
    return _one(campaigns.cancel(caller, campaign_id))


@app.get("/v1/credits", tags=TAGS, summary="Messaging credit balances", responses=ERROR_RESPONSES)
def credit_balances(caller: CallerDep, ledger: Credits) -> CreditsOut:
    balances = ledger.balances(caller)
    return CreditsOut(sms=balances[CreditKind.SMS], email=balances[CreditKind.EMAIL])


@app.post("/v1/credits", tags=TAGS, summary="Grant credits (admins)", responses=ERROR_RESPONSES)
def grant_credits(body: Annotated[CreditGrant, Body()], caller: CallerDep, ledger: Credits) -> CreditsOut:
    balances = ledger.grant(caller, body.kind, body.amount, body.note)
    return CreditsOut(sms=balances[CreditKind.SMS], email=balances[CreditKind.EMAIL])


@app.get(
    "/v1/credits/<kind>/ledger",
    tags=TAGS,
    summary="Every change of a balance, newest first",
    responses=ERROR_RESPONSES,
)
def credit_ledger(
    kind: Annotated[CreditKind, Path()],
    caller: CallerDep,
    ledger: Credits,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Page[LedgerEntryOut]:
    page = ledger.journal(caller, kind, limit=limit, cursor=cursor)
    return Page[LedgerEntryOut](
        items=[LedgerEntryOut.model_validate(e, from_attributes=True) for e in page.items], next_cursor=page.cursor
    )


lambda_handler = http_entrypoint(app)
