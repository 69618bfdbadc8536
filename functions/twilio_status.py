"""Twilio message status callback (public): verify the signature, move the status forward, honour 21610."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from clienteling.edge import http_entrypoint, install_error_responses
from clienteling.edge.webhooks import verified_twilio_form
from clienteling.kernel.errors import ValidationFailed
from clienteling.messaging.contracts.webhooks import TwilioStatus
from clienteling.messaging.services.delivery_status import StatusService
from clienteling.messaging.wiring import status_service
from pydantic import ValidationError

app = APIGatewayHttpResolver()
install_error_responses(app)


@app.post("/webhooks/twilio/status", summary="Twilio message status callback (signed)", tags=["Webhooks"])
def message_status(service: Annotated[StatusService, Depends(status_service)]) -> Response[str]:
    form = verified_twilio_form(app.current_event)
    try:
        status = TwilioStatus.model_validate(form)
    except ValidationError as error:
        raise ValidationFailed(
            "Not a Twilio status callback.",
            details=[{"field": ".".join(str(p) for p in e["loc"]), "type": e["type"]} for e in error.errors()],
        ) from error
    query = app.current_event.query_string_parameters or {}
    service.update(
        status.message_sid,
        status.message_status,
        status.error_code,
        conversation_id=query.get("c"),
        message_sk=query.get("m"),
        campaign_id=query.get("k"),
        customer_id=query.get("u"),
    )

    return Response(status_code=204)


lambda_handler = http_entrypoint(app, json_only=False)
