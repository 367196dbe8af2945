"""Whole tasks replayed from the action cache: a browser task that finished is kept step by
step (each element action under the task, the step number, the URL and the page's structure
hash); the same task run again takes a kept step without asking the model when its page is
the same and its element is still there, and asks the model for everything else.
"""
from __future__ import annotations

import json

from playwright.async_api import Error as PlaywrightError

from openbay.browser.selectors import FIND_SELECTOR_JS, selector_of, structure
from openbay.browser.session import BrowserSession

from .llm import ChatTurn, ToolCall
from .operator import ActionCache, cache_key

# tool -> operator method, and back (tools without an element are not kept)
MAX_CALLS = 20  # kept calls of one step
METHOD_OF = {"click_element": "click", "input_text": "fill", "select_option": "select_option"}

# the page-state index of the element a selector names (null: not listed now)
INDEX_OF_JS = "sel => { const find = " + FIND_SELECTOR_JS + """;
  const e = find(sel);
  if (!e) return null;
  for (const [i, x] of Object.entries(window.__obEls || {})) if (x === e) return +i;
  return null;
}"""


def _key(task: str, step: str, url: str, shape: str) -> str:
    return cache_key(f"task step {step}: {task}", url, shape)


class TaskReplay:
    def __init__(self, cache: ActionCache, browser: BrowserSession):
        self.cache, self.browser = cache, browser
        self.task = ""
        self._page: tuple[str, str] = ("", "")
        self._kept: list[tuple[int, tuple[str, dict]]] = []  # (step, (key, entry))

    async def cached_turn(self, step: int) -> ChatTurn | None:
        """The kept tool calls for this step on this page, while their elements are listed now."""
        try:
            self._page = await structure(self.browser)
        except PlaywrightError:
            self._page = ("", "")
            return None
        calls = []
        page = await self.browser.page()
        for k in range(MAX_CALLS):
            entry = await self.cache.get(_key(self.task, f"{step}.{k}", *self._page))
            if entry is None:
                break
            action = entry["action"]
            try:
                index = await page.main_frame.evaluate(INDEX_OF_JS, action["selector"])
            except PlaywrightError:
                index = None
            if index is None:
                return None  # the page changed under the kept step: the model decides
            calls.append(ToolCall(id=f"cached_{step}_{k}", name=_tool(action["method"]),
                                  arguments=json.dumps(_args(action["method"], action.get("arguments") or [], index))))
        if not calls:
            return None
        return ChatTurn(content="(steps of this task kept from an earlier run)", tool_calls=calls)

    async def note(self, step: int, name: str, args: dict) -> tuple[str, dict] | None:
        """Before an element action runs: what to keep of it (add() it once it worked)."""
        if name not in METHOD_OF or not isinstance(args.get("index"), int) or not self._page[0]:
            return None
        selector = await selector_of(self.browser, args["index"])
        if selector is None:
            return None
        arguments = {"click_element": [], "input_text": [str(args.get("text", ""))]
                     + (["Enter"] if args.get("submit") else []),
                     "select_option": [str(args.get("option", ""))]}[name]
        url, shape = self._page
        k = sum(1 for s, _ in self._kept if s == step)
        return _key(self.task, f"{step}.{k}", url, shape), {
            "instruction": f"task step {step}.{k}: {self.task}"[:20_000], "url": url, "structure": shape,
            "action": {"selector": selector, "method": METHOD_OF[name], "arguments": arguments,
                       "description": f"step {step} of a task"}}

    def add(self, step: int, kept: tuple[str, dict]) -> None:
        self._kept.append((step, kept))

    async def keep(self) -> None:
        """The task finished: keep its steps for the next run."""
        for _, (key, entry) in self._kept:
            await self.cache.put(key, entry)


def _tool(method: str) -> str:
    return next(t for t, m in METHOD_OF.items() if m == method)


def _args(method: str, arguments: list[str], index: int) -> dict:
    if method == "fill":
        return {"index": index, "text": arguments[0] if arguments else "", "submit": len(arguments) > 1}
    if method == "select_option":
        return {"index": index, "option": arguments[0] if arguments else ""}
    return {"index": index}
