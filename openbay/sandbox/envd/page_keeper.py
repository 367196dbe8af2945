"""envd's own CDP session that prepares every page before it runs.

Launch flags cannot do everything: headless Chromium sizes the window, not the
page, and has no flag for extra request headers or a proxy's login. So envd
auto-attaches to every new page with waitForDebuggerOnStart, sets the window's
content size (the viewport the user asked for), the extra headers and, for a
proxy that asks for a login, answers its challenges, then lets the page run.
Standard library only (runs inside the sandbox).
"""
import asyncio

import cdp_mux


class PageKeeper:
    def __init__(self, mux: cdp_mux.Multiplexer, viewport: dict, headers: dict,
                 proxy_login: tuple[str, str] | None = None):
        self.mux, self.viewport, self.headers = mux, viewport, headers
        self.proxy_login = proxy_login
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
        if msg.get("method", "").startswith("Fetch."):
            asyncio.ensure_future(self._fetch_event(msg["method"], params, msg.get("sessionId", "")))
            return
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
            if self.proxy_login:
                # every request pauses until let go: the price of answering the proxy's challenge
                await self.mux.command("Fetch.enable", {"handleAuthRequests": True, "patterns": [{"urlPattern": "*"}]},
                                       session_id=session_id)
            if self.headers:
                await self.mux.command("Network.enable", session_id=session_id)
                await self.mux.command("Network.setExtraHTTPHeaders", {"headers": self.headers},
                                       session_id=session_id)
        except (cdp_mux.CdpError, ConnectionError, asyncio.TimeoutError):
            pass  # the page went away meanwhile
        await self._resume(session_id)

    async def _fetch_event(self, method: str, params: dict, session_id: str) -> None:
        request_id = params.get("requestId")
        try:
            if method == "Fetch.requestPaused":
                await self.mux.command("Fetch.continueRequest", {"requestId": request_id}, session_id=session_id)
            elif method == "Fetch.authRequired" and self.proxy_login:
                from_proxy = (params.get("authChallenge") or {}).get("source") == "Proxy"
                user, password = self.proxy_login
                answer = ({"response": "ProvideCredentials", "username": user, "password": password}
                          if from_proxy else {"response": "Default"})  # a site's own login is the user's
                await self.mux.command("Fetch.continueWithAuth", {"requestId": request_id,
                                                                  "authChallengeResponse": answer},
                                       session_id=session_id)
        except (cdp_mux.CdpError, ConnectionError, asyncio.TimeoutError):
            pass  # the request or its page went away meanwhile

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
