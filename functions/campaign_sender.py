"""Campaign sender (worker): the send queue's batches, with Powertools batch processing (a failed record comes back
alone, and goes to the dead-letter queue after its last attempt); sends once per (campaign, customer), at the
provider's rate."""

from __future__ import annotations

from typing import Any

# Before anything imports pydantic: Powertools' batch utilities also load its parser models (about 0.2 s of cold
# start) when pydantic is already imported.
from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.campaigns.services.sender import CampaignSender, SenderBatch
from clienteling.campaigns.wiring import campaign_sender
from clienteling.edge.entrypoints import batch_entrypoint, batch_processing


def prepare(records: list[SQSRecord]) -> SenderBatch:
    """One SQS batch: prepared as a whole (quiet hours, rate slots, claims), then each record sent in slot order."""
    return campaign_sender().prepare(records)


# A batch whose records all failed is reported record by record too: the batch's bookkeeping (refunds) still runs.
lambda_handler = batch_entrypoint(prepare=prepare, event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def process(sender: CampaignSender, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """lambda_handler's flow with the caller's sender, without its logging context and metrics (integration
    tests, benchmarks)."""
    handler = batch_processing(prepare=sender.prepare, event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(handler(event, context))
