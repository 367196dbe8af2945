"""Getting a browser: connect to a session's Chromium over CDP, or launch one here."""
from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import async_playwright

from .session import BrowserSession

CHROMIUM = os.environ.get("OPENBAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless=new", "--no-first-run", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-default-browser-check"]


@contextlib.asynccontextmanager
async def open_browser(cdp_url: str | None = None, *, files_root: Path | None = None,
                       viewport: tuple[int, int] = (1280, 720)) -> AsyncIterator[BrowserSession]:
    """A BrowserSession on the Chromium at `cdp_url`, or on a Chromium launched for the
    purpose when there is none (closed afterwards). A CDP browser is only disconnected."""
    async with async_playwright() as pw:
        if cdp_url:
            browser = await pw.chromium.connect_over_cdp(cdp_url)
            context = browser.contexts[0] if browser.contexts else await browser.new_context()
        else:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        try:
            yield BrowserSession(context, files_root=files_root)
        finally:
            with contextlib.suppress(Exception):
                await browser.close()
