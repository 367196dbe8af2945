"""`session.browser`: the session's Chromium. Drive it with any CDP client (Playwright's
connect_over_cdp, Puppeteer) through get_endpoint_url()."""
from __future__ import annotations

import base64

from openbay.protocol.browser import BrowserOption, BrowserStatus, ScreenshotRequest

from . import calls
from .calls import Call, Request
from .errors import APIError
from .methods import AsyncPart, Part, awaited, blocking
from .operator import AsyncBrowserOperatorApi, BrowserOperatorApi
from .transport import AsyncRunner, SyncRunner

START_TIMEOUT_S = 90


class BrowserCalls:
    _path: str

    def initialize(self, option: BrowserOption | dict | None = None) -> Call[BrowserStatus]:
        """(Re)start the browser with these options (viewport, user agent, locale, timezone,
        proxy, extra headers, persistent profile). Also brings it back after a crash.
        Returns its status (running); raises APIError when it did not start."""
        option = BrowserOption.model_validate(option or {})
        body = option.model_dump(mode="json", exclude_none=True)
        req = Request("POST", f"{self._path}/browser/initialize", json=body, timeout_s=START_TIMEOUT_S)
        status = yield from calls.value(req, BrowserStatus.model_validate)
        if status.state != "running":
            raise APIError(f"the browser did not start: {status.state}", code="browser_failed")
        return status

    def status(self) -> Call[BrowserStatus]:
        """running, stopped or crashed (with Chromium's last log lines)."""
        return (yield from calls.value(Request("GET", f"{self._path}/browser"), BrowserStatus.model_validate))

    def get_endpoint_url(self) -> Call[str]:
        """A ws:// CDP URL: `playwright.chromium.connect_over_cdp(url)` or any CDP client."""
        return (yield from calls.value(Request("GET", f"{self._path}/browser/endpoint"), lambda b: str(b["url"])))

    def screenshot(self, full_page: bool = False) -> Call[bytes]:
        """A PNG of the current page: its viewport, or the whole page."""
        body = ScreenshotRequest(full_page=full_page).model_dump()
        return (yield from calls.value(Request("POST", f"{self._path}/browser/screenshot", json=body, timeout_s=90),
                                       lambda b: base64.b64decode(b["data"])))


class BrowserApi(Part):
    def __init__(self, runner: SyncRunner, path: str):
        super().__init__(runner, path)
        self.agent = BrowserOperatorApi(runner, path)  # act / observe / extract, one instruction at a time

    initialize = blocking(BrowserCalls.initialize)
    status = blocking(BrowserCalls.status)
    get_endpoint_url = blocking(BrowserCalls.get_endpoint_url)
    screenshot = blocking(BrowserCalls.screenshot)


class AsyncBrowserApi(AsyncPart):
    def __init__(self, runner: AsyncRunner, path: str):
        super().__init__(runner, path)
        self.agent = AsyncBrowserOperatorApi(runner, path)

    initialize = awaited(BrowserCalls.initialize)
    status = awaited(BrowserCalls.status)
    get_endpoint_url = awaited(BrowserCalls.get_endpoint_url)
    screenshot = awaited(BrowserCalls.screenshot)
