"""The edge: what every function's handler shares (entrypoints per kind of trigger, the caller of an HTTP
request, the error table, webhooks' signature checks).

Names load on first use (PEP 562): importing `clienteling.edge.entrypoints` for a worker runs this module, and
must not load the HTTP resolver that the callers and the error table need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clienteling.edge.callers import current_caller
    from clienteling.edge.entrypoints import http_entrypoint
    from clienteling.edge.errors import install_error_responses
    from clienteling.edge.serialization import to_json
    from clienteling.kernel.access import Caller
else:
    _HOMES = {
        "Caller": "clienteling.kernel.access",
        "current_caller": "clienteling.edge.callers",
        "http_entrypoint": "clienteling.edge.entrypoints",
        "install_error_responses": "clienteling.edge.errors",
        "to_json": "clienteling.edge.serialization",
    }

    def __getattr__(name: str) -> object:
        if name not in _HOMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value


__all__ = ["Caller", "current_caller", "http_entrypoint", "install_error_responses", "to_json"]
