"""A small CDP client over any message channel (an envd `cdp` channel, a WebSocket).

The channel needs `send(bytes)`, `recv() -> bytes | None` and `close()`. Commands
await their answer; events go to the handlers registered for their method.
"""
from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any, Protocol


class Channel(Protocol):
    async def send(self, message: bytes) -> None: ...
    async def recv(self) -> bytes | None: ...
    async def close(self) -> None: ...


class CdpError(Exception):
    """Chromium answered a command with an error, or the connection ended."""


class CdpClient:
    def __init__(self, channel: Channel):
        self._channel = channel
        self._next_id = 0
        self._pending: dict[int, asyncio.Future] = {}
        self._handlers: dict[str, list[Callable[[dict, str], Any]]] = {}
        self._reader = asyncio.ensure_future(self._read())
        self.closed = asyncio.Event()

    def on(self, method: str, handler: Callable[[dict, str], Any]) -> None:
        """handler(params, session_id) for every event of this method."""
        self._handlers.setdefault(method, []).append(handler)

    async def send(self, method: str, params: dict | None = None, session_id: str = "",
                   timeout: float = 30.0) -> dict:
        if self.closed.is_set():
            raise CdpError("the CDP connection is closed")
        self._next_id += 1
        msg: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        future = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        try:
            await self._channel.send(json.dumps(msg).encode())
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(msg["id"], None)

    async def _read(self) -> None:
        try:
            while (raw := await self._channel.recv()) is not None:
                msg = json.loads(raw)
                if "id" in msg:
                    future = self._pending.get(msg["id"])
                    if future and not future.done():
                        if "error" in msg:
                            future.set_exception(CdpError(msg["error"].get("message", "CDP error")))
                        else:
                            future.set_result(msg.get("result", {}))
                    continue
                for handler in self._handlers.get(msg.get("method", ""), ()):
                    out = handler(msg.get("params") or {}, msg.get("sessionId", ""))
                    if asyncio.iscoroutine(out):
                        asyncio.ensure_future(out)
        finally:
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(CdpError("the CDP connection closed"))

    async def close(self) -> None:
        self._reader.cancel()
        await self._channel.close()
        self.closed.set()

    async def __aenter__(self) -> CdpClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


async def attach_to_page(cdp: CdpClient) -> tuple[str, str]:
    """(targetId, sessionId) of the browser's first page, creating one if there is none."""
    targets = (await cdp.send("Target.getTargets"))["targetInfos"]
    pages = [t for t in targets if t["type"] == "page" and not t["url"].startswith("devtools://")]
    if pages:
        target_id = pages[0]["targetId"]
    else:
        target_id = (await cdp.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
    attached = await cdp.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})
    return target_id, attached["sessionId"]


async def capture_screenshot(cdp: CdpClient, *, full_page: bool = False) -> bytes:
    """A PNG of the first page: what its viewport shows, or the whole page."""
    _, session = await attach_to_page(cdp)
    params: dict = {"format": "png"}
    if full_page:
        metrics = await cdp.send("Page.getLayoutMetrics", session_id=session)
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        params["captureBeyondViewport"] = True
        params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                          "scale": 1}
    shot = await cdp.send("Page.captureScreenshot", params, session_id=session, timeout=60)
    await cdp.send("Target.detachFromTarget", {"sessionId": session})
    return base64.b64decode(shot["data"])
