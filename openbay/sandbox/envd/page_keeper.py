"""envd's own CDP session that prepares every page before it runs.

Launch flags cannot do everything: headless Chromium sizes the window, not the
page, and has no flag for extra request headers. So envd auto-attaches to every
new page with waitForDebuggerOnStart, sets the window's content size (the
viewport the user asked for) and the extra headers, then lets the page run.
Standard library only (runs inside the sandbox).
"""
import asyncio

import cdp_mux


class PageKeeper:
    def __init__(self, mux: cdp_mux.Multiplexer, viewport: dict, headers: dict):
        self.mux, self.viewport, self.headers = mux, viewport, headers
        self._sized_windows: set[int] = set()

    async def start(self) -> None:
        own = await self.mux.add_client()
        self.mux.clients.discard(own)  # not a user connection: not counted, never cut off
        own.deliver = self._on_event
        await self.mux.command("Target.setAutoAttach", {
            "autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True},
            session_id=own.browser_session)
        targets = await self.mux.command("Target.getTargets")
        for t in targets.get("targetInfos", []):  # the first page is already there
            if t.get("type") == "page":
                attached = await self.mux.command("Target.attachToTarget",
                                                  {"targetId": t["targetId"], "flatten": True})
                await self._prepare(t["targetId"], attached["sessionId"])

    def _on_event(self, msg: dict) -> None:
        params = msg.get("params") or {}
        if msg.get("method") != "Target.attachedToTarget":
            return
        info = params.get("targetInfo") or {}
        session_id = params.get("sessionId", "")
        if info.get("type") == "page":
            asyncio.ensure_future(self._prepare(info.get("targetId", ""), session_id))
        else:
            asyncio.ensure_future(self._resume(session_id))

    async def _prepare(self, target_id: str, session_id: str) -> None:
        try:
            await self._size_window(target_id)
            if self.headers:
                await self.mux.command("Network.enable", session_id=session_id)
                await self.mux.command("Network.setExtraHTTPHeaders", {"headers": self.headers},
                                       session_id=session_id)
        except (cdp_mux.CdpError, ConnectionError, asyncio.TimeoutError):
            pass  # the page went away meanwhile
        await self._resume(session_id)

    async def _size_window(self, target_id: str) -> None:
        window = await self.mux.command("Browser.getWindowForTarget", {"targetId": target_id})
        window_id = window["windowId"]
        if window_id in self._sized_windows:
            return
        await self.mux.command("Browser.setContentsSize", {
            "windowId": window_id, "width": self.viewport["width"], "height": self.viewport["height"]})
        self._sized_windows.add(window_id)

    async def _resume(self, session_id: str) -> None:
        try:
            await self.mux.command("Runtime.runIfWaitingForDebugger", session_id=session_id)
        except (cdp_mux.CdpError, ConnectionError, asyncio.TimeoutError):
            pass
