"""Domain errors with stable machine-readable codes. No HTTP here: api/errors.py maps them to statuses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the product reports to a caller on purpose."""

    code: str = "error"
    default_message: str = "The request could not be completed."

    def __init__(self, message: str | None = None, *, details: list[dict[str, Any]] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details or []
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "validation_error"
    default_message = "The request is not valid."


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"
    default_message = "The pagination cursor is not valid for this request."


class Unauthorized(DomainError):
    code = "unauthorized"
    default_message = "A valid bearer token is required."


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    code = "not_found"
    default_message = "The resource does not exist."


class Conflict(DomainError):
    code = "conflict"
    default_message = "The request conflicts with the current state of the resource."


class AlreadyExists(Conflict):
    code = "already_exists"
    default_message = "A resource with the same unique value already exists."


class StaleVersion(Conflict):
    code = "version_conflict"
    default_message = "The resource changed since you read it; read it again and retry."


class PreconditionRequired(DomainError):
    code = "precondition_required"
    default_message = "This update needs an If-Match header with the ETag you read."


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    default_message = "The request body is too large."


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    default_message = "The request body must be JSON (Content-Type: application/json)."


class Unprocessable(DomainError):
    code = "unprocessable"
    default_message = "The request is well-formed but cannot be carried out."


class TooManyRequests(DomainError):
    code = "too_many_requests"
    default_message = "Too many requests; slow down and retry."


class ConsentRequired(Conflict):
    code = "consent_required"
    default_message = "The customer has not opted in to chat with this store yet; send an opt-in request."


class OptedOut(Conflict):
    code = "opted_out"
    default_message = "The customer opted out of texts from this store; nothing can be sent."


class NoPhone(Conflict):
    code = "no_phone"
    default_message = "The customer has no mobile phone number."


class Blocked(Conflict):
    code = "blocked"
    default_message = "This customer is blocked in this store."


class Gone(DomainError):
    code = "gone"
    default_message = "This no longer exists."


class ProviderUnavailable(DomainError):
    code = "provider_unavailable"
    default_message = "A provider we depend on did not answer; retry in a moment."


class NotConfigured(DomainError):
    """The function lacks a setting or a secret it needs (a deployment mistake): it refuses rather than guess.

    `missing` names the variables or secret keys, for the one log line operators read; the caller only learns
    that the service is not configured."""

    code = "not_configured"
    default_message = "This service is not configured yet; try again later."

    def __init__(self, missing: list[str] | tuple[str, ...], reason: str = "missing") -> None:
        self.missing = tuple(missing)
        self.reason = reason
        super().__init__()
