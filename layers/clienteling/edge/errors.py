"""One table from domain errors to HTTP statuses, and the JSON error envelope every response uses.

`{"error": {"code": "...", "message": "...", "details": [...]}}`. Inputs are never echoed back
(they may hold personal data) and no stack trace ever leaves the function.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from clienteling.edge.entrypoints import log_not_configured
from clienteling.kernel import errors
from clienteling.kernel.observability import logger

STATUS_BY_ERROR: dict[type[errors.DomainError], HTTPStatus] = {
    errors.ValidationFailed: HTTPStatus.BAD_REQUEST,
    errors.Unauthorized: HTTPStatus.UNAUTHORIZED,
    errors.Forbidden: HTTPStatus.FORBIDDEN,
    errors.NotFound: HTTPStatus.NOT_FOUND,
    errors.Conflict: HTTPStatus.CONFLICT,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    errors.Unprocessable: HTTPStatus.UNPROCESSABLE_ENTITY,
    errors.PreconditionRequired: HTTPStatus.PRECONDITION_REQUIRED,
    errors.TooManyRequests: HTTPStatus.TOO_MANY_REQUESTS,
    errors.Gone: HTTPStatus.GONE,
    errors.ProviderUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
    errors.NotConfigured: HTTPStatus.SERVICE_UNAVAILABLE,
}


def status_for(error: errors.DomainError) -> HTTPStatus:
    """The status of the nearest mapped class in the error's MRO."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return HTTPStatus.BAD_REQUEST


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response[Any]:
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message, details),
        headers={"Cache-Control": "no-store"},
    )


def validation_details(raw_errors: list[Any]) -> list[dict[str, Any]]:
    """Field paths and pydantic error types and messages, never the offending input."""
    details: list[dict[str, Any]] = []
    for item in raw_errors:
        if item.get("type") == "json_invalid":
            details.append(
                {"field": "", "loc": ["body"], "type": "json_invalid", "message": "The body is not valid JSON."}
            )
            continue
        loc = [str(part) for part in item.get("loc", ())]
        detail: dict[str, Any] = {
            "field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
            "loc": loc,
            "type": item.get("type", "value_error"),
        }
        message = item.get("msg")
        if isinstance(message, str):
            detail["message"] = message.removeprefix("Value error, ")
        details.append(detail)
    return details


def _domain_error(error: errors.DomainError) -> Response[Any]:
    status = status_for(error)
    if isinstance(error, errors.NotConfigured):
        log_not_configured(error)
        return error_response(status, error.code, error.message)
    logger.info("request refused", extra={"error_code": error.code, "status": int(status)})
    return error_response(status, error.code, error.message, error.details)


def _validation_error(error: RequestValidationError) -> Response[Any]:
    details = validation_details(list(error.errors()))
    logger.info("invalid request", extra={"error_code": "validation_error", "fields": [d["field"] for d in details]})
    return error_response(HTTPStatus.BAD_REQUEST, "validation_error", "The request is not valid.", details)


def _no_route(_: NotFoundError) -> Response[Any]:
    return error_response(HTTPStatus.NOT_FOUND, "not_found", "No such route.")


def _unexpected(_: Exception) -> Response[Any]:
    logger.exception("unhandled error")
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side.")


def install_error_responses(app: ApiGatewayResolver) -> None:
    """Register the error table on a resolver: domain errors, validation, unknown routes, last resort."""
    app.exception_handler(errors.DomainError)(_domain_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(NotFoundError)(_no_route)
    app.exception_handler(Exception)(_unexpected)
