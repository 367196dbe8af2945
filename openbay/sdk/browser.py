"""`session.browser`: the session's Chromium. Drive it with any CDP client (Playwright's
connect_over_cdp, Puppeteer) through get_endpoint_url()."""
from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from openbay.protocol.browser import BrowserOption, BrowserStatus, ScreenshotRequest

from . import calls
from .calls import Call, Request
from .operator import BrowserOperatorApi

if TYPE_CHECKING:
    from .session import Session

START_TIMEOUT_S = 90


def _started(request: Request) -> Call[bool]:
    """True when the browser runs with the options; False (not an exception) when it did not."""
    resp = yield request
    calls.raise_for_auth(resp)
    return resp.ok and isinstance(resp.body, dict) and resp.body.get("state") == "running"


class BrowserApi:
    def __init__(self, session: Session):
        self._session = session
        self.agent = BrowserOperatorApi(session)  # act / observe / extract, one instruction at a time

    @property
    def _path(self) -> str:
        return f"{self._session._path}/browser"

    def initialize(self, option: BrowserOption | dict | None = None) -> bool:
        """(Re)start the browser with these options (viewport, user agent, locale, timezone,
        proxy, extra headers, persistent profile). Also brings it back after a crash."""
        option = BrowserOption.model_validate(option or {})
        body = option.model_dump(mode="json", exclude_none=True)
        return self._session._run(_started(Request("POST", f"{self._path}/initialize", json=body,
                                                   timeout_s=START_TIMEOUT_S)))

    def status(self) -> BrowserStatus:
        """running, stopped or crashed (with Chromium's last log lines)."""
        return self._session._run(calls.value(Request("GET", self._path), BrowserStatus.model_validate))

    def get_endpoint_url(self) -> str:
        """A ws:// CDP URL: `playwright.chromium.connect_over_cdp(url)` or any CDP client."""
        return self._session._run(calls.value(Request("GET", f"{self._path}/endpoint"),
                                              lambda b: b["url"]))

    def screenshot(self, full_page: bool = False) -> bytes:
        """A PNG of the current page: its viewport, or the whole page."""
        body = ScreenshotRequest(full_page=full_page).model_dump()
        return self._session._run(calls.value(
            Request("POST", f"{self._path}/screenshot", json=body, timeout_s=90),
            lambda b: base64.b64decode(b["data"])))
