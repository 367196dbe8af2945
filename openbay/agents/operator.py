"""The browser operator: one instruction at a time, in the style of AgentBay's
`browser.agent` and Stagehand: act ("click the login button"), observe (candidate
actions with selectors), extract (an object that fits a schema), navigate.

An act that worked is kept in an action cache keyed on the instruction, the URL and
the page's structure hash, and replayed next time without asking the model; when the
cached element is gone, the model is asked again and the entry replaced (it heals).
`%name%` variables stay placeholders for the model and the cache; their values are put
into the action's arguments only when it runs, so they reach the page and nothing else.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema import Draft202012Validator
from playwright.async_api import Error as PlaywrightError

from openbay.browser.actions import METHODS, extract_content, perform
from openbay.browser.selectors import find, selector_of, structure
from openbay.browser.session import ActionError, BrowserSession

from .llm import ChatClient, ToolCall, Usage
from .step_loop import tool

EXTRACT_RETRIES = 2  # corrections after the first answer
_VARIABLE = re.compile(r"%([A-Za-z_][A-Za-z0-9_]{0,63})%")
INDEX = {"type": "integer", "minimum": 1, "description": "element index from the page"}
TEXT = {"type": "string", "maxLength": 10_000}

ACT_TOOLS = [
    tool("click", "Click the element.", {"type": "object", "properties": {"index": INDEX},
                                         "required": ["index"]}),
    tool("fill", "Replace the text of an input; submit=true presses Enter after.",
         {"type": "object", "properties": {"index": INDEX, "text": TEXT, "submit": {"type": "boolean"}},
          "required": ["index", "text"]}),
    tool("select_option", "Choose an option of a <select> by its text.",
         {"type": "object", "properties": {"index": INDEX, "option": TEXT}, "required": ["index", "option"]}),
    tool("press", "Press a key or chord (Enter, Tab, Control+a) on the element.",
         {"type": "object", "properties": {"index": INDEX, "keys": {"type": "string", "maxLength": 100}},
          "required": ["index", "keys"]}),
    tool("nothing_to_do", "No element on this page fits the instruction: say why.",
         {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 1000}},
          "required": ["reason"]}),
]

OBSERVE_TOOL = tool("candidates", "The elements that fit the instruction, best first (empty when none).", {
    "type": "object", "required": ["actions"], "properties": {"actions": {"type": "array", "maxItems": 20, "items": {
        "type": "object", "required": ["index", "method", "description"],
        "properties": {"index": INDEX, "method": {"enum": list(METHODS)},
                       "arguments": {"type": "array", "items": {"type": "string", "maxLength": 10_000},
                                     "maxItems": 2},
                       "description": {"type": "string", "maxLength": 500}}}}}})

ACT_SYSTEM = """You operate a web page for one instruction. You get the page's interactive
elements as [index]<tag attributes>text, with visible text between them. Call exactly one tool
that carries out the instruction on the right element. If no element fits, or the instruction
cannot be done on this page, call nothing_to_do with the reason; never guess.
Words like %name% are variables: pass them literally (with the % signs) in your arguments."""

OBSERVE_SYSTEM = """You look at a web page for an instruction. You get the page's interactive
elements as [index]<tag attributes>text. Call candidates with the elements that fit, best first,
each with the method to use on it (click, fill, select_option, press), its arguments (the text
to fill, the option, the key) and a short description. An empty list when nothing fits."""

EXTRACT_SYSTEM = """You read a web page's text and answer with the data asked for, by calling
answer with data that fits the given JSON schema exactly. Use only what the page says."""


@dataclass
class OperatorAction:
    """One action on one element: what observe proposes and act does."""
    selector: str | None
    method: str
    arguments: list[str] = field(default_factory=list)
    description: str = ""

    def as_dict(self) -> dict:
        return {"selector": self.selector, "method": self.method, "arguments": self.arguments,
                "description": self.description}


@dataclass
class ActOutcome:
    success: bool
    message: str
    action: OperatorAction | None = None
    cached: bool = False  # replayed from the cache, no model call
    healed: bool = False  # a cached action's element was gone: the model found it again
    usage: Usage = field(default_factory=Usage)


class ExtractFailed(Exception):
    """The model's answer never fitted the schema; the last answer is kept."""

    def __init__(self, message: str, last_answer: Any, usage: Usage):
        super().__init__(message)
        self.last_answer, self.usage = last_answer, usage


