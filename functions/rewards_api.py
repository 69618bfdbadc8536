"""Rewards API: rewards programs, frequent-buyer cards and the points earning rule (set up by managers)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from clienteling.edge import Caller, current_caller, http_entrypoint, install_error_responses, to_json
from clienteling.edge.versions import if_match, versioned
from clienteling.kernel.wire import ERROR_RESPONSES, Id, Page
from clienteling.loyalty.contracts.rewards import (
    EarningRuleOut,
    EarningRuleUpdate,
    FrequentBuyerCardCreate,
    FrequentBuyerCardOut,
    FrequentBuyerCardUpdate,
    RewardCreate,
    RewardOut,
    RewardUpdate,
    card_out,
    reward_out,
    rule_out,
)
from clienteling.loyalty.services.rewards import RewardsService
from clienteling.loyalty.wiring import rewards_service

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
install_error_responses(app)

CallerDep = Annotated[Caller, Depends(current_caller)]
Rewards = Annotated[RewardsService, Depends(rewards_service)]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The ETag you read")]
StoreFilter = Annotated[str | None, Query(alias="storeId", max_length=64, description="Only those offered there")]
TAGS = ["Rewards"]


@app.post("/v1/rewards", tags=TAGS, summary="Create a rewards program (managers)", responses=ERROR_RESPONSES)
def create_reward(body: Annotated[RewardCreate, Body()], caller: CallerDep, rewards: Rewards) -> Response[RewardOut]:
    program = rewards.create_program(caller, body)
    return versioned(reward_out(program), program.version, 201)


@app.get("/v1/rewards", tags=TAGS, summary="Rewards programs, by title", responses=ERROR_RESPONSES)
def list_rewards(
    caller: CallerDep,
    rewards: Rewards,
    store_id: StoreFilter = None,
    include_inactive: Annotated[bool, Query(alias="includeInactive")] = False,
) -> Page[RewardOut]:
    programs = rewards.programs(caller, store_id=store_id, include_inactive=include_inactive)
    return Page[RewardOut](items=[reward_out(p) for p in programs])


@app.get("/v1/rewards/<reward_id>", tags=TAGS, summary="One rewards program", responses=ERROR_RESPONSES)
def get_reward(reward_id: Annotated[Id, Path()], caller: CallerDep, rewards: Rewards) -> Response[RewardOut]:
    program = rewards.program(caller, reward_id)
    return versioned(reward_out(program), program.version)


@app.patch(
    "/v1/rewards/<reward_id>",
    tags=TAGS,
    summary="Change or retire a program (send If-Match)",
    responses=ERROR_RESPONSES,
)
def update_reward(
    reward_id: Annotated[Id, Path()],
    body: Annotated[RewardUpdate, Body()],
    caller: CallerDep,
    rewards: Rewards,
    if_match_header: IfMatch = None,
) -> Response[RewardOut]:
    program = rewards.update_program(caller, reward_id, body, expected_version=if_match(if_match_header))
    return versioned(reward_out(program), program.version)


@app.post(
    "/v1/frequent-buyer-cards",
    tags=TAGS,
    summary="Create a frequent-buyer card: buy N of a product or category, get one free",
    responses=ERROR_RESPONSES,
)
def create_card(
    body: Annotated[FrequentBuyerCardCreate, Body()], caller: CallerDep, rewards: Rewards
) -> Response[FrequentBuyerCardOut]:
    card = rewards.create_card(caller, body)
    return versioned(card_out(card), card.version, 201)


@app.get("/v1/frequent-buyer-cards", tags=TAGS, summary="Frequent-buyer cards", responses=ERROR_RESPONSES)
def list_cards(caller: CallerDep, rewards: Rewards, store_id: StoreFilter = None) -> Page[FrequentBuyerCardOut]:
    return Page[FrequentBuyerCardOut](items=[card_out(c) for c in rewards.cards(caller, store_id=store_id)])


@app.patch(
    "/v1/frequent-buyer-cards/<card_id>",
    tags=TAGS,
    summary="Rename or retire a frequent-buyer card (send If-Match)",
    responses=ERROR_RESPONSES,
)
def update_card(
    card_id: Annotated[Id, Path()],
    body: Annotated[FrequentBuyerCardUpdate, Body()],
    caller: CallerDep,
    rewards: Rewards,
    if_match_header: IfMatch = None,
) -> Response[FrequentBuyerCardOut]:
    card = rewards.update_card(caller, card_id, body, expected_version=if_match(if_match_header))
    return versioned(card_out(card), card.version)


@app.get("/v1/loyalty/earning-rule", tags=TAGS, summary="How purchases earn points", responses=ERROR_RESPONSES)
def get_earning_rule(caller: CallerDep, rewards: Rewards) -> Response[EarningRuleOut]:
    rule, version = rewards.earning_rule(caller)
    return versioned(rule_out(rule, version), version)


@app.patch(
    "/v1/loyalty/earning-rule",
    tags=TAGS,
    summary='Change the earning rule (admins; send If-Match, "0" before the first change)',
    responses=ERROR_RESPONSES,
)
def update_earning_rule(
    body: Annotated[EarningRuleUpdate, Body()], caller: CallerDep, rewards: Rewards, if_match_header: IfMatch = None
) -> Response[EarningRuleOut]:
    rule, version = rewards.update_earning_rule(caller, body, expected_version=if_match(if_match_header))
    return versioned(rule_out(rule, version), version)


lambda_handler = http_entrypoint(app)
