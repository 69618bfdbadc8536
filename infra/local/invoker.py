"""Template functions invoked in-process, as Lambda runs them, with a log of every invocation.

One execution environment per function (a lock, as in the gateway: Lambda never runs two events at once in
one environment), the handler imported on first use (cold start), a LambdaContext with the template's
Timeout, events and results passed through JSON as Lambda does, and errors caught and logged: a failing
handler never stops the runtime. Asynchronous invocations (EventBridge, schedules) retry a failed event as
Lambda does, `EventInvokeConfig.MaximumRetryAttempts` times (2 by default), without Lambda's minutes of delay.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from infra.local.gateway import LambdaContext

log = logging.getLogger("runtime")

Outcome = Literal["success", "partial", "error"]
Handler = Callable[[dict[str, Any], LambdaContext], Any]
_DEFAULT_ASYNC_RETRIES = 2


@dataclass(frozen=True)
class Function:
    logical_id: str
    module: str
    attribute: str
    arn: str
    timeout: float
    async_retries: int

    @classmethod
    def from_template(
        cls, logical_id: str, props: Mapping[str, Any], code_roots: Mapping[str, str], arn: str
    ) -> Function:
        """`props` are the function's properties merged over Globals (infra.local.template.functions)."""
        code_uri = str(props.get("CodeUri", "")).strip("/")
        package = code_roots.get(code_uri, code_uri.replace("/", "."))
        module, attribute = str(props["Handler"]).rsplit(".", 1)
        module = module.replace("/", ".")
        invoke_config = props.get("EventInvokeConfig") or {}
        return cls(
            logical_id=logical_id,
            module=f"{package}.{module}" if package and package != "." else module,
            attribute=attribute,
            arn=arn,
            timeout=float(props.get("Timeout", 3)),
            async_retries=int(invoke_config.get("MaximumRetryAttempts", _DEFAULT_ASYNC_RETRIES)),
        )


@dataclass(frozen=True)
class Invocation:
    """One call of a handler: what it got, where the event came from, and how it ended."""

    function: str
    source: str  # "dynamodb", "sqs", "eventbridge", "schedule", "scheduler"
    event: dict[str, Any]
    outcome: Outcome  # "partial": the handler reported batchItemFailures
    result: Any
    error: str | None
    at: datetime
    attempt: int
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class Invoker:
    def __init__(self, functions: Mapping[str, Function], clock: Callable[[], datetime]) -> None:
        self.functions = dict(functions)
        self._clock = clock
        self._handlers: dict[str, Handler] = {}
        self._locks = {name: threading.Lock() for name in self.functions}
        self._log: list[Invocation] = []
        self._log_lock = threading.Lock()

    def function_for_arn(self, arn: str) -> Function | None:
        """The function an ARN (possibly qualified with a version or alias) or a bare name designates."""
        parts = arn.split(":")
        name = parts[6] if arn.startswith("arn:") and len(parts) >= 7 else arn
        found = self.functions.get(name)
        if found is None:
            found = next((f for f in self.functions.values() if f.arn.rsplit(":", 1)[-1] == name), None)
        return found

    def invocations(self, function: str | None = None, source: str | None = None) -> list[Invocation]:
        with self._log_lock:
            return [
                i
                for i in self._log
                if (function is None or i.function == function) and (source is None or i.source == source)
            ]

    def clear(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _handler(self, function: Function) -> Handler:
        if function.logical_id not in self._handlers:
            handler: Handler = getattr(importlib.import_module(function.module), function.attribute)
            self._handlers[function.logical_id] = handler
        return self._handlers[function.logical_id]

    def invoke(self, logical_id: str, event: Mapping[str, Any], source: str, *, attempt: int = 1) -> Invocation:
        """A synchronous invocation (event source mappings poll and wait for the result)."""
        function = self.functions[logical_id]
        payload: dict[str, Any] = json.loads(json.dumps(event))  # the handler gets its own copy, as over the wire
        context = LambdaContext(
            function_name=logical_id,
            invoked_function_arn=function.arn,
            log_group_name=f"/aws/lambda/{logical_id}",
            deadline=time.monotonic() + function.timeout,
        )
        result: Any = None
        error: str | None = None
        try:
            with self._locks[logical_id]:
                raw = self._handler(function)(payload, context)
            result = json.loads(json.dumps(raw))  # Lambda serializes the response: a non-JSON result fails
        except Exception as failure:
            log.exception("function %s failed on a %s event (attempt %d)", logical_id, source, attempt)
            error = f"{type(failure).__name__}: {failure}"
        outcome: Outcome = "error" if error else "success"
        if isinstance(result, Mapping) and result.get("batchItemFailures"):
            outcome = "partial"
        invocation = Invocation(
            function=logical_id,
            source=source,
            event=json.loads(json.dumps(event)),
            outcome=outcome,
            result=result,
            error=error,
            at=self._clock(),
            attempt=attempt,
            request_id=context.aws_request_id,
        )
        with self._log_lock:
            self._log.append(invocation)
        return invocation

    def invoke_async(self, logical_id: str, event: Mapping[str, Any], source: str) -> Invocation:
        """An asynchronous invocation: a function error is retried, then the event is dropped (and logged)."""
        attempts = 1 + self.functions[logical_id].async_retries
        for attempt in range(1, attempts + 1):
            invocation = self.invoke(logical_id, event, source, attempt=attempt)
            if invocation.outcome != "error":
                return invocation
        log.error("function %s: %s event dropped after %d attempts", logical_id, source, attempts)
        return invocation