class ActionCache(Protocol):
    """Where worked acts are kept (the server's store, per owner)."""

    async def get(self, key: str) -> dict | None: ...

    async def put(self, key: str, entry: dict) -> None: ...


def cache_key(instruction: str, url: str, shape: str) -> str:
    return hashlib.sha256(json.dumps([instruction.strip(), url, shape]).encode()).hexdigest()


def substitute(arguments: list[str], variables: dict[str, str]) -> list[str]:
    return [_VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), a) for a in arguments]


def _arguments(name: str, args: dict) -> tuple[str, list[str]]:
    """A model tool call (click, fill, ...) as an operator method and its arguments."""
    if name == "fill":
        return "fill", [str(args.get("text", ""))] + (["Enter"] if args.get("submit") else [])
    if name == "select_option":
        return "select_option", [str(args.get("option", ""))]
    if name == "press":
        return "press", [str(args.get("keys", ""))]
    return "click", []


class BrowserOperator:
    def __init__(self, llm: ChatClient, browser: BrowserSession, cache: ActionCache | None = None):
        self.llm, self.browser, self.cache = llm, browser, cache

    async def navigate(self, url: str) -> tuple[str, str]:
        page = await self.browser.page()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=15_000)
        except PlaywrightError as e:
            raise ActionError(f"could not open {url}: {str(e).splitlines()[0]}") from None
        return page.url, await page.title()

    async def act(self, instruction: str, variables: dict[str, str] | None = None, *,
                  use_cache: bool = True) -> ActOutcome:
        variables = variables or {}
        key, healing = "", False
        if self.cache is not None and use_cache:
            url, shape = await structure(self.browser)
            key = cache_key(instruction, url, shape)
            entry = await self.cache.get(key)
            if entry is not None:
                done = await self.replay(OperatorAction(**entry["action"]), variables)
                if done is not None:
                    return ActOutcome(True, done, OperatorAction(**entry["action"]), cached=True)
                healing = True
        outcome = await self._act_with_model(instruction, variables)
        outcome.healed = healing and outcome.success
        if outcome.success and key and outcome.action and outcome.action.selector:
            await self.cache.put(key, {"instruction": instruction, "url": url, "structure": shape,
                                       "action": outcome.action.as_dict()})
        return outcome

    async def replay(self, action: OperatorAction, variables: dict[str, str] | None = None) -> str | None:
        """Do an action by its selector; None when its element is not on the page (or gone mid-way)."""
        el = await find(self.browser, action.selector) if action.selector else None
        if el is None:
            return None
        try:
            return await perform(self.browser, el, action.method, substitute(action.arguments, variables or {}))
        except PlaywrightError:
            return None

    async def _act_with_model(self, instruction: str, variables: dict[str, str]) -> ActOutcome:
        state = await self.browser.state()
        turn = await self.llm.complete(self._messages(ACT_SYSTEM, instruction, variables, state.render()),
                                       ACT_TOOLS)
        call = turn.tool_calls[0] if turn.tool_calls else None
        args = _args_of(call)
        if call is None or call.name == "nothing_to_do" or args is None:
            reason = (args or {}).get("reason") or turn.content.strip() or "the model chose no action"
            return ActOutcome(False, f"nothing to do: {reason}"[:1000], usage=turn.usage)
        method, arguments = _arguments(call.name, args)
        index = args.get("index")
        if not isinstance(index, int) or state.frame_of(index) is None:
            return ActOutcome(False, f"nothing to do: the model named element {index!r}, which is not on "
                              "the page", usage=turn.usage)
        action = OperatorAction(await selector_of(self.browser, index), method, arguments,
                                _element_line(state.lines, index))
        try:
            el = await self.browser.element(index)
            message = await perform(self.browser, el, method, substitute(arguments, variables))
        except (ActionError, PlaywrightError) as e:
            return ActOutcome(False, f"{method} failed: {str(e).splitlines()[0][:300]}", action, usage=turn.usage)
        return ActOutcome(True, message, action, usage=turn.usage)

    async def observe(self, instruction: str) -> tuple[list[OperatorAction], Usage]:
        state = await self.browser.state()
        turn = await self.llm.complete(self._messages(OBSERVE_SYSTEM, instruction, {}, state.render()),
                                       [OBSERVE_TOOL])
        found = []
        for item in ((_args_of(turn.tool_calls[0]) or {}).get("actions", []) if turn.tool_calls else []):
            index = item.get("index") if isinstance(item, dict) else None
            if not isinstance(index, int) or state.frame_of(index) is None or item.get("method") not in METHODS:
                continue
            found.append(OperatorAction(await selector_of(self.browser, index), item["method"],
                                        [str(a) for a in item.get("arguments") or []][:2],
                                        str(item.get("description", ""))[:500]))
        return found, turn.usage

    async def extract(self, instruction: str, schema: dict) -> tuple[Any, Usage]:
        """An object that validates against `schema`; ExtractFailed after the retries."""
        validator = Draft202012Validator(schema)
        answer = tool("answer", "The data asked for.", {"type": "object", "properties": {"data": schema},
                                                        "required": ["data"]})
        text = await extract_content(self.browser, {})
        messages = [{"role": "system", "content": EXTRACT_SYSTEM},
                    {"role": "user", "content": f"Extract: {instruction}\n\nJSON schema of data:\n"
                     f"{json.dumps(schema)}\n\nThe page ({(await self.browser.page()).url}):\n{text}"}]
        usage, last, problem = Usage(), None, ""
        for _ in range(EXTRACT_RETRIES + 1):
            turn = await self.llm.complete(messages, [answer])
            usage.add(turn.usage)
            call = turn.tool_calls[0] if turn.tool_calls else None
            args = _args_of(call)
            if args is None or "data" not in args:
                last = turn.content or (call.arguments if call else None)
                problem = "the answer did not call answer with data"
            else:
                last = args["data"]
                errors = sorted(validator.iter_errors(last), key=str)
                if not errors:
                    return last, usage
                problem = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or 'data'}: {e.message}"
                                    for e in errors[:5])
            messages.append(turn.assistant_message())
            note = f"Not accepted: {problem}. Call answer again with data that fits the schema."
            if call is not None:
                messages.append({"role": "tool", "tool_call_id": call.id, "content": note})
            else:
                messages.append({"role": "user", "content": note})
        raise ExtractFailed(f"the extracted data did not fit the schema after {EXTRACT_RETRIES} "
                            f"corrections: {problem}"[:1000], last, usage)

    @staticmethod
    def _messages(system: str, instruction: str, variables: dict[str, str], page: str) -> list[dict]:
        names = ", ".join(f"%{n}%" for n in variables)
        note = f"\nVariables you may use: {names}" if names else ""
        return [{"role": "system", "content": system},
                {"role": "user", "content": f"Instruction: {instruction}{note}\n\nThe page:\n{page}"}]


def _element_line(lines: list[str], index: int) -> str:
    """How the page state showed element [index] (its tag, attributes and text)."""
    mark = f"[{index}]"
    return next((ln.strip()[len(mark):][:300] for ln in lines if ln.lstrip().startswith(mark)), "")


def _args_of(call: ToolCall | None) -> dict | None:
    if call is None:
        return None
    try:
        return call.args()
    except ValueError:
        return None
