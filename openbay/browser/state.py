"""Capture what the agent sees of a page: one evaluation per frame tree, plus tabs
and an optional screenshot, rendered as compact text for the model."""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page

PAGE_STATE_JS = (Path(__file__).with_name("page_state.js")).read_text()


@dataclass
class Tab:
    index: int
    title: str
    url: str
    current: bool


@dataclass
class PageState:
    url: str
    title: str
    tabs: list[Tab]
    lines: list[str]
    element_count: int
    scroll_y: int = 0
    scroll_height: int = 0
    viewport_height: int = 0
    hidden_above: int = 0
    hidden_below: int = 0
    more_text: bool = False
    screenshot: str | None = None  # base64 JPEG
    quick_fingerprint: str = ""  # URL and element count, as BrowserSession.quick_fingerprint
    # index ranges of elements and the frame whose window.__obEls holds them
    frames: list[tuple[int, int, Frame]] = field(default_factory=list, repr=False)

    @property
    def fingerprint(self) -> str:
        """Same fingerprint = same page as far as the model can tell."""
        return hashlib.sha1("\n".join([self.url, str(self.scroll_y), *self.lines]).encode()).hexdigest()

    def frame_of(self, index: int) -> Frame | None:
        for lo, hi, frame in self.frames:
            if lo <= index < hi:
                return frame
        return None

    def render(self) -> str:
        tabs = "\n".join(f"  [{t.index}]{'*' if t.current else ''} {t.title[:60]} ({t.url[:100]})"
                         for t in self.tabs)
        pages_below = max(0, self.scroll_height - self.scroll_y - self.viewport_height)
        head = [f"URL: {self.url}", f"Title: {self.title}", f"Tabs:\n{tabs}",
                f"Scroll: {self.scroll_y}px from top, {pages_below}px more below "
                f"(viewport {self.viewport_height}px)"]
        if self.hidden_above or self.hidden_below:
            head.append(f"Not listed: {self.hidden_above} elements above, {self.hidden_below} below "
                        "(scroll to see them)")
        body = self.lines or ["  (no interactive elements visible)"]
        tail = ["  … more text on the page: use extract_content"] if self.more_text else []
        return "\n".join(head + ["Elements ([index]<tag attributes>text):", *body, *tail])


def _origin(url: str) -> str | None:
    """None for frames that inherit their parent's origin (about:blank, srcdoc, data:)."""
    parts = urlsplit(url)
    if parts.scheme in ("about", "data", "blob", "javascript", ""):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _own_roots(page: Page) -> list[Frame]:
    """The main frame and each frame its parent's script cannot reach into (cross-origin)."""
    roots = [page.main_frame]
    for frame in page.frames:
        parent = frame.parent_frame
        if parent is None or frame.is_detached():
            continue
        mine, theirs = _origin(frame.url), _origin(parent.url)
        if mine is not None and theirs is not None and mine != theirs:
            roots.append(frame)
    return roots


async def capture(page: Page, tabs: list[Tab], *, screenshot: bool = False,
                  full_page: bool = False, margin: float = 1.0) -> PageState:
    roots = _own_roots(page)
    main = await page.main_frame.evaluate(PAGE_STATE_JS, {"start": 1, "margin": margin})
    state = PageState(url=main["url"], title=main["title"], tabs=tabs, lines=list(main["lines"]),
                      element_count=main["next"] - 1, scroll_y=main["scrollY"],
                      scroll_height=main["scrollHeight"], viewport_height=main["viewport"],
                      hidden_above=main["above"], hidden_below=main["below"], more_text=main["moreText"],
                      quick_fingerprint=main["fingerprint"],
                      frames=[(1, main["next"], page.main_frame)])
    nxt = main["next"]
    for frame in roots[1:]:
        try:
            sub = await frame.evaluate(PAGE_STATE_JS, {"start": nxt, "margin": margin, "textBudget": 500})
        except PlaywrightError:
            continue  # the frame went away while we looked
        if sub["next"] > nxt or sub["lines"]:
            state.lines.append(f"  [frame {frame.url[:80]}]")
            state.lines.extend(sub["lines"])
            state.frames.append((nxt, sub["next"], frame))
            nxt = sub["next"]
    state.element_count = nxt - 1
    if screenshot:
        raw = await page.screenshot(type="jpeg", quality=60, full_page=full_page)
        state.screenshot = base64.b64encode(raw).decode()
    return state
