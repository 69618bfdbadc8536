"""Campaign start (worker): a one-time EventBridge Scheduler schedule invokes it at a campaign's time, for one time
zone's stores; it resolves the audience in pages onto the send queue. With `resume`, it releases the recipients
quiet hours held back."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.campaigns.services.start import StartRequest
from clienteling.campaigns.wiring import campaign_starter
from clienteling.edge.entrypoints import schedule_entrypoint
from clienteling.kernel.observability import logger


@schedule_entrypoint
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = StartRequest(
        campaign_id=str(event["campaignId"]), group=event.get("group"), resume=bool(event.get("resume"))
    )
    logger.append_keys(campaign_id=request.campaign_id)
    result = campaign_starter().run(request, remaining_ms=context.get_remaining_time_in_millis)
    return {"outcome": result.outcome, "recipients": result.recipients, "parked": result.parked}
