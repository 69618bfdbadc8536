"""The edge: what every function's handler shares (entrypoints per kind of trigger, the caller of an HTTP
request, the error table, webhooks' signature checks)."""

from clienteling.edge.callers import current_caller
from clienteling.edge.entrypoints import http_entrypoint
from clienteling.edge.errors import install_error_responses
from clienteling.edge.serialization import to_json
from clienteling.kernel.access import Caller

__all__ = ["Caller", "current_caller", "http_entrypoint", "install_error_responses", "to_json"]
