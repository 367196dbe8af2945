"""A few CDP commands on a session's first page, over the server's CDP endpoint: what
`browser_navigate` needs, with no Playwright driver to start for one call."""
import asyncio
import itertools
import json

from mcp.server.mcpserver.exceptions import ToolError
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

LOAD_TIMEOUT_S = 30.0


class _Cdp:
    def __init__(self, ws):
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    async def send(self, method: str, params: dict | None = None, session_id: str | None = None) -> dict:
        msg_id = next(self.ids)
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        await self.ws.send(json.dumps(msg))
        while True:
            answer = json.loads(await self.ws.recv())
            if answer.get("id") == msg_id:
                if "error" in answer:
                    raise ToolError(f"{method}: {answer['error'].get('message', 'CDP error')}")
                return answer.get("result", {})
            self.events.append(answer)

    async def wait_event(self, method: str, session_id: str) -> None:
        if any(e.get("method") == method and e.get("sessionId") == session_id for e in self.events):
            return
        while True:
            event = json.loads(await self.ws.recv())
            if event.get("method") == method and event.get("sessionId") == session_id:
                return


async def navigate(endpoint_url: str, url: str, timeout_s: float = LOAD_TIMEOUT_S) -> dict:
    """Load `url` in the first page (a new one when there is none); the final URL and title."""
    try:
        async with connect(endpoint_url, max_size=64 * 1024 * 1024, open_timeout=10) as ws:
            cdp = _Cdp(ws)
            targets = (await cdp.send("Target.getTargets"))["targetInfos"]
            page = next((t["targetId"] for t in targets if t.get("type") == "page"), None)
            if page is None:
                page = (await cdp.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
            sid = (await cdp.send("Target.attachToTarget", {"targetId": page, "flatten": True}))["sessionId"]
            await cdp.send("Page.enable", session_id=sid)
            nav = await cdp.send("Page.navigate", {"url": url}, session_id=sid)
            if nav.get("errorText"):
                raise ToolError(f"could not load {url}: {nav['errorText']}")
            if nav.get("loaderId"):  # none for a same-document move (a #fragment): no load to wait for
                try:
                    await asyncio.wait_for(cdp.wait_event("Page.loadEventFired", sid), timeout_s)
                except asyncio.TimeoutError:
                    pass  # a page that never finishes loading is still where we are
            found = await cdp.send("Runtime.evaluate", {"expression": "[location.href, document.title]",
                                                        "returnByValue": True}, session_id=sid)
            href, title = found.get("result", {}).get("value") or [url, ""]
            return {"url": href, "title": title}
    except (OSError, WebSocketException) as e:
        raise ToolError(f"the session's browser is not reachable: {e}") from None
