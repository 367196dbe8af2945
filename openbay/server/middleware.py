"""ASGI middleware: a request id on every response, a cap on body size, access metrics."""
import json
import logging
import re
import secrets
import time

from openbay.protocol import STATUS_OF, ErrorCode

from .metrics import Metrics
from .request_context import set_auto_resume, set_request_id

log = logging.getLogger("openbay.access")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class _BodyTooLarge(BaseException):
    """BaseException so that body parsers (which turn any Exception into a 400) let it through."""


class RequestMiddleware:
    def __init__(self, app, *, max_body_bytes: int, metrics: Metrics,
                 unlimited_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.max_body = max_body_bytes
        self.metrics = metrics
        # a `*` in a prefix stands for one path segment (a session id, say)
        self.unlimited = [re.compile("".join("[^/]+" if part == "*" else re.escape(part)
                                             for part in re.split(r"(\*)", p)))
                          for p in unlimited_prefixes]

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _CLIENT_ID.match(given) else "req-" + secrets.token_hex(8)
        token = set_request_id(rid)
        resume_token = set_auto_resume(headers, scope.get("query_string", b""))
        started = time.perf_counter()
        state = {"status": 0}
        try:
            if scope["type"] == "websocket":
                return await self.app(scope, receive, send)
            limited = not any(p.match(scope["path"]) for p in self.unlimited)
            length = headers.get(b"content-length")
            if limited and length and length.isdigit() and int(length) > self.max_body:
                return await self._too_large(send, rid, state)
            seen = 0

            async def counted_receive():
                nonlocal seen
                message = await receive()
                if limited and message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > self.max_body:
                        raise _BodyTooLarge()
                return message

            async def send_with_id(message):
                if message["type"] == "http.response.start":
                    state["status"] = message["status"]
                    message["headers"] = [*message.get("headers", []),
                                          (b"x-request-id", rid.encode())]
                await send(message)

            try:
                await self.app(scope, counted_receive, send_with_id)
            except _BodyTooLarge:
                if not state["status"]:
                    await self._too_large(send, rid, state)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(scope["type"], state["status"], elapsed)
            log.info("request", extra={"fields": {
                "request_id": rid, "method": scope.get("method", "WS"), "path": scope["path"],
                "status": state["status"], "ms": round(elapsed * 1000, 2)}})
            token.var.reset(token)
            resume_token.var.reset(resume_token)

    async def _too_large(self, send, rid: str, state: dict) -> None:
        code = ErrorCode.PAYLOAD_TOO_LARGE
        state["status"] = STATUS_OF[code]
        body = json.dumps({"error": {"code": code.value, "request_id": rid,
                                     "message": f"request body is over the limit of {self.max_body} bytes"}}).encode()
        await send({"type": "http.response.start", "status": state["status"],
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"x-request-id", rid.encode())]})
        await send({"type": "http.response.body", "body": body})
