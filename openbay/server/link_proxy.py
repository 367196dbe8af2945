"""The links themselves: each exposed port on a host of its own (`<port>-<session>.<link
domain>`, see link_origins.py), or as a fallback `/links/<session>/<port>/<path>` on the
server's origin under a sandboxing CSP; HTTP and WebSocket go to that port inside the session
(see services/ports.py for who may pass).

It is an ASGI layer in front of the API's router, not a route: FastAPI matches a path
against every included router in turn, which cost ~2 ms for a path matched last. On link
hosts it answers everything itself: nothing of the API or the console is served there.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.websockets import WebSocket

from openbay.protocol import ErrorCode

from .auth import bearer_secret
from .console_sessions import CSRF_HEADER
from .errors import ApiError, error_response
from .link_origins import LINKS_PREFIX, SANDBOX_CSP, BadLinkUrl, LinkOrigins, parse_label
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
from .services.ports import TOKEN_NAME, Access, PortService
from .wiring import services

_PATH_LINK = re.compile(r"^/links/([^/]+)/([^/]*)(/.*)?$")
_COOKIE_DOMAIN = re.compile(rb";\s*domain=[^;]*", re.IGNORECASE)
POLICY_VIOLATION = 1008
# request headers that do not go to the app as they are: the proxy sets its own, or they are OpenBay's
_DROPPED = {b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-prefix", b"origin",
            b"cookie", b"authorization", b"content-length", CSRF_HEADER.encode()}
OPENBAY_COOKIES = "openbay_"  # every cookie OpenBay sets (the console's, a link's) is named so


@dataclass(frozen=True)
class _Link:
    session_id: str
    port: int
    prefix: str  # the path in front of the app's own: "" on a link's own host


class LinkProxy:
    """ASGI middleware: requests to a link host (or, without link hosts, paths under /links/)
    go to the proxy, everything else to the app."""

    def __init__(self, app, origins: LinkOrigins):
        self.app = app
        self.origins = origins

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        label = self.origins.label_of(_host(scope))
        path_link = scope["path"].startswith(LINKS_PREFIX + "/")
        if label is None and not path_link:
            return await self.app(scope, receive, send)
        try:
            link = self._link(scope, label)
        except (ApiError, _Moved) as e:
            return await _refuse(scope, receive, send, e)
        if scope["type"] == "websocket":
            return await _websocket(WebSocket(scope, receive, send), link)
        try:
            response = await _http(Request(scope, receive), link, sandboxed=not self.origins.on_own_origins)
        except ApiError as e:
            response = error_response(e.code, e.message, e.headers)
        await response(scope, receive, send)

    def _link(self, scope, label: str | None) -> _Link:
        if label is not None:
            found = parse_label(label)
            if found is None:
                raise ApiError(ErrorCode.NOT_FOUND, "a link's host looks like <port>-<session id>."
                               + self.origins.suffix.lstrip("."))
            return _Link(found[0], found[1], "")
        session_id, port, rest = _path_parts(_PATH_LINK.match(scope["path"]))
        if self.origins.on_own_origins or rest is None:  # links live on hosts of their own now
            try:
                base = self.origins.url(session_id, port)
            except BadLinkUrl as e:
                raise ApiError(ErrorCode.NOT_FOUND, str(e)) from None
            tail = (rest or "/")[1:] if self.origins.on_own_origins else ""
            query = scope.get("query_string", b"").decode("latin-1")
            raise _Moved(base + tail + (f"?{query}" if query else ""))
        return _Link(session_id, port, self.origins.prefix(session_id, port))


class _Moved(Exception):
    def __init__(self, url: str):
        self.url = url


async def _refuse(scope, receive, send, e: ApiError | _Moved) -> None:
    """An error, or a path link sent on to where the link lives (a WebSocket cannot follow)."""
    if scope["type"] == "websocket":
        reason = e.message if isinstance(e, ApiError) else f"this link has moved to {e.url.split('?')[0]}"
        return await WebSocket(scope, receive, send).close(code=POLICY_VIOLATION, reason=reason[:120])
    response = error_response(e.code, e.message, e.headers) if isinstance(e, ApiError) \
        else RedirectResponse(e.url, status_code=308)
    await response(scope, receive, send)


def _host(scope) -> str:
    for k, v in scope.get("headers") or ():
        if k == b"host":
            return v.decode("latin-1")
    return ""


def _check(port: str) -> int:
    if not port.isdigit():
        raise ApiError(ErrorCode.VALIDATION, f"port {port!r} is not a number from 1 to 65535")
    return int(port)


def _path_parts(match: re.Match | None) -> tuple[str, int, str | None]:
    if match is None:
        raise ApiError(ErrorCode.NOT_FOUND, "a link looks like /links/<session id>/<port>/")
    return match.group(1), _check(match.group(2)), match.group(3)


def _target(conn: HTTPConnection, link: _Link) -> bytes:
    """The path and query the app sees: the link's prefix and the OpenBay token taken off."""
    raw = conn.scope.get("raw_path") or conn.scope["path"].encode()
    path = raw[len(link.prefix):] or b"/"
    query = b"&".join(p for p in conn.scope.get("query_string", b"").split(b"&")
                      if p and not p.startswith(TOKEN_NAME.encode() + b"="))
    return path + (b"?" + query if query else b"")


