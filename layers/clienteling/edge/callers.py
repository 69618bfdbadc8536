"""The caller of an associate API request, from the JWT claims API Gateway's authorizer verified."""

from __future__ import annotations

from typing import Any, cast

from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from clienteling.kernel.access import Caller, parse_groups, parse_stores
from clienteling.kernel.errors import Unauthorized
from clienteling.kernel.observability import logger


def caller_from_claims(claims: dict[str, Any] | None) -> Caller:
    """Build the caller; a token without a subject or a role is not a usable identity (401)."""
    if not claims or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Unauthorized()
    roles = parse_groups(claims.get("cognito:groups"))
    if not roles:
        raise Unauthorized("The token carries no clienteling role.")
    return Caller(associate_id=claims["sub"], roles=roles, store_ids=parse_stores(claims.get("custom:stores")))


def current_caller(request: Request) -> Caller:
    """Depends() provider: the authenticated associate making this request."""
    event = cast(APIGatewayProxyEventV2, request.resolved_event)
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer is not None else None
    caller = caller_from_claims(claims)
    logger.append_keys(associate_id=caller.associate_id)
    return caller
