"""Browser actions the agent can take, each with the JSON schema of its arguments.

An action returns a short text for the model. Actions marked `navigates` always
change what is on screen, so the agent looks again before doing anything else.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import ElementHandle
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from .session import NAV_TIMEOUT_MS, ActionError, BrowserSession

EXTRACT_JS = (Path(__file__).with_name("extract.js")).read_text()
MAX_EXTRACT_CHARS = 20_000
ACT_TIMEOUT_MS = 4_000
MAX_WAIT_S = 10
NEW_TAB_WAIT_MS = 3_000


@dataclass
class Action:
    name: str
    description: str
    parameters: dict
    run: Callable[[BrowserSession, dict], Awaitable[str]]
    navigates: bool = False


def _schema(props: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


INDEX = {"type": "integer", "minimum": 1, "description": "element index from the page state"}
TAB = {"type": "integer", "minimum": 0, "description": "tab index from the page state"}
URL = {"type": "string", "maxLength": 4096,
       # the session's own files too (attachments are put in /home/user): nothing else of its disk
       "pattern": "^(https?://|about:blank$|file:///home/user/)"}


async def _settle(session: BrowserSession) -> None:
    page = await session.page()
    try:
        await page.wait_for_load_state("domcontentloaded", timeout=NAV_TIMEOUT_MS)
    except PlaywrightError:
        pass


async def go_to_url(s: BrowserSession, a: dict) -> str:
    page = await s.page()
    try:
        await page.goto(a["url"], wait_until="domcontentloaded", timeout=NAV_TIMEOUT_MS)
    except PlaywrightError as e:
        raise ActionError(f"could not open {a['url']}: {str(e).splitlines()[0]}") from None
    return f"opened {page.url}"


async def go_back(s: BrowserSession, a: dict) -> str:
    page = await s.page()
    await page.go_back(wait_until="domcontentloaded", timeout=NAV_TIMEOUT_MS)
    return f"went back to {page.url}"


async def click(s: BrowserSession, el: ElementHandle) -> bool:
    """Click an element the page state (or a cached selector) found; True when it opened a tab."""
    pages_before = len(s.pages)
    try:
        # the page state already found it shown and not covered: skip Playwright's
        # actionability waits (two animation frames of "stable"), the bulk of a click's time
        await el.click(timeout=ACT_TIMEOUT_MS, force=True)
    except PlaywrightTimeout:
        # covered by something transparent or animating: a DOM click still reaches it
        await el.evaluate("e => e.click()")
    popup = False
    with contextlib.suppress(PlaywrightError):  # gone with a navigation: no popup then
        popup = await el.evaluate("e => !!e.ownerDocument.defaultView.__obOpened")
    if popup:  # a tab is on its way: wait until it is there, so the next look sees it
        for _ in range(NEW_TAB_WAIT_MS // 20):
            if len(s.pages) > pages_before:
                break
            await asyncio.sleep(0.02)
    await _settle(s)
    return len(s.pages) > pages_before


async def click_element(s: BrowserSession, a: dict) -> str:
    opened = await click(s, await s.element(a["index"]))
    return f"clicked [{a['index']}]" + ("; it opened a new tab, which is now current" if opened else "")


async def fill(s: BrowserSession, el: ElementHandle, text: str, submit: bool = False) -> None:
    """Replace an input's text (typing it when fill cannot), then press Enter if asked."""
    try:
        await el.fill(text, timeout=ACT_TIMEOUT_MS)
    except PlaywrightError:
        await el.click(timeout=ACT_TIMEOUT_MS)
        await (await s.page()).keyboard.type(text)
    if submit:
        await el.press("Enter")
        await _settle(s)


async def input_text(s: BrowserSession, a: dict) -> str:
    await fill(s, await s.element(a["index"]), a["text"], bool(a.get("submit")))
    return f"typed into [{a['index']}]" + (" and pressed Enter" if a.get("submit") else "")


