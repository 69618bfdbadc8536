"""Adyen standard webhook (public): basic auth and every item's HMAC first, then payments become orders."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Response
from clienteling.commerce.contracts.webhooks import AdyenNotification
from clienteling.commerce.services.payments import PaymentService
from clienteling.commerce.wiring import payment_service
from clienteling.edge import http_entrypoint, install_error_responses
from clienteling.edge.webhooks import verified_adyen_items
from clienteling.kernel.observability import logger
from pydantic import ValidationError

app = APIGatewayHttpResolver()
install_error_responses(app)


@app.post("/webhooks/adyen", summary="Adyen notifications (basic auth and HMAC signed)", tags=["Webhooks"])
def adyen_notifications(payments: Annotated[PaymentService, Depends(payment_service)]) -> Response[str]:
    for item in verified_adyen_items(app.current_event):
        try:
            notification = AdyenNotification.model_validate(item)
        except ValidationError as error:
            # Signed by Adyen but not a shape we act on: accept it (Adyen would retry forever) and say so.
            logger.warning("adyen notification not understood", extra={"errors": len(error.errors())})
            continue
        payments.handle(notification)
    return Response(status_code=200, content_type="text/plain", body="[accepted]")


lambda_handler = http_entrypoint(app)
