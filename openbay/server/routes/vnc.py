"""Live view of a computer session's screen: noVNC on the session page, RFB over a WebSocket.

The WebSocket is authenticated like the browser's live view (the page's link token,
or an API key) and bridged to x11vnc inside the sandbox through envd's unix socket;
no VNC port is opened anywhere.
"""
import html
import mimetypes
from pathlib import Path as FsPath

from fastapi import APIRouter, WebSocket
from fastapi.responses import FileResponse

from openbay.protocol import ErrorCode
from openbay.sandbox.envd.channel import EnvdChannel

from ..errors import ApiError
from ..wiring import services
from ..ws_bridge import pump_both_ways
from .browser import POLICY_VIOLATION, websocket_principal

router = APIRouter(include_in_schema=False)
NOVNC_DIR = FsPath("/usr/share/novnc")
PAGE_PURPOSE = "page"


@router.websocket("/v1/sessions/{session_id}/vnc")
async def vnc_socket(ws: WebSocket, session_id: str, token: str = "", view_only: bool = False):
    """Binary WebSocket frames carry the RFB stream both ways (what noVNC speaks)."""
    who = await websocket_principal(ws, session_id, token, PAGE_PURPOSE)
    if who is None:
        await ws.close(code=POLICY_VIOLATION, reason="a valid session link token or API key is required")
        return
    state = services(ws)
    try:
        sandbox = await state.computer.sandbox(who, session_id)
        channel = await state.computer.open_vnc(sandbox, view_only=view_only)
    except ApiError as e:
        await ws.close(code=POLICY_VIOLATION, reason=e.message[:120])
        return
    offered = ws.scope.get("subprotocols") or []
    await ws.accept(subprotocol="binary" if "binary" in offered else None)
    await _bridge(ws, channel, keep_alive=lambda: state.sessions.sandbox(who, session_id))


async def _bridge(ws: WebSocket, channel: EnvdChannel, keep_alive) -> None:
    async def to_computer():
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            data = msg.get("bytes") or (msg.get("text") or "").encode()
            keep_alive()  # someone watching or steering keeps the session from idling out
            await channel.send(data)

    async def to_viewer():
        while (raw := await channel.recv()) is not None:
            await ws.send_bytes(raw)

    await pump_both_ways(ws, channel, (to_computer, to_viewer))


@router.get("/console/novnc/{path:path}")
async def novnc_file(path: str):
    """noVNC's ES modules (Debian package `novnc`), for the session page."""
    base = NOVNC_DIR.resolve()
    target = (base / path).resolve()
    if base not in target.parents or target.suffix != ".js" or not target.is_file():
        raise ApiError(ErrorCode.NOT_FOUND, "no such noVNC file")
    return FileResponse(target, media_type=mimetypes.types_map.get(".js", "text/javascript"))


def vnc_view_html(session_id: str) -> str:
    """The computer section of the session page."""
    return _SECTION.replace("{sid}", html.escape(session_id))


_SECTION = """<section id="computer-view" data-session="{sid}"><h2>Computer</h2>
<p>Click and type into the picture to use the computer. <span id="vnc-status">connecting…</span></p>
<div id="vnc-screen" style="width:100%;max-width:1280px;aspect-ratio:16/10;border:1px solid #bbb;background:#111"></div>
<script type="module">
import RFB from "/console/novnc/core/rfb.js";
const section = document.getElementById("computer-view"), status = document.getElementById("vnc-status");
const token = new URLSearchParams(location.search).get("token") || "";
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const url = `${scheme}//${location.host}/v1/sessions/${encodeURIComponent(section.dataset.session)}`
            + `/vnc?token=${encodeURIComponent(token)}`;
const rfb = new RFB(document.getElementById("vnc-screen"), url, {wsProtocols: ["binary"]});
rfb.scaleViewport = true;
window.openbayVnc = {connected: false};
rfb.addEventListener("connect", () => { status.textContent = "live"; window.openbayVnc.connected = true; });
rfb.addEventListener("disconnect", () => { status.textContent = "disconnected"; window.openbayVnc.connected = false; });
</script></section>"""