async def choose(el: ElementHandle, option: str, label: str) -> list[str]:
    """Choose an option of a native <select> by its text (or value); label names it in errors."""
    if await el.evaluate("e => e.tagName") != "SELECT":
        raise ActionError(f"{label} is not a <select>; click it to open a custom dropdown")
    try:
        return await el.select_option(label=option, timeout=ACT_TIMEOUT_MS)
    except PlaywrightError:
        try:
            return await el.select_option(value=option, timeout=ACT_TIMEOUT_MS)
        except PlaywrightError:
            raise ActionError(f"{label} has no option {option!r}") from None


async def select_option(s: BrowserSession, a: dict) -> str:
    chosen = await choose(await s.element(a["index"]), a["option"], f"[{a['index']}]")
    return f"selected {chosen} in [{a['index']}]"


_KEY = re.compile(r"^((Control|Shift|Alt|Meta)\+)*([A-Za-z0-9]|F\d{1,2}|[A-Z][a-zA-Z]+)$")


async def send_keys(s: BrowserSession, a: dict) -> str:
    page = await s.page()
    keys = a["keys"]
    if _KEY.match(keys):
        await page.keyboard.press(keys)
    else:
        await page.keyboard.type(keys)
    await _settle(s)
    return f"sent {keys!r}"


async def scroll(s: BrowserSession, a: dict) -> str:
    sign = -1 if a.get("direction") == "up" else 1
    pages = float(a.get("pages", 1.0))
    if a.get("index"):
        el = await s.element(a["index"])
        await el.evaluate("""(e, f) => { let n = e;
            while (n && n !== document.body && n.scrollHeight <= n.clientHeight + 1) n = n.parentElement;
            n = (n && n !== document.body) ? n : (document.scrollingElement || document.documentElement);
            n.scrollBy(0, f * n.clientHeight); }""", sign * pages)
        return f"scrolled [{a['index']}] {'up' if sign < 0 else 'down'}"
    page = await s.page()
    await page.evaluate("f => window.scrollBy(0, f * window.innerHeight)", sign * pages)
    await asyncio.sleep(0.1)  # let scroll listeners (infinite lists) run
    return f"scrolled the page {'up' if sign < 0 else 'down'} {pages:g} page(s)"


async def switch_tab(s: BrowserSession, a: dict) -> str:
    page = await s.switch(a["tab"])
    return f"switched to tab {a['tab']} ({page.url})"


async def open_tab(s: BrowserSession, a: dict) -> str:
    page = await s.context.new_page()  # the context's page event makes it current
    s._follow(page)
    await page.goto(a["url"], wait_until="domcontentloaded", timeout=NAV_TIMEOUT_MS)
    return f"opened a new tab with {page.url}"


async def close_tab(s: BrowserSession, a: dict) -> str:
    page = (await s.switch(a["tab"])) if "tab" in a else await s.page()
    await page.close()
    s._current = None
    return f"closed the tab; now on {(await s.page()).url}"


def _relevant(markdown: str, query: str, limit: int) -> str:
    """The lines that match the most words of the query (headings kept for context), in
    page order; the whole text when nothing matches."""
    words = {w for w in re.findall(r"\w+", query.lower()) if len(w) > 1}
    lines = markdown.splitlines()
    score = [sum(w in ln.lower() for w in words) for ln in lines]
    best = max(score, default=0)
    if best == 0:
        return markdown[:limit]
    keep = [ln for ln, n in zip(lines, score) if n == best or ln.startswith("#")]
    return "\n".join(keep)[:limit]


async def extract_content(s: BrowserSession, a: dict) -> str:
    page = await s.page()
    markdown = await page.evaluate(EXTRACT_JS)
    for frame in page.frames[1:]:  # cross-origin frames read their own text
        if frame.parent_frame is not None and s.last_state and any(f is frame for *_, f in s.last_state.frames):
            try:
                markdown += "\n\n" + await frame.evaluate(EXTRACT_JS)
            except PlaywrightError:
                pass
    if a.get("query"):
        markdown = _relevant(markdown, a["query"], MAX_EXTRACT_CHARS)
    cut = len(markdown) > MAX_EXTRACT_CHARS
    return markdown[:MAX_EXTRACT_CHARS] + ("\n…(cut)" if cut else "")


