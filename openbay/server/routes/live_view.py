"""Live view of a session's browser: screencast frames to the session page, a person's input back.

The session page (get_link) opens this WebSocket with its own link token, so a
person can watch the browser and take over (a captcha, a login) without the key.
"""
import asyncio
import html
import json

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from openbay.browser.cdp import CdpClient, CdpError
from openbay.browser.live import InvalidInput, Screencast

from ..errors import ApiError
from ..wiring import services
from .browser import POLICY_VIOLATION, websocket_principal

router = APIRouter(tags=["browser"])
PAGE_PURPOSE = "page"


@router.websocket("/v1/sessions/{session_id}/browser/live")
async def live_view(ws: WebSocket, session_id: str, token: str = ""):
    """Server → page: {"type": "frame", "data": base64 JPEG, "metadata": {...}}.
    Page → server: {"type": "mouse"|"key"|"text", ...} (see openbay.browser.live)."""
    who = await websocket_principal(ws, session_id, token, PAGE_PURPOSE)
    if who is None:
        await ws.close(code=POLICY_VIOLATION, reason="a valid session link token is required")
        return
    try:
        channel = await services(ws).browser.open_cdp(who, session_id)
    except ApiError as e:
        await ws.close(code=POLICY_VIOLATION, reason=e.message[:120])
        return
    await ws.accept()
    sending = asyncio.Lock()

    async def send(msg: dict) -> None:
        async with sending:
            await ws.send_text(json.dumps(msg))

    cdp = CdpClient(channel)
    try:
        screencast = Screencast(cdp, send)
        await screencast.start()
        ended = asyncio.ensure_future(cdp.closed.wait())
        while True:
            receiving = asyncio.ensure_future(ws.receive_text())
            done, _ = await asyncio.wait([receiving, ended], return_when=asyncio.FIRST_COMPLETED)
            if ended in done:
                receiving.cancel()
                break
            try:
                await screencast.dispatch(json.loads(receiving.result()))
            except (InvalidInput, ValueError) as e:
                await send({"type": "error", "message": str(e)})
    except (WebSocketDisconnect, CdpError, RuntimeError):
        pass
    finally:
        await cdp.close()
        try:
            await ws.close()
        except (RuntimeError, WebSocketDisconnect):
            pass


def live_view_html(session_id: str) -> str:
    """The live view section of the session page."""
    return _SECTION.replace("{sid}", html.escape(session_id))


_SECTION = """<section id="live-view" data-session="{sid}"><h2>Browser</h2>
<p>Click and type into the picture to use the browser (for a captcha or a login).
<span id="live-status">connecting…</span></p>
<img id="live-frame" tabindex="0" alt="the session's browser, live"
 style="max-width:100%;border:1px solid #bbb;cursor:crosshair;outline:none;min-height:60px">
<script>
(() => {
  const section = document.getElementById("live-view"), img = document.getElementById("live-frame");
  const status = document.getElementById("live-status");
  const token = new URLSearchParams(location.search).get("token") || "";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/v1/sessions/${encodeURIComponent(section.dataset.session)}`
                           + `/browser/live?token=${encodeURIComponent(token)}`);
  let meta = null;
  window.openbayLiveFrames = 0;
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "frame") {
      img.src = "data:image/jpeg;base64," + m.data;
      meta = m.metadata; window.openbayLiveFrames++; status.textContent = "live";
    } else if (m.type === "error") { status.textContent = m.message; }
  };
  ws.onclose = () => { status.textContent = "disconnected"; };
  const send = (o) => { if (ws.readyState === 1) ws.send(JSON.stringify(o)); };
  const at = (e) => {
    const r = img.getBoundingClientRect();
    const w = (meta && meta.deviceWidth) || img.naturalWidth, h = (meta && meta.deviceHeight) || img.naturalHeight;
    return {x: Math.max(0, (e.clientX - r.left) * w / r.width), y: Math.max(0, (e.clientY - r.top) * h / r.height)};
  };
  const button = (e) => ["left", "middle", "right"][e.button] || "left";
  const mods = (e) => (e.altKey ? 1 : 0) | (e.ctrlKey ? 2 : 0) | (e.metaKey ? 4 : 0) | (e.shiftKey ? 8 : 0);
  img.addEventListener("mousedown", (e) => { e.preventDefault();
    send({type: "mouse", action: "down", button: button(e), clickCount: Math.min(e.detail || 1, 3), ...at(e)});
    img.focus({preventScroll: true}); });  // a scroll would move the picture under the pointer
  img.addEventListener("mouseup", (e) =>
    send({type: "mouse", action: "up", button: button(e), clickCount: Math.min(e.detail || 1, 3), ...at(e)}));
  let moving = false;
  img.addEventListener("mousemove", (e) => { if (moving) return; moving = true;
    requestAnimationFrame(() => { moving = false; send({type: "mouse", action: "move", ...at(e)}); }); });
  img.addEventListener("wheel", (e) => { e.preventDefault();
    send({type: "mouse", action: "wheel", deltaX: e.deltaX, deltaY: e.deltaY, ...at(e)}); }, {passive: false});
  img.addEventListener("contextmenu", (e) => e.preventDefault());
  const key = (action) => (e) => { e.preventDefault();
    send({type: "key", action, key: e.key, code: e.code, keyCode: e.keyCode, modifiers: mods(e),
          text: action === "down" && e.key.length === 1 && !e.ctrlKey && !e.metaKey ? e.key : ""}); };
  img.addEventListener("keydown", key("down"));
  img.addEventListener("keyup", key("up"));
})();
</script></section>"""
