"""The browser agent's step loop: look at the page, ask the model, act, repeat.

A step captures the page state (plus a screenshot with vision), sends it with a
compact history, and runs the model's tool calls in order, stopping early when
an action changed the page. It notices repeated actions on an unchanged page,
and checks done.data against the output schema, handing errors back to the model
a bounded number of times.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from playwright.async_api import Error as PlaywrightError

from openbay.browser.actions import ACTIONS
from openbay.browser.session import ActionError, BrowserSession
from openbay.browser.state import PageState

from .events import AgentHooks, DeltaBuffer, StepRecord
from .history import Exchange, History, summary
from .llm import ChatClient, ToolCall, Usage
from .planning import UPDATE_PLAN_TOOL, Planner, PlanRejected
from .prompts import browser_system_prompt

MAX_SCHEMA_RETRIES = 3
MAX_SILENT_TURNS = 3  # model answers without any tool call
LOOP_WARN_AFTER = 2


class BudgetExceeded(Exception):
    """The task used more tokens than it was allowed."""


@dataclass
class AgentOptions:
    max_steps: int = 50
    use_vision: bool = False
    full_page_screenshot: bool = False
    output_schema: dict | None = None
    max_tokens: int | None = None
    plan: bool = False  # write a plan first (see planning.py)
    auto_accept_plan: bool = True


@dataclass
class AgentOutcome:
    success: bool
    text: str = ""
    data: Any = None
    error: str = ""
    steps: int = 0
    usage: Usage = field(default_factory=Usage)
    message_count: int = 0


def _tool(name: str, description: str, parameters: dict) -> dict:
    return {"type": "function", "function": {"name": name, "description": description,
                                             "parameters": parameters}}


def tool_specs(output_schema: dict | None) -> list[dict]:
    tools = [_tool(a.name, a.description, a.parameters) for a in ACTIONS.values()]
    tools.append(_tool("call_for_user", "Ask the person a question and wait for the answer.",
                       {"type": "object", "properties": {"question": {"type": "string", "maxLength": 4000}},
                        "required": ["question"], "additionalProperties": False}))
    done_props: dict = {"text": {"type": "string", "description": "the answer or what was done"},
                        "success": {"type": "boolean"}}
    if output_schema:
        done_props["data"] = output_schema
    tools.append(_tool("done", "Finish the task.", {"type": "object", "properties": done_props,
                                                    "required": ["text"] + (["data"] if output_schema else [])}))
    return tools


class BrowserAgent:
    def __init__(self, llm: ChatClient, browser: BrowserSession, hooks: AgentHooks, options: AgentOptions):
        self.llm, self.browser, self.hooks, self.options = llm, browser, hooks, options
        self.tools = tool_specs(options.output_schema)
        self.schema = Draft202012Validator(options.output_schema) if options.output_schema else None
        self.usage = Usage()
        self.messages_sent = 0
        self._schema_failures = 0
        self._silent_turns = 0
        self._seen: dict[tuple[str, str], int] = {}
        self._outcome: AgentOutcome | None = None
        self.planner = Planner(llm, hooks, auto_accept=options.auto_accept_plan,
                               usage=self.usage) if options.plan else None
        if self.planner is not None:
            self.tools.append(UPDATE_PLAN_TOOL)

    async def run(self, task: str) -> AgentOutcome:
        if self.planner is not None:
            try:
                task = await self.planner.prepare(task)
            except PlanRejected as e:
                return self._end(False, error=str(e))
        history = History(browser_system_prompt(self.options.output_schema), task)
        notes: list[str] = []
        for step in range(1, self.options.max_steps + 1):
            started = time.monotonic()
            state = await self.browser.state(screenshot=self.options.use_vision,
                                             full_page=self.options.full_page_screenshot)
            messages = history.messages(self._state_message(state, step, notes))
            self.messages_sent += len(messages)
            turn = await self._ask(messages, step)
            notes = []
            results, log = await self._act(turn.tool_calls, state, step, notes)
            if not turn.tool_calls:
                self._silent_turns += 1
                if self._silent_turns >= MAX_SILENT_TURNS:
                    return self._end(False, error="the model answered without calling any tool "
                                     f"{MAX_SILENT_TURNS} times in a row", steps=step)
                notes.append("You must answer with tool calls (call done when finished).")
            else:
                self._silent_turns = 0
            history.add(Exchange(step, turn.assistant_message(), results))
            await self.hooks.record_step(StepRecord(
                step=step, url=state.url, title=state.title, actions=log, usage=turn.usage.as_dict(),
                screenshot=state.screenshot, duration_s=time.monotonic() - started))
            if self._outcome is not None:
                self._outcome.steps = step
                if self._outcome.success and self.planner is not None:
                    await self.planner.finish()
                return self._outcome
        return self._end(False, error=f"max_steps ({self.options.max_steps}) reached before the task "
                         "was done", steps=self.options.max_steps)

    def _end(self, success: bool, *, text: str = "", data: Any = None, error: str = "",
             steps: int = 0) -> AgentOutcome:
        return AgentOutcome(success=success, text=text, data=data, error=error, steps=steps,
                            usage=self.usage, message_count=self.messages_sent)

    def _state_message(self, state: PageState, step: int, notes: list[str]) -> dict:
        text = f"Step {step} of at most {self.options.max_steps}. Current page state:\n{state.render()}"
        if notes:
            text += "\n\nNotes:\n" + "\n".join(f"- {n}" for n in notes)
        if not state.screenshot:
            return {"role": "user", "content": text}
        return {"role": "user", "content": [
            {"type": "text", "text": text},
            {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{state.screenshot}"}}]}

    async def _ask(self, messages: list[dict], step: int):
        reasoning = DeltaBuffer(self.hooks, "reasoning", step)
        content = DeltaBuffer(self.hooks, "content", step)
        try:
            turn = await self.llm.complete(messages, self.tools, on_reasoning=reasoning.add,
                                           on_content=content.add)
        finally:
            await reasoning.flush()
            await content.flush()
        self.usage.add(turn.usage)
        if self.options.max_tokens and self.usage.total_tokens > self.options.max_tokens:
            raise BudgetExceeded(f"token budget exceeded: used {self.usage.total_tokens} of "
                                 f"{self.options.max_tokens} tokens")
        return turn

    async def _act(self, calls: list[ToolCall], state: PageState, step: int, notes: list[str]):
        """Run the tool calls in order; (results for the model, log for the step record)."""
        results: list[tuple[str, str, str]] = []
        log: list[dict] = []
        before = state.quick_fingerprint or await self._fingerprint()
        skip_reason = ""
        for call in calls:
            try:
                args = call.args()
            except ValueError as e:
                args, bad = {}, f"invalid arguments: {e}"
            else:
                bad = ""
            line = summary(call.name, args)
            if skip_reason or self._outcome is not None:
                results.append((call.id, line, skip_reason or "skipped: the task already ended"))
                continue
            await self.hooks.emit("tool_call", {"id": call.id, "name": call.name, "args": args, "step": step})
            ok, text, navigated = await self._run_tool(call.name, args, bad, state)
            if ok and call.name in ACTIONS:
                text += self._loop_note(call.name, args, state)
            await self.hooks.emit("tool_result", {"id": call.id, "name": call.name, "ok": ok,
                                                  "output": text[:4000], "step": step})
            results.append((call.id, line, text))
            log.append({"name": call.name, "args": args, "ok": ok, "result": text[:500]})
            if navigated or (call.name in ACTIONS and await self._fingerprint() != before):
                skip_reason = f"skipped: the page changed after {call.name}; look at the new state first"
        return results, log

    async def _fingerprint(self) -> str:
        return await self.browser.quick_fingerprint()

    def _loop_note(self, name: str, args: dict, state: PageState) -> str:
        key = (state.fingerprint, name + json.dumps(args, sort_keys=True))
        self._seen[key] = seen = self._seen.get(key, 0) + 1
        if seen >= LOOP_WARN_AFTER:
            return (f"\nNote: you have done exactly this {seen} times on this same page state; it is "
                    "not getting you further. Try something different.")
        return ""

    async def _run_tool(self, name: str, args: dict, bad: str, state: PageState) -> tuple[bool, str, bool]:
        """(ok, text for the model, whether the page surely changed)."""
        if bad:
            return False, bad, False
        if name == "done":
            return self._done(args)
        if name == "update_plan" and self.planner is not None:
            return await self.planner.update(args)
        if name == "call_for_user":
            question = str(args.get("question", ""))[:4000]
            answer = await self.hooks.ask_user(question)
            if answer is None:
                return False, "the person did not answer in time", False
            return True, f"the person answered: {answer}", False
        action = ACTIONS.get(name)
        if action is None:
            return False, f"there is no tool {name!r}", False
        errors = sorted(Draft202012Validator(action.parameters).iter_errors(args), key=str)
        if errors:
            return False, "invalid arguments: " + "; ".join(e.message for e in errors[:3]), False
        try:
            return True, await action.run(self.browser, args), action.navigates
        except ActionError as e:
            await self.hooks.emit("error", {"message": str(e), "fatal": False})
            return False, str(e), False
        except PlaywrightError as e:
            message = f"{name} failed: {str(e).splitlines()[0][:300]}"
            await self.hooks.emit("error", {"message": message, "fatal": False})
            return False, message, action.navigates

    def _done(self, args: dict) -> tuple[bool, str, bool]:
        text = str(args.get("text", ""))
        if args.get("success") is False:
            self._outcome = self._end(False, text=text, error=text or "the agent gave up")
            return True, "finished (unsuccessfully)", False
        data = args.get("data")
        if self.schema is not None:
            errors = sorted(self.schema.iter_errors(data), key=str) if data is not None else []
            problem = "data is missing" if data is None else "; ".join(
                f"{'/'.join(map(str, e.absolute_path)) or 'data'}: {e.message}" for e in errors[:5])
            if data is None or errors:
                self._schema_failures += 1
                if self._schema_failures > MAX_SCHEMA_RETRIES:
                    self._outcome = self._end(False, text=text, data=data, error=(
                        f"done.data did not fit the output schema after {MAX_SCHEMA_RETRIES} "
                        f"corrections: {problem}"))
                    return False, problem, False
                return False, (f"done was not accepted: {problem}. Call done again with data that "
                               "fits the schema."), False
        self._outcome = self._end(True, text=text, data=data)
        return True, "finished", False
