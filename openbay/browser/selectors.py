"""Elements named by CSS selectors that outlive a page load (for the action cache), and a
hash of a page's structure (tag names in document order, not text) to key cached actions on.

A selector is a CSS selector from the nearest ancestor with a unique id; an element inside
open shadow roots is a chain of them joined by ` >>> ` (host first).
"""
from __future__ import annotations

from playwright.async_api import ElementHandle
from playwright.async_api import Error as PlaywrightError

from .session import WATCH_JS, BrowserSession

SHADOW = " >>> "

# The selector of an element of the main document (or of shadow roots in it); null for
# elements of other frames, which the cache leaves alone.
SELECTOR_OF_JS = """i => {
  const el = (window.__obEls || {})[i];
  if (!el || !el.isConnected || el.ownerDocument !== document) return null;
  const esc = (s) => CSS.escape(s);
  function within(e, root) {
    const parts = [];
    for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
      if (n.id && root.querySelectorAll("#" + esc(n.id)).length === 1) { parts.unshift("#" + esc(n.id)); break; }
      if (n === document.body || n === document.documentElement) { parts.unshift(n.tagName.toLowerCase()); break; }
      let k = 1;
      for (let p = n.previousElementSibling; p; p = p.previousElementSibling) if (p.tagName === n.tagName) k++;
      parts.unshift(n.tagName.toLowerCase() + ":nth-of-type(" + k + ")");
    }
    return parts.join(" > ");
  }
  const chain = [];
  for (let e = el; e; ) {
    const root = e.getRootNode();
    chain.unshift(within(e, root));
    e = root instanceof ShadowRoot ? root.host : null;
  }
  return chain.join(" >>> ");
}"""

# The element a selector names, if it is on the page and shown; noting new tabs like FIND_ELEMENT_JS.
FIND_SELECTOR_JS = "sel => { " + WATCH_JS + """
  let root = document, e = null;
  for (const part of sel.split(" >>> ")) {
    try { e = root.querySelector(part); } catch (err) { return null; }
    if (!e) return null;
    root = e.shadowRoot || e;
  }
  return e.getClientRects().length ? watch(e) : null;
}"""

# URL without its fragment, and an FNV-1a hash of the first 5,000 tag names.
STRUCTURE_JS = """() => {
  const all = document.getElementsByTagName("*"), n = Math.min(all.length, 5000);
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    const t = all[i].tagName;
    for (let j = 0; j < t.length; j++) { h ^= t.charCodeAt(j); h = Math.imul(h, 16777619); }
    h ^= 47; h = Math.imul(h, 16777619);
  }
  return {url: location.href.split("#")[0], hash: all.length + "-" + (h >>> 0).toString(16)};
}"""


async def selector_of(s: BrowserSession, index: int) -> str | None:
    """The selector of element [index] of the last page state (None: not in the main document)."""
    state = s.last_state
    page = await s.page()
    if state is None or state.frame_of(index) is not page.main_frame:
        return None
    try:
        return await page.main_frame.evaluate(SELECTOR_OF_JS, index)
    except PlaywrightError:
        return None


async def find(s: BrowserSession, selector: str) -> ElementHandle | None:
    """The shown element the selector names on the current page, or None."""
    page = await s.page()
    try:
        handle = await page.main_frame.evaluate_handle(FIND_SELECTOR_JS, selector)
    except PlaywrightError:
        return None
    return handle.as_element()


async def structure(s: BrowserSession) -> tuple[str, str]:
    """(URL without fragment, structure hash) of the current page."""
    page = await s.page()
    out = await page.main_frame.evaluate(STRUCTURE_JS)
    return out["url"], out["hash"]
