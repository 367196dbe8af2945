"""A browser as the agent uses it: tabs of one context, the current page, and
elements found again by the index the last page state gave them."""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import BrowserContext, ElementHandle, Page
from playwright.async_api import Error as PlaywrightError

from .state import PageState, Tab, capture

NAV_TIMEOUT_MS = 15_000
LOAD_WAIT_MS = 3_000


class ActionError(Exception):
    """An action could not be done; the message is for the model."""


# Notes whether what comes next (a click) opens another tab: window.open, or a link or
# form with a target. Installed once per window; a function body shared by the finders.
WATCH_JS = """function watch(e) {
  const w = e.ownerDocument.defaultView;
  if (!w.__obWatch) {
    const open = w.open;
    w.open = function (...a) { w.__obOpened = true; return open.apply(this, a); };
    w.addEventListener("click", (ev) => {
      const t = ev.target.closest && ev.target.closest('a[target]:not([target="_self"]), form[target]');
      if (t) w.__obOpened = true;
    }, true);
    w.__obWatch = true;
  }
  w.__obOpened = false;
  return e;
}"""

# The element with this index, if still on the page.
FIND_ELEMENT_JS = "i => { " + WATCH_JS + """
  const e = (window.__obEls || {})[i];
  return e && e.isConnected ? watch(e) : null;
}"""


@dataclass
class BrowserSession:
    context: BrowserContext
    files_root: Path | None = None  # where upload_file may take files from; None: nowhere
    _current: Page | None = None
    last_state: PageState | None = None

    def __post_init__(self):
        # a click that opens a new tab moves the agent there, as a person would look at it
        self.context.on("page", self._follow)

    def _follow(self, page: Page) -> None:
        self._current = page

    @property
    def pages(self) -> list[Page]:
        return [p for p in self.context.pages if not p.is_closed()]

    async def page(self) -> Page:
        if self._current is None or self._current.is_closed():
            pages = self.pages
            self._current = pages[-1] if pages else await self.context.new_page()
        return self._current

    async def tabs(self) -> list[Tab]:
        current = await self.page()
        tabs = []
        for i, p in enumerate(self.pages):
            with contextlib.suppress(PlaywrightError):
                tabs.append(Tab(i, await p.title(), p.url, p is current))
        return tabs

    async def state(self, *, screenshot: bool = False, full_page: bool = False) -> PageState:
        page = await self.page()
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("domcontentloaded", timeout=NAV_TIMEOUT_MS)
        with contextlib.suppress(PlaywrightError):  # iframes and images, but not forever
            await page.wait_for_load_state("load", timeout=LOAD_WAIT_MS)
        for attempt in range(3):
            try:
                self.last_state = await capture(page, await self.tabs(), screenshot=screenshot,
                                                full_page=full_page)
                return self.last_state
            except PlaywrightError as e:
                # a navigation destroyed the context mid-evaluation: look again once it settles
                if attempt == 2 or "context was destroyed" not in str(e).lower() and \
                        "navigat" not in str(e).lower():
                    raise
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    async def element(self, index: int) -> ElementHandle:
        state = self.last_state
        frame = state.frame_of(index) if state else None
        if frame is None:
            raise ActionError(f"there is no element [{index}] on the page; use an index from the "
                              "current page state")
        try:
            handle = await frame.evaluate_handle(FIND_ELEMENT_JS, index)
        except PlaywrightError:
            handle = None
        el = handle.as_element() if handle else None
        if el is None:
            raise ActionError(f"element [{index}] is gone (the page changed); look at the new state")
        return el

    async def quick_fingerprint(self) -> str:
        """Cheap check whether an action changed the page: URL and element count."""
        page = await self.page()
        try:
            return await page.evaluate("location.href + '#' + document.getElementsByTagName('*').length")
        except PlaywrightError:
            return page.url + "#navigating"

    async def switch(self, tab: int) -> Page:
        pages = self.pages
        if not 0 <= tab < len(pages):
            raise ActionError(f"there is no tab {tab}; tabs are 0..{len(pages) - 1}")
        self._current = pages[tab]
        await self._current.bring_to_front()
        return self._current
