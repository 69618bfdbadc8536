"""A local API Gateway HTTP API driven by template.yaml.

Routes every `HttpApi` event of every function to its handler, in-process, with a real payload v2.0 event
(headers, query string, cookies, base64 body for binary, requestContext with authorizer.jwt.claims), and
enforces the template's JWT authorizer: locally it accepts HS256 tokens signed with
CLIENTELING_LOCAL_JWT_SECRET, issuer `clienteling-local`, audience `clienteling`.
Rejections have API Gateway's own bodies (`{"message":"Unauthorized"}`), as in AWS.
"""

from __future__ import annotations

import base64
import importlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

from infra.local import config, template
from infra.local.controls import LocalControls

log = logging.getLogger("gateway")

MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
_TEXT_TYPES = re.compile(r"^(text/.*|application/(json|.*\+json|xml|.*\+xml|javascript))$")


@dataclass
class Route:
    method: str
    path: str
    function: str
    handler: str
    authorized: bool
    pattern: re.Pattern[str] = field(init=False)
    names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = re.findall(r"{([^}+]+)\+?}", self.path)
        regex = re.sub(r"{[^}]+\+}", "(.+)", self.path)
        regex = re.sub(r"{[^}]+}", "([^/]+)", regex)
        self.pattern = re.compile(f"^{regex}$")

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class LambdaContext:
    """What the Lambda runtime passes as `context`."""

    function_name: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    function_version: str = "$LATEST"
    deadline: float = field(default_factory=lambda: time.monotonic() + 10)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def routes_from_template() -> list[Route]:
    routes: list[Route] = []
    for name, props in template.functions().items():
        module = props["CodeUri"].strip("/").replace("/", ".") + "." + props["Handler"].rsplit(".", 1)[0]
        attribute = props["Handler"].rsplit(".", 1)[1]
        for event in props.get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            spec = event["Properties"]
            authorizer = spec.get("Auth", {}).get("Authorizer")
            routes.append(
                Route(
                    method=spec["Method"].upper(),
                    path=spec["Path"],
                    function=name,
                    handler=f"{module}:{attribute}",
                    authorized=authorizer != "NONE",
                )
            )
    # Literal segments win over parameters, as in API Gateway.
    routes.sort(key=lambda r: (r.path.count("{"), -len(r.path)))
    return routes


def _throttle_settings() -> tuple[float, float]:
    (api,) = template.resources("AWS::Serverless::HttpApi").values()
    settings = api["Properties"].get("DefaultRouteSettings", {})
    return float(settings.get("ThrottlingRateLimit", 10000)), float(settings.get("ThrottlingBurstLimit", 5000))


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.at = rate, burst, burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


def _claims_as_api_gateway_passes_them(claims: dict[str, Any]) -> dict[str, str]:
    """HTTP API hands claims to Lambda as strings; arrays are flattened to "[a b]"."""
    out: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list):
            out[name] = "[" + " ".join(str(v) for v in value) + "]"
        else:
            out[name] = str(value)
    return out


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: list[str] = field(default_factory=list)


def _message(status: HTTPStatus, message: str, extra: dict[str, str] | None = None) -> Reply:
    return Reply(
        int(status), {"Content-Type": "application/json", **(extra or {})}, json.dumps({"message": message}).encode()
    )


