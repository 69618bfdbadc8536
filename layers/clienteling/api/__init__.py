"""Edge helpers shared by HTTP handlers."""

from clienteling.api.callers import current_caller
from clienteling.api.entrypoints import http_entrypoint
from clienteling.api.errors import install_error_responses
from clienteling.api.serialization import to_json
from clienteling.domain.access import Caller

__all__ = ["Caller", "current_caller", "http_entrypoint", "install_error_responses", "to_json"]
