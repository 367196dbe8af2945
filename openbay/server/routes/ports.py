"""Ports inside a session: expose and unexpose them, and the links that proxy HTTP and
WebSocket to them (`/links/<session>/<port>/...`)."""
from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from openbay.protocol import ErrorCode
from openbay.protocol.ports import ExposedPort, ExposedPortList, ExposePortRequest

from ..auth import require_principal
from ..errors import ApiError
from ..port_proxy import (
    HOP_BY_HOP,
    UpstreamError,
    is_small,
    read_response,
    request_head,
    stream_request,
    whole_request,
)
from ..port_websocket import UpstreamSocket, bridge
from ..services.keys import Principal
from ..services.ports import LINKS_PREFIX, TOKEN_NAME, PortService
from .browser import POLICY_VIOLATION

router = APIRouter(tags=["ports"])
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# request headers that do not go to the app: its own forwarding ones come from the proxy
_DROPPED = {b"x-forwarded-for", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-prefix", b"origin",
            b"cookie", b"authorization", b"content-length"}


@router.get("/v1/sessions/{session_id}/ports", response_model=ExposedPortList)
async def list_ports(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    await request.app.state.sessions.get(who, session_id)
    return ExposedPortList(ports=request.app.state.ports.listed(session_id))


@router.put("/v1/sessions/{session_id}/ports/{port}", response_model=ExposedPort)
async def expose_port(session_id: str, port: int, request: Request, body: ExposePortRequest | None = None,
                      who: Principal = Depends(require_principal)):
    return await request.app.state.ports.expose(who, session_id, port, (body or ExposePortRequest()).public)


@router.delete("/v1/sessions/{session_id}/ports/{port}", response_model=ExposedPortList)
async def unexpose_port(session_id: str, port: int, request: Request, who: Principal = Depends(require_principal)):
    return ExposedPortList(ports=await request.app.state.ports.unexpose(who, session_id, port))


@router.api_route(LINKS_PREFIX + "/{session_id}/{port}", methods=METHODS, include_in_schema=False)
async def link_root(session_id: str, port: int, request: Request):
    """The app's root is the link with a slash: relative URLs in its pages resolve under it."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{LINKS_PREFIX}/{session_id}/{port}/{query}", status_code=308)


def _target(conn, session_id: str, port: int) -> bytes:
    """The path and query the app sees: the link's prefix and the OpenBay token taken off."""
    raw = conn.scope.get("raw_path") or conn.scope["path"].encode()
    path = raw[len(f"{LINKS_PREFIX}/{session_id}/{port}"):] or b"/"
    query = b"&".join(p for p in conn.scope.get("query_string", b"").split(b"&")
                      if p and not p.startswith(TOKEN_NAME.encode() + b"="))
    return path + (b"?" + query if query else b"")


def _forwarded(conn, session_id: str, port: int) -> list[tuple[bytes, bytes]]:
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


@router.api_route(LINKS_PREFIX + "/{session_id}/{port}/{path:path}", methods=METHODS, include_in_schema=False)
async def link_http(session_id: str, port: int, path: str, request: Request):
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
    try:
        if not small:
            await stream_request(channel, head, request.stream(), chunked=chunked)
        upstream = await read_response(channel, head_only=request.method == "HEAD")
    except UpstreamError as e:
        ports.release(session_id, port, channel)
        await channel.close()
        raise ApiError(ErrorCode.SANDBOX_ERROR, f"port {port} of session {session_id!r}: {e}") from None
    except BaseException:
        ports.release(session_id, port, channel)
        await channel.close()
        raise

    if upstream.whole is not None:  # all there already: no streaming task for it
        ports.release(session_id, port, channel)
        await channel.close()
        response = Response(upstream.whole, status_code=upstream.status)
        response.raw_headers = upstream.headers
        return _with_cookie(ports, response, access, session_id, port)

    async def body():
        try:
            async for piece in upstream.body:
                yield piece
        finally:
            ports.release(session_id, port, channel)
            await channel.close()

    response = StreamingResponse(body(), status_code=upstream.status)
    response.raw_headers = upstream.headers
    return _with_cookie(ports, response, access, session_id, port)


def _with_cookie(ports: PortService, response, access, session_id: str, port: int):
    if access.token:
        ports.cookie(response.raw_headers, session_id, port, access.token)
    return response


@router.websocket(LINKS_PREFIX + "/{session_id}/{port}/{path:path}")
async def link_websocket(ws: WebSocket, session_id: str, port: int, path: str):
    ports: PortService = ws.app.state.ports
    try:
        access = await ports.authorize(ws, session_id, port)
        channel = await ports.open(access, session_id, port)
    except ApiError as e:
        await ws.close(code=POLICY_VIOLATION, reason=e.message[:120])
        return
    upstream = UpstreamSocket(channel, port, _target(ws, session_id, port).decode("latin-1"),
                              list(ws.scope.get("subprotocols") or []))
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
