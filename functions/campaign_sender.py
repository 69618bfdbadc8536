"""Campaign sender (worker): the send queue's batches, with Powertools batch processing (a failed record comes back
alone, and goes to the dead-letter queue after its last attempt); sends once per (campaign, customer), at the
provider's rate."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from clienteling.campaigns.services.sender import CampaignSender
from clienteling.campaigns.wiring import campaign_sender
from clienteling.kernel.observability import flush_metrics, logger

# A batch whose records all failed is reported record by record too: the batch's bookkeeping (refunds) still runs.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def process(sender: CampaignSender, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """One SQS batch: prepared as a whole (quiet hours, rate slots, claims), then each record sent in slot order."""
    records = list(SQSEvent(event).records)
    batch = sender.prepare(records)
    ordered = [record.raw_event for record in batch.ordered(records)]
    with processor(ordered, batch.handle, lambda_context=context):
        processor.process()
    batch.finish()
    return dict(processor.response())


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return process(campaign_sender(), event, context)
    finally:
        flush_metrics()