class Gateway:
    def __init__(
        self, jwt_secret: str, routes: list[Route] | None = None, controls: LocalControls | None = None
    ) -> None:
        self.jwt_secret = jwt_secret
        self.controls = controls  # /_local/ developer controls (infra.local.controls), never part of the product
        self.routes = routes if routes is not None else routes_from_template()
        self.bucket = TokenBucket(*_throttle_settings())
        self._handlers: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]] = {}
        # One execution environment per function: Lambda never runs two requests at once in one of them.
        self._locks: dict[str, threading.Lock] = {r.function: threading.Lock() for r in self.routes}
        self.host = "127.0.0.1:3000"

    def handler(self, route: Route) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        if route.handler not in self._handlers:
            module, attribute = route.handler.split(":")
            self._handlers[route.handler] = getattr(importlib.import_module(module), attribute)
        return self._handlers[route.handler]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                return route, dict(zip(route.names, found.groups(), strict=True))
        return None

    def _claims(self, headers: dict[str, str]) -> dict[str, Any] | None:
        value = headers.get("authorization", "")
        token = value[7:].strip() if value.lower().startswith("bearer ") else value.strip()
        if not token:
            return None
        try:
            return dict(
                jwt.decode(
                    token,
                    self.jwt_secret,
                    algorithms=["HS256"],
                    audience=config.JWT_AUDIENCE,
                    issuer=config.JWT_ISSUER,
                    options={"require": ["exp", "sub", "iss", "aud"]},
                )
            )
        except jwt.PyJWTError:
            return None

    def invoke(
        self, method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str = "127.0.0.1"
    ) -> Reply:
        split = urlsplit(target)
        path, raw_query = split.path, split.query
        lower = {k.lower(): v for k, v in headers.items()}
        if len(body) > MAX_PAYLOAD:
            return _message(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request Entity Too Large")
        if method == "OPTIONS" and "access-control-request-method" in lower:
            return Reply(
                204,
                {
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": "GET,POST,PATCH,PUT,DELETE,OPTIONS",
                    "Access-Control-Allow-Headers": "authorization,content-type,if-match",
                },
                b"",
            )
        if path.startswith("/_local/") and self.controls is not None:
            control = self.controls.handle(method, path, raw_query, body)
            if control is not None:
                return Reply(control.status, {"Content-Type": "application/json"}, json.dumps(control.body).encode())
        matched = self.match(method, path)
        if matched is None:
            return _message(HTTPStatus.NOT_FOUND, "Not Found")
        route, path_parameters = matched
        if not self.bucket.take():
            return _message(HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests")
        claims: dict[str, Any] | None = None
        if route.authorized:
            claims = self._claims(lower)
            if claims is None:
                return _message(
                    HTTPStatus.UNAUTHORIZED, "Unauthorized", {"www-authenticate": 'Bearer error="invalid_token"'}
                )
        event = self._event(route, method, path, raw_query, headers, body, path_parameters, claims, source_ip)
        context = LambdaContext(
            function_name=route.function,
            invoked_function_arn=f"arn:aws:lambda:{config.REGION}:000000000000:function:{route.function}",
        )
        try:
            with self._locks[route.function]:
                result = self.handler(route)(event, context)
        except Exception:
            log.exception("function %s failed", route.function)
            return _message(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        return self._reply(result)

    def _event(  # noqa: PLR0917 - mirrors the fields of the event it builds
        self,
        route: Route,
        method: str,
        path: str,
        raw_query: str,
        headers: dict[str, str],
        body: bytes,
        path_parameters: dict[str, str],
        claims: dict[str, Any] | None,
        source_ip: str,
    ) -> dict[str, Any]:
        joined: dict[str, str] = {}
        for name, value in headers.items():
            key = name.lower()
            joined[key] = f"{joined[key]},{value}" if key in joined and key != "cookie" else value
        cookies = [c.strip() for c in joined.pop("cookie", "").split(";") if c.strip()]
        query: dict[str, str] = {}
        for name, value in parse_qsl(raw_query, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        content_type = joined.get("content-type", "").split(";")[0].strip().lower()
        binary = bool(body) and not _TEXT_TYPES.match(content_type or "text/plain")
        now = datetime.now(UTC)
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route.key,
            "rawPath": path,
            "rawQueryString": raw_query,
            "headers": joined,
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "local",
                "domainName": joined.get("host", self.host).split(":")[0],
                "domainPrefix": "local",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": source_ip,
                    "userAgent": joined.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route.key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(now.timestamp() * 1000),
            },
            "isBase64Encoded": binary,
        }
        if cookies:
            event["cookies"] = cookies
        if query:
            event["queryStringParameters"] = query
        if path_parameters:
            event["pathParameters"] = path_parameters
        if claims is not None:
            event["requestContext"]["authorizer"] = {
                "jwt": {"claims": _claims_as_api_gateway_passes_them(claims), "scopes": None}
            }
        if body:
            event["body"] = base64.b64encode(body).decode() if binary else body.decode("utf-8", errors="replace")
        return event

    @staticmethod
    def _reply(result: dict[str, Any]) -> Reply:
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        headers: dict[str, str] = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ",".join(values)
        headers.setdefault("Content-Type", "application/json")
        return Reply(int(result.get("statusCode", 200)), headers, body, list(result.get("cookies") or []))


def serve(gateway: Gateway, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server in front of the gateway, started on a daemon thread."""
    gateway.host = f"{host}:{port}"

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = gateway.invoke(
                self.command, self.path, dict(self.headers.items()), body, source_ip=self.client_address[0]
            )
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            for cookie in reply.cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            log.info("%s %s", self.address_string(), format % args)

    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
    return server