async def upload_file(s: BrowserSession, a: dict) -> str:
    if s.files_root is None:
        raise ActionError("file upload is not available in this browser")
    root = s.files_root.resolve()
    path = (root / a["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ActionError(f"no file {a['path']!r} in the session's files")
    el = await s.element(a["index"])
    target = await el.evaluate_handle("e => e.tagName === 'LABEL' && e.control ? e.control : e")
    await target.as_element().set_input_files(str(path), timeout=ACT_TIMEOUT_MS)
    return f"attached {path.name} to [{a['index']}]"


async def wait(s: BrowserSession, a: dict) -> str:
    seconds = min(float(a.get("seconds", 1)), MAX_WAIT_S)
    await asyncio.sleep(seconds)
    return f"waited {seconds:g}s"


ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("go_to_url", "Open a URL in the current tab.", _schema({"url": URL}, ["url"]), go_to_url, True),
    Action("go_back", "Go back in the current tab's history.", _schema({}, []), go_back, True),
    Action("click_element", "Click the element with this index.", _schema({"index": INDEX}, ["index"]),
           click_element),
    Action("input_text", "Replace the text of an input, textarea or editable element; submit=true "
           "presses Enter after.", _schema({"index": INDEX, "text": {"type": "string", "maxLength": 10_000},
                                             "submit": {"type": "boolean"}}, ["index", "text"]), input_text),
    Action("select_option", "Choose an option of a native <select> by its visible text.",
           _schema({"index": INDEX, "option": {"type": "string", "maxLength": 500}}, ["index", "option"]),
           select_option),
    Action("send_keys", "Press a key or chord (Enter, Escape, Tab, ArrowDown, Control+a) or type text "
           "into the focused element.", _schema({"keys": {"type": "string", "minLength": 1,
                                                          "maxLength": 1000}}, ["keys"]), send_keys),
    Action("scroll", "Scroll the page, or the scrollable box holding element `index`, by pages.",
           _schema({"direction": {"enum": ["up", "down"]},
                    "pages": {"type": "number", "minimum": 0.1, "maximum": 50},
                    "index": INDEX}, []), scroll),
    Action("switch_tab", "Make the tab with this index current.", _schema({"tab": TAB}, ["tab"]),
           switch_tab, True),
    Action("open_tab", "Open a URL in a new tab and switch to it.", _schema({"url": URL}, ["url"]),
           open_tab, True),
    Action("close_tab", "Close a tab (the current one when tab is left out).", _schema({"tab": TAB}, []),
           close_tab, True),
    Action("extract_content", "Read the page's text as markdown; with a query, the parts about it "
           "first. Use it to read long pages and tables.",
           _schema({"query": {"type": "string", "maxLength": 1000}}, []), extract_content),
    Action("upload_file", "Attach a file (path in the session's files) to a file input.",
           _schema({"index": INDEX, "path": {"type": "string", "maxLength": 4096}}, ["index", "path"]),
           upload_file),
    Action("wait", f"Wait for the page (at most {MAX_WAIT_S}s).",
           _schema({"seconds": {"type": "number", "minimum": 0, "maximum": MAX_WAIT_S}}, []), wait),
]}


METHODS = ("click", "fill", "select_option", "press")


async def perform(s: BrowserSession, el: ElementHandle, method: str, arguments: list[str]) -> str:
    """Do one operator action on an element: click; fill [text, optional "Enter"];
    select_option [option]; press [key or chord]. A short text says what happened."""
    if method == "click":
        opened = await click(s, el)
        return "clicked" + ("; it opened a new tab, which is now current" if opened else "")
    if method == "fill":
        submit = len(arguments) > 1 and arguments[1] == "Enter"
        await fill(s, el, arguments[0] if arguments else "", submit)
        return "filled" + (" and pressed Enter" if submit else "")
    if method == "select_option":
        return f"selected {await choose(el, arguments[0] if arguments else '', 'the element')}"
    if method == "press":
        await el.press(arguments[0] if arguments else "Enter", timeout=ACT_TIMEOUT_MS)
        await _settle(s)
        return f"pressed {arguments[0] if arguments else 'Enter'}"
    raise ActionError(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
