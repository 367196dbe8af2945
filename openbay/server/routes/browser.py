"""The session's browser over REST, and its CDP endpoint as a WebSocket."""
import base64
import logging

from fastapi import APIRouter, Depends, Query, Request, WebSocket
from fastapi.responses import Response
from starlette.requests import HTTPConnection

from openbay.protocol import ErrorCode
from openbay.protocol.browser import BrowserEndpoint, BrowserOption, BrowserStatus, Screenshot, ScreenshotRequest
from openbay.sandbox.envd.channel import EnvdChannel

from ..auth import bearer_secret, principal_for, require_principal
from ..console_sessions import visit_of
from ..errors import ApiError, responses
from ..services.browser import CDP_PURPOSE, CDP_TOKEN_TTL_S
from ..services.keys import Principal
from ..wiring import services
from ..ws_bridge import pump_both_ways

log = logging.getLogger("openbay.browser")

router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["browser"], responses=responses(409, 502))
POLICY_VIOLATION = 1008


@router.post("/browser/initialize", response_model=BrowserStatus)
async def initialize(session_id: str, request: Request, option: BrowserOption | None = None,
                     who: Principal = Depends(require_principal)):
    """(Re)start the browser with these options; after a crash this brings it back."""
    return await services(request).browser.initialize(who, session_id, option)


@router.get("/browser", response_model=BrowserStatus)
async def status(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    return await services(request).browser.status(who, session_id)


@router.get("/browser/endpoint", response_model=BrowserEndpoint)
async def endpoint(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    url = await services(request).browser.endpoint_url(who, session_id)
    return BrowserEndpoint(url=url, expires_in_s=CDP_TOKEN_TTL_S)


@router.get("/browser/screenshot", response_class=Response,
            responses={200: {"content": {"image/png": {}}, "description": "a PNG"}})
async def screenshot(session_id: str, request: Request, who: Principal = Depends(require_principal),
                     full_page: bool = Query(default=False, description="the whole page, not the viewport")):
    png = await services(request).browser.screenshot(who, session_id, full_page=full_page)
    return Response(png, media_type="image/png")


@router.post("/browser/screenshot", response_model=Screenshot)
async def screenshot_json(session_id: str, request: Request, body: ScreenshotRequest | None = None,
                          who: Principal = Depends(require_principal)):
    """The same picture inside JSON (base64), for clients that only speak JSON."""
    full_page = body.full_page if body else False
    png = await services(request).browser.screenshot(who, session_id, full_page=full_page)
    return Screenshot(data=base64.b64encode(png).decode(), format="png")


async def websocket_principal(ws: HTTPConnection, session_id: str, token: str,
                              purpose: str = CDP_PURPOSE) -> Principal | None:
    """A link token of this purpose, an API key as ?token= or Authorization: Bearer, or a
    signed-in console visit (its cookie, from our own origin)."""
    secret = token or bearer_secret(ws.headers.get("authorization", ""))
    if not secret:
        visit = visit_of(ws)
        return visit.principal if visit else None
    if secret.startswith("ob_"):
        try:
            return await principal_for(ws, secret)
        except ApiError:
            return None
    return services(ws).browser.principal_for_token(session_id, secret, purpose)


@router.websocket("/cdp")
async def cdp_socket(ws: WebSocket, session_id: str, token: str = ""):
    """The browser's CDP, for connect_over_cdp or any CDP client. Each connection is a
    client of its own: several (the user's script, the agent, the live view) work at once."""
    await serve_cdp(ws, session_id, token)


@router.websocket("/cdp/page/{target_id}")
async def cdp_page_socket(ws: WebSocket, session_id: str, target_id: str, token: str = ""):
    """One page's CDP (like Chrome's /devtools/page/<id>): commands go to that page."""
    await serve_cdp(ws, session_id, token, target_id)


async def _http_principal(request: Request, session_id: str, token: str) -> Principal:
    who = await websocket_principal(request, session_id, token)
    if who is None:
        raise ApiError(ErrorCode.UNAUTHORIZED, "a valid token or API key is required")
    return who


async def cdp_version(session_id: str, request: Request, token: str = ""):
    """Chrome's /json/version: how `connect_over_cdp("http://…/cdp?token=…")` and
    Puppeteer's browserURL find the WebSocket."""
    who = await _http_principal(request, session_id, token)
    svc = services(request).browser
    status = await svc.status(who, session_id, ensure=True)
    return {"Browser": status.version, "Protocol-Version": "1.3",
            "webSocketDebuggerUrl": await svc.endpoint_url(who, session_id)}


async def cdp_list(session_id: str, request: Request, token: str = ""):
    """Chrome's /json/list: the pages, each with a WebSocket of its own."""
    who = await _http_principal(request, session_id, token)
    return await services(request).browser.targets(who, session_id)


for _path, _endpoint in (("/cdp/json/version", cdp_version), ("/cdp/json/list", cdp_list),
                         ("/cdp/json", cdp_list)):
    for _suffix in ("", "/"):  # clients ask with and without the slash
        router.add_api_route(_path + _suffix, _endpoint, methods=["GET"], include_in_schema=not _suffix,
                             responses=responses(401, 429))  # a link token or an API key


async def serve_cdp(ws: WebSocket, session_id: str, token: str, target_id: str = "") -> None:
    who = await websocket_principal(ws, session_id, token)
    if who is None:
        await _refuse(ws, session_id, "a valid token or API key is required")
        return
    try:
        channel = await services(ws).browser.open_cdp(who, session_id, target_id)
    except ApiError as e:
        await _refuse(ws, session_id, e.message)
        return
    await ws.accept()
    await bridge(ws, channel, on_message=lambda: services(ws).sessions.sandbox(who, session_id))


async def _refuse(ws: WebSocket, session_id: str, reason: str) -> None:
    """Closed before the handshake (the client sees a bare 403): the reason is in the log too."""
    log.info("CDP connection refused", extra={"fields": {"session_id": session_id, "reason": reason}})
    await ws.close(code=POLICY_VIOLATION, reason=reason[:120])


async def bridge(ws: WebSocket, channel: EnvdChannel, on_message=None) -> None:
    """Copy messages both ways until either side ends."""

    async def to_browser():
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            data = msg.get("bytes") or (msg.get("text") or "").encode()
            if on_message is not None:
                on_message()  # an open CDP connection in use keeps the session alive
            await channel.send(data)

    async def to_client():
        while (raw := await channel.recv()) is not None:
            await ws.send_text(raw.decode())

    await pump_both_ways(ws, channel, (to_browser, to_client))