def _carries_openbay_key(auth: str) -> bool:
    """Whether an Authorization header holds an OpenBay key, in any scheme (Bearer, Basic, ...)."""
    if bearer_secret(auth).startswith("ob_"):
        return True
    scheme, _, value = auth.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value.strip(), validate=True).decode("latin-1")
        except (ValueError, binascii.Error):
            return False
    return "ob_" in value


def _forwarded(conn: HTTPConnection, link: _Link) -> list[tuple[bytes, bytes]]:
    """The client's headers for the app, minus every OpenBay credential (its cookies: the
    console's, the link's; its CSRF header; an API key in Authorization), plus where it came from."""
    headers = [(k, v) for k, v in conn.scope["headers"] if k not in _DROPPED]
    cookies = [c for c in conn.headers.get("cookie", "").split(";")
               if c.strip() and not c.strip().lower().startswith(OPENBAY_COOKIES)]
    if cookies:
        headers.append((b"cookie", ";".join(cookies).strip().encode("latin-1")))
    auth = conn.headers.get("authorization", "")
    if auth and not _carries_openbay_key(auth):  # the app's own credentials pass
        headers.append((b"authorization", auth.encode("latin-1")))
    origin = conn.headers.get("origin")
    if origin is not None:
        # the app's own pages (the link's origin) look as they would without the proxy; any other
        # origin goes through unchanged, so the app's own origin checks see it
        own = f"{conn.url.scheme}://{conn.url.netloc}"
        headers.append((b"origin", b"http://localhost:%d" % link.port if origin == own and not link.prefix
                        else origin.encode("latin-1")))
    client = conn.client.host if conn.client else ""
    headers += [(b"x-forwarded-for", client.encode()), (b"x-forwarded-host", conn.url.netloc.encode()),
                (b"x-forwarded-proto", conn.url.scheme.encode())]
    if link.prefix:
        headers.append((b"x-forwarded-prefix", link.prefix.encode()))
    return headers


def _answer(ports: PortService, response: Response, headers: list, access: Access, link: _Link,
            sandboxed: bool) -> Response:
    """The app's headers, its cookies kept to the link's own host, plus the link's cookie; on a
    path link, a sandbox that keeps the app's scripts out of the server's origin."""
    # the app's cookies stay on the link's own host, and none may take an OpenBay cookie's name
    response.raw_headers = [(k, _COOKIE_DOMAIN.sub(b"", v) if k == b"set-cookie" else v) for k, v in headers
                            if not (k == b"set-cookie" and v.lstrip().lower().startswith(OPENBAY_COOKIES.encode()))]
    if sandboxed:
        response.raw_headers.append((b"content-security-policy", SANDBOX_CSP))
    if access.token:
        ports.cookie(response.raw_headers, link.prefix + "/", access.token)
    return response


async def _http(request: Request, link: _Link, sandboxed: bool) -> Response:
    session_id, port = link.session_id, link.port
    ports: PortService = services(request).ports
    access = await ports.authorize(request, session_id, port)
    length = request.headers.get("content-length")
    chunked = length is None and "chunked" in request.headers.get("transfer-encoding", "")
    headers = _forwarded(request, link)
    if length is not None:
        headers.append((b"content-length", length.encode()))
    head = request_head(request.method, _target(request, link), headers, port, chunked)
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
        return _answer(ports, Response(upstream.whole, status_code=upstream.status), upstream.headers, access,
                       link, sandboxed)

    async def body():
        try:
            async for piece in upstream.body:
                yield piece
        finally:
            await done()

    return _answer(ports, StreamingResponse(body(), status_code=upstream.status), upstream.headers, access,
                   link, sandboxed)


async def _websocket(ws: WebSocket, link: _Link) -> None:
    ports: PortService = services(ws).ports
    session_id, port = link.session_id, link.port
    try:
        access = await ports.authorize(ws, session_id, port)
        channel = await ports.open(access, session_id, port)
    except ApiError as e:
        await ws.close(code=POLICY_VIOLATION, reason=e.message[:120])
        return
    target = _target(ws, link).decode("latin-1")
    upstream = UpstreamSocket(channel, port, target, list(ws.scope.get("subprotocols") or []))
    try:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in _forwarded(ws, link)
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
