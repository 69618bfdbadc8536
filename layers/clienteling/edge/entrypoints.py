"""The decorator stack every function shares, applied once: logging context, metrics, body limits."""

from __future__ import annotations

import base64
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from clienteling.edge.errors import error_body
from clienteling.edge.serialization import to_json
from clienteling.kernel.config import get_settings
from clienteling.kernel.observability import flush_metrics, logger

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _json_error(status: HTTPStatus, code: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": to_json(error_body(code, message)),
        "isBase64Encoded": False,
    }


def _body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(base64.b64decode(body, validate=False))
    return len(body.encode())


def _screen(event: dict[str, Any], *, max_bytes: int, json_only: bool) -> dict[str, Any] | None:
    """Refuse oversized or non-JSON bodies before any parsing happens."""
    if _body_size(event) > max_bytes:
        return _json_error(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large", f"The request body exceeds {max_bytes} bytes."
        )
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    if json_only and method in _BODY_METHODS and event.get("body"):
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _json_error(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The request body must be JSON (Content-Type: application/json).",
            )
    return None


def http_entrypoint(app: ApiGatewayResolver, *, json_only: bool = True, max_body_bytes: int | None = None) -> Handler:
    """Wrap a resolver as a Lambda handler for API Gateway HTTP API (payload v2.0)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        limit = max_body_bytes or get_settings().max_body_bytes
        refused = _screen(event, max_bytes=limit, json_only=json_only)
        if refused is not None:
            return refused
        try:
            return app.resolve(event, context)
        finally:
            flush_metrics()

    return handler
