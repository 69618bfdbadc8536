"""Twilio inbound SMS/MMS webhook (public): verify the signature, store the text once, answer with TwiML."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from clienteling.edge import http_entrypoint, install_error_responses
from clienteling.edge.webhooks import verified_twilio_form
from clienteling.kernel.errors import ValidationFailed
from clienteling.messaging.contracts.webhooks import TwilioInbound
from clienteling.messaging.services.inbound import InboundMedia, InboundService, InboundSms
from clienteling.messaging.wiring import inbound_service
from pydantic import ValidationError

app = APIGatewayHttpResolver()
install_error_responses(app)


@app.post("/webhooks/twilio/sms", summary="Twilio inbound message webhook (signed)", tags=["Webhooks"])
def inbound_sms(service: Annotated[InboundService, Depends(inbound_service)]) -> Response[str]:
    form = verified_twilio_form(app.current_event)
    try:
        message = TwilioInbound.model_validate(form)
    except ValidationError as error:
        raise ValidationFailed(
            "Not a Twilio inbound message.",
            details=[{"field": ".".join(str(p) for p in e["loc"]), "type": e["type"]} for e in error.errors()],
        ) from error
    reply = service.receive(
        InboundSms(
            message_sid=message.message_sid,
            from_phone=message.from_,
            to_phone=message.to,
            body=message.body,
            media=tuple(
                InboundMedia(url=u, content_type=t)
                for u, t in zip(message.media_urls, message.media_types, strict=True)
            ),
        )
    )
    return Response(status_code=200, content_type="text/xml", body=reply)


lambda_handler = http_entrypoint(app, json_only=False)
