"""ASGI middleware, one concern each: request ids, the body cap, metrics, the access log.
`stack` lists all of the server's middleware in the order they wrap one another."""
import json
import logging
import re
import secrets
import time

from starlette.middleware import Middleware

from openbay.protocol import STATUS_OF, ErrorCode

from .config import Settings
from .link_proxy import LinkProxy
from .metrics import Metrics
from .replicas import SessionAdoption
from .request_context import current_request_id, set_auto_resume, set_request_id

log = logging.getLogger("openbay.access")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _is_traffic(scope) -> bool:
    return scope["type"] in ("http", "websocket")


def _on_start(send, seen: dict):
    """A `send` that records the response status in `seen` as it goes out."""
    async def wrapped(message):
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
        await send(message)
    return wrapped


class RequestIdMiddleware:
    """Every request gets an id (the client's X-Request-ID when it is sane), known to the
    handlers through the request context and sent back on every response; the context also
    says whether the request asks to resume a paused session on its way."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if not _is_traffic(scope):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _CLIENT_ID.match(given) else "req-" + secrets.token_hex(8)
        token = set_request_id(rid)
        resume_token = set_auto_resume(headers, scope.get("query_string", b""))

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            token.var.reset(token)
            resume_token.var.reset(resume_token)


class _BodyTooLarge(BaseException):
    """BaseException so that body parsers (which turn any Exception into a 400) let it through."""


class BodyLimitMiddleware:
    """Refuses (413) an HTTP body over `max_body_bytes`, by its Content-Length or as it streams in.
    Paths matching `unlimited_prefixes` (a `*` stands for one path segment) stream files and
    enforce limits of their own."""

    def __init__(self, app, *, max_body_bytes: int, unlimited_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.max_body = max_body_bytes
        self.unlimited = [re.compile("".join("[^/]+" if part == "*" else re.escape(part)
                                             for part in re.split(r"(\*)", p)))
                          for p in unlimited_prefixes]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or any(p.match(scope["path"]) for p in self.unlimited):
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length and length.isdigit() and int(length) > self.max_body:
            return await self._too_large(send)
        seen, started = 0, {"status": 0}

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, counted_receive, _on_start(send, started))
        except _BodyTooLarge:
            if not started["status"]:
                await self._too_large(send)

    async def _too_large(self, send) -> None:
        code = ErrorCode.PAYLOAD_TOO_LARGE
        body = json.dumps({"error": {"code": code.value, "request_id": current_request_id(),
                                     "message": f"request body is over the limit of {self.max_body} bytes"}}).encode()
        await send({"type": "http.response.start", "status": STATUS_OF[code],
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class MetricsMiddleware:
    """Counts requests by kind and status, and their durations, for /metrics."""

    def __init__(self, app, *, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if not _is_traffic(scope):
            return await self.app(scope, receive, send)
        seen, started = {"status": 0}, time.perf_counter()
        try:
            await self.app(scope, receive, _on_start(send, seen))
        finally:
            self.metrics.observe_request(scope["type"], seen["status"], time.perf_counter() - started)


class AccessLogMiddleware:
    """One structured log line per request: id, method, path, status, time."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if not _is_traffic(scope):
            return await self.app(scope, receive, send)
        seen, started = {"status": 0}, time.perf_counter()
        try:
            await self.app(scope, receive, _on_start(send, seen))
        finally:
            log.info("request", extra={"fields": {
                "request_id": current_request_id(), "method": scope.get("method", "WS"), "path": scope["path"],
                "status": seen["status"], "ms": round((time.perf_counter() - started) * 1000, 2)}})


def stack(settings: Settings, metrics: Metrics, unlimited_prefixes: tuple[str, ...]) -> list[Middleware]:
    """The server's middleware, outermost first: the request id (so every other layer and every
    response has it), the access log and metrics (so they see the status of a refused body too),
    the body cap, the link proxy (links get all of the above), and with replicas the adoption of
    a session another replica made, before its routes run."""
    layers = [Middleware(RequestIdMiddleware), Middleware(AccessLogMiddleware),
              Middleware(MetricsMiddleware, metrics=metrics),
              Middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes,
                         unlimited_prefixes=unlimited_prefixes),
              Middleware(LinkProxy, origins=settings.link_origins())]
    if settings.replicated():
        layers.append(Middleware(SessionAdoption))
    return layers
