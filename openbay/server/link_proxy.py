"""The links themselves: `/links/<session>/<port>/<path>` proxies HTTP and WebSocket to that
port inside the session (see services/ports.py for who may pass).

It is an ASGI layer in front of the API's router, not a route: FastAPI matches a path
against every included router in turn, which cost ~2 ms for a path matched last.
"""
from __future__ import annotations

import re

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.websockets import WebSocket

from openbay.protocol import ErrorCode

from .errors import ApiError, error_response
from .port_proxy import (
    HOP_BY_HOP,
    UpstreamError,
    is_small,
    read_response,
    request_head,
    stream_request,
    whole_request,
)
from .port_websocket import UpstreamSocket, bridge
from .services.ports import LINKS_PREFIX, TOKEN_NAME, Access, PortService

_LINK = re.compile(r"^/links/([^/]+)/([^/]*)(/.*)?$")
POLICY_VIOLATION = 1008
# request headers that do not go to the app as they are: the proxy sets its own
_DROPPED = {b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-prefix", b"origin",
            b"cookie", b"authorization", b"content-length"}


class LinkProxy:
    """ASGI middleware: paths under /links/ go to the proxy, everything else to the app."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or not scope["path"].startswith(LINKS_PREFIX + "/"):
            return await self.app(scope, receive, send)
        match = _LINK.match(scope["path"])
        if scope["type"] == "websocket":
            return await _websocket(WebSocket(scope, receive, send), match)
        request = Request(scope, receive)
        try:
            response = await _http(request, match)
        except ApiError as e:
            response = error_response(e.code, e.message, e.headers)
        await response(scope, receive, send)


def _parse(match: re.Match | None) -> tuple[str, int]:
    if match is None:
        raise ApiError(ErrorCode.NOT_FOUND, "a link looks like /links/<session id>/<port>/")
    if not match.group(2).isdigit():
        raise ApiError(ErrorCode.VALIDATION, f"port {match.group(2)!r} is not a number from 1 to 65535")
    return match.group(1), int(match.group(2))


def _target(conn: HTTPConnection, session_id: str, port: int) -> bytes:
    """The path and query the app sees: the link's prefix and the OpenBay token taken off."""
    raw = conn.scope.get("raw_path") or conn.scope["path"].encode()
    path = raw[len(f"{LINKS_PREFIX}/{session_id}/{port}"):] or b"/"
    query = b"&".join(p for p in conn.scope.get("query_string", b"").split(b"&")
                      if p and not p.startswith(TOKEN_NAME.encode() + b"="))
    return path + (b"?" + query if query else b"")


def _forwarded(conn: HTTPConnection, session_id: str, port: int) -> list[tuple[bytes, bytes]]:
    """The client's headers for the app, minus OpenBay's credentials, plus where it came from."""
    headers = [(k, v) for k, v in conn.scope["headers"] if k not in _DROPPED]
    cookies = [c for c in conn.headers.get("cookie", "").split(";")
               if c.strip() and not c.strip().startswith(TOKEN_NAME + "=")]
    if cookies:
        headers.append((b"cookie", ";".join(cookies).strip().encode("latin-1")))
    auth = conn.headers.get("authorization", "")
    if auth and not auth.lower().startswith("bearer ob_"):  # the app's own credentials pass
        headers.append((b"authorization", auth.encode("latin-1")))
    if "origin" in conn.headers:  # what the app expects to see from its own pages
        headers.append((b"origin", b"http://localhost:%d" % port))
    client = conn.client.host if conn.client else ""
    headers += [(b"x-forwarded-for", client.encode()), (b"x-forwarded-host", conn.url.netloc.encode()),
                (b"x-forwarded-proto", conn.url.scheme.encode()),
                (b"x-forwarded-prefix", f"{LINKS_PREFIX}/{session_id}/{port}".encode())]
    return headers


def _with_cookie(ports: PortService, response: Response, access: Access, session_id: str, port: int) -> Response:
    if access.token:
        ports.cookie(response.raw_headers, session_id, port, access.token)
    return response


async def _http(request: Request, match: re.Match | None) -> Response:
    session_id, port = _parse(match)
    if match.group(3) is None:  # the app's root is the link with a slash: relative URLs resolve under it
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{LINKS_PREFIX}/{session_id}/{port}/{query}", status_code=308)
    ports: PortService = request.app.state.ports
    access = await ports.authorize(request, session_id, port)
    length = request.headers.get("content-length")
    chunked = length is None and "chunked" in request.headers.get("transfer-encoding", "")
    headers = _forwarded(request, session_id, port)
    if length is not None:
        headers.append((b"content-length", length.encode()))
    head = request_head(request.method, _target(request, session_id, port), headers, port, chunked)
    small = is_small(int(length or 0), chunked)
    first = await whole_request(head, request.stream()) if small else b""
    channel = await ports.open(access, session_id, port, first)

    async def done() -> None:
        ports.release(session_id, port, channel)
        await channel.close()

    try:
        if not small:
            await stream_request(channel, head, request.stream(), chunked=chunked)
        upstream = await read_response(channel, head_only=request.method == "HEAD")
    except UpstreamError as e:
        await done()
        raise ApiError(ErrorCode.SANDBOX_ERROR, f"port {port} of session {session_id!r}: {e}") from None
    except BaseException:
        await done()
        raise
    if upstream.whole is not None:  # all there already: no streaming task for it
        await done()
        response = Response(upstream.whole, status_code=upstream.status)
        response.raw_headers = upstream.headers
        return _with_cookie(ports, response, access, session_id, port)

    async def body():
        try:
            async for piece in upstream.body:
                yield piece
        finally:
            await done()

    response = StreamingResponse(body(), status_code=upstream.status)
    response.raw_headers = upstream.headers
    return _with_cookie(ports, response, access, session_id, port)


async def _websocket(ws: WebSocket, match: re.Match | None) -> None:
    ports: PortService = ws.app.state.ports
    try:
        session_id, port = _parse(match)
        access = await ports.authorize(ws, session_id, port)
        channel = await ports.open(access, session_id, port)
    except ApiError as e:
        await ws.close(code=POLICY_VIOLATION, reason=e.message[:120])
        return
    target = _target(ws, session_id, port).decode("latin-1")
    upstream = UpstreamSocket(channel, port, target, list(ws.scope.get("subprotocols") or []))
    try:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in _forwarded(ws, session_id, port)
                   if not k.startswith(b"sec-websocket-") and k not in HOP_BY_HOP]
        subprotocol = await upstream.handshake(headers)
    except UpstreamError as e:
        ports.release(session_id, port, channel)
        await channel.close()
        await ws.close(code=POLICY_VIOLATION, reason=str(e)[:120])
        return
    await ws.accept(subprotocol=subprotocol)
    try:
        await bridge(ws, upstream, on_message=lambda: ports.touch(access, session_id))
    finally:
        ports.release(session_id, port, channel)
