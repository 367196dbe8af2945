"""What every agent's step loop shares: look, ask the model, act, repeat.

A subclass says how to look (`observe`), how to show what it saw (`state_message`),
what it saw for the step record (`step_view`) and how to run one of its own tools
(`_run_action`); this class keeps the model conversation compact, streams the
model's text, counts tokens against the budget, asks the person (call_for_user),
notices repeated actions on an unchanged state, and checks done.data against the
output schema, handing errors back to the model a bounded number of times.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from .events import AgentHooks, DeltaBuffer, StepRecord
from .history import Exchange, History, summary
from .llm import ChatClient, ChatTurn, ContextOverflow, LLMError, ToolCall, Usage
from .planning import UPDATE_PLAN_TOOL, Planner, PlanRejected

MAX_SCHEMA_RETRIES = 3
MAX_SILENT_TURNS = 3  # model answers without any tool call
MAX_OVERFLOW_RETRIES = 3  # a step whose request did not fit the context is trimmed and sent again
LOOP_WARN_AFTER = 2


class BudgetExceeded(Exception):
    """The task used more tokens than it was allowed."""

    def __init__(self, message: str, usage: Usage | None = None):
        super().__init__(message)
        self.usage = usage or Usage()  # what the step that went over cost


@dataclass
class AgentOptions:
    max_steps: int = 50
    use_vision: bool = False
    full_page_screenshot: bool = False
    output_schema: dict | None = None
    max_tokens: int | None = None
    plan: bool = False  # write a plan first (see planning.py)
    auto_accept_plan: bool = True
    sensitive_data: dict | None = field(default=None, repr=False)  # see task_guard.py
    allowed_domains: list[str] = field(default_factory=list)
    prohibited_domains: list[str] = field(default_factory=list)
    resume: ResumePoint | None = None  # go on from a stored step instead of starting afresh


@dataclass
class ResumePoint:
    """Where a task interrupted by a server restart goes on: the next step's number, and one
    line per action of the steps already done (shown to the model; no plan is written again)."""
    next_step: int
    earlier: list[str] = field(default_factory=list)


@dataclass
class AgentOutcome:
    success: bool
    text: str = ""
    data: Any = None
    error: str = ""
    steps: int = 0
    usage: Usage = field(default_factory=Usage)
    message_count: int = 0


@dataclass
class StepView:
    """What a step saw, for its record: where (url or app), a title, a base64 image."""
    url: str = ""
    title: str = ""
    screenshot: str | None = None


def tool(name: str, description: str, parameters: dict) -> dict:
    return {"type": "function", "function": {"name": name, "description": description,
                                             "parameters": parameters}}


def common_tools(output_schema: dict | None) -> list[dict]:
    """call_for_user and done, which every agent has."""
    tools = [tool("call_for_user", "Ask the person a question and wait for the answer.",
                  {"type": "object", "properties": {"question": {"type": "string", "maxLength": 4000}},
                   "required": ["question"], "additionalProperties": False})]
    done_props: dict = {"text": {"type": "string", "description": "the answer or what was done"},
                        "success": {"type": "boolean"}}
    if output_schema:
        done_props["data"] = output_schema
    tools.append(tool("done", "Finish the task.", {"type": "object", "properties": done_props,
                                                   "required": ["text"] + (["data"] if output_schema else [])}))
    return tools


def invalid_arguments(parameters: dict, args: dict) -> str:
    """Why `args` do not fit a tool's JSON schema ('' when they do)."""
    errors = sorted(Draft202012Validator(parameters).iter_errors(args), key=str)
    return "invalid arguments: " + "; ".join(e.message for e in errors[:3]) if errors else ""


class StepAgent:
    """The loop; subclasses add observe, state_message, step_view, system_prompt, _run_action."""

    needs_vision = False  # True: works from screenshots alone (computer, mobile), so needs a model that sees

    def __init__(self, llm: ChatClient, hooks: AgentHooks, options: AgentOptions, tools: list[dict]):
        self.llm, self.hooks, self.options = llm, hooks, options
        self.tools = tools + common_tools(options.output_schema)
        self.schema = Draft202012Validator(options.output_schema) if options.output_schema else None
        self.usage = Usage()
        self._schema_failures = 0
        self._silent_turns = 0
        self._seen: dict[tuple[str, str], int] = {}
        self._outcome: AgentOutcome | None = None
        self.planner = Planner(llm, hooks, auto_accept=options.auto_accept_plan,
                               usage=self.usage) if options.plan else None
        if self.planner is not None:
            self.tools.append(UPDATE_PLAN_TOOL)

    # -- what a subclass provides ------------------------------------------------------------

    def system_prompt(self) -> str:
        raise NotImplementedError

    async def observe(self) -> Any:
        raise NotImplementedError

    def state_message(self, state: Any, step: int, notes: list[str]) -> dict:
        raise NotImplementedError

    def step_view(self, state: Any) -> StepView:
        raise NotImplementedError

    async def _run_action(self, name: str, args: dict, state: Any) -> tuple[bool, str, bool]:
        """Run one of this agent's own tools: (ok, text for the model, whether the state surely changed)."""
        raise NotImplementedError

    def _failure(self, name: str, action: Any, error: Exception) -> tuple[str, str, bool] | None:
        """How a failed action is told (text for the model, the error event's text, whether the
        state surely changed); None: not an action's failure, it goes up."""
        return None

    async def _dispatch(self, actions: Mapping[str, Any], name: str, args: dict,
                        run: Callable[[Any], Awaitable[tuple[str, bool]]]) -> tuple[bool, str, bool]:
        """One of `actions` (each with JSON-schema `parameters`) by name, its arguments checked,
        run by `run(action)` -> (text, changed); a failure `_failure` knows is said to the model."""
        action = actions.get(name)
        if action is None:
            return False, f"there is no tool {name!r}", False
        bad = invalid_arguments(action.parameters, args)
        if bad:
            return False, bad, False
        try:
            text, changed = await run(action)
            return True, text, changed
        except Exception as e:
            failure = self._failure(name, action, e)
            if failure is None:
                raise
            text, event, changed = failure
            await self.hooks.emit("error", {"message": event, "fatal": False})
            return False, text, changed

    def fingerprint(self, state: Any) -> str:
        """Equal for states the model cannot tell apart (for noticing loops)."""
        return ""

    async def _cached_turn(self, step: int):
        """A turn kept from an earlier run of the same task, taken without asking the model (None: ask)."""
        return None

    async def _before_actions(self, state: Any) -> None:
        """Called once per step before its tool calls run."""

    async def _after_action(self, name: str, changed: bool) -> str:
        """A reason to skip the step's remaining tool calls after this one ('' to go on)."""
        return ""

    # -- the loop ------------------------------------------------------------------------------

    async def run(self, task: str) -> AgentOutcome:
        problem = await self._check_model()
        if problem:
            return self._end(False, error=problem)
        resume = self.options.resume
        if self.planner is not None and resume is None:
            try:
                task = await self.planner.prepare(task)
            except PlanRejected as e:
                return self._end(False, error=str(e))
        history = History(self.system_prompt(), task, earlier=list(resume.earlier) if resume else [])
        notes: list[str] = []
        for step in range(resume.next_step if resume else 1, self.options.max_steps + 1):
            started = time.monotonic()
            state, step_usage = None, None
            try:
                state = await self.observe()
                turn = await self._cached_turn(step) or \
                    await self._ask(history, self.state_message(state, step, notes), step)
                step_usage = turn.usage
                notes = []
                results, log = await self._act(turn.tool_calls, state, step)
            except (LLMError, BudgetExceeded) as e:
                usage = e.usage if isinstance(e, BudgetExceeded) else step_usage or self._cut_usage(cancelled=False)
                await self._record(step, state, [], usage, started)
                await self._report_notices()
                return self._end(False, error=str(e), steps=step)
            except asyncio.CancelledError:  # terminated or timed out: the step still counts
                usage = step_usage or self._cut_usage(cancelled=True)
                await asyncio.shield(self._record(step, state, [], usage, started))
                raise
            ending = None
            if not turn.tool_calls:
                self._silent_turns += 1
                if turn.truncated:
                    notes.append(f"Your answer was cut off at the limit of {self.llm.output_cap()} tokens. "
                                 "Answer with short tool calls only.")
                if self._silent_turns >= MAX_SILENT_TURNS:
                    reason = f"the model answered without calling any tool {MAX_SILENT_TURNS} times in a row"
                    if self.llm.switch_to_fallback(reason):
                        self._silent_turns = 0
                    else:
                        ending = self._end(False, error=reason + self._no_tools_hint(), steps=step)
                notes.append("You must answer with tool calls (call done when finished).")
            else:
                self._silent_turns = 0
            history.add(Exchange(step, turn.assistant_message(), results))
            await self._record(step, state, log, turn.usage, started, model=turn.model)
            await self._report_notices()
            if ending is not None:
                return ending
            if self._outcome is not None:
                self._outcome.steps = step
                if self._outcome.success and self.planner is not None:
                    await self.planner.finish()
                return self._outcome
        return self._end(False, error=f"max_steps ({self.options.max_steps}) reached before the task "
                         "was done", steps=self.options.max_steps)

    async def _check_model(self) -> str:
        """Ask the server what the model can take; why the task cannot run ('' when it can)."""
        info = await self.llm.prepare()
        if info.supports_vision is False:
            if self.needs_vision:
                return (f"the model {self.llm.config.model!r} at {self.llm.config.base_url} cannot take images "
                        f"({info.server or 'the server'} says so); this agent works from screenshots and needs "
                        "a vision model")
            if self.options.use_vision:
                self.options.use_vision = False
                self.llm.notices.append("vision is off: the model cannot take images "
                                        f"({info.server or 'the server'} says so)")
        if self.llm.text_tools and info.supports_tools is False:
            self.llm.notices.append(
                f"{info.server or 'the model server'} reports no tool calling for this model (llama.cpp: start "
                "llama-server with --jinja and a tool-capable chat template); the tools are described in the "
                "prompt and read back from the answer's text")
        await self._report_notices()
        return ""

    def _no_tools_hint(self) -> str:
        if self.llm.text_tools:
            return ""
        return ("; the server may ignore the tools (llama.cpp: --jinja and a tool-capable chat template), or the "
                "model cannot call tools: OPENBAY_LLM_TOOL_MODE=text describes them in the prompt instead")

    def _cut_usage(self, *, cancelled: bool) -> Usage:
        """What the answer that was cut off (or failed mid-stream) cost: counted, not reported."""
        partial = self.llm.partial
        if partial is None or not (cancelled or partial.deltas):
            return Usage()
        self.llm.partial = None
        self.usage.add(partial.usage)
        return partial.usage

    async def _record(self, step: int, state: Any, log: list[dict], usage: Usage, started: float, *,
                      model: str = "") -> None:
        view = self.step_view(state) if state is not None else StepView()
        await self.hooks.record_step(StepRecord(
            step=step, url=view.url, title=view.title, actions=log, usage=usage.as_dict(),
            screenshot=view.screenshot, duration_s=time.monotonic() - started,
            messages=self.llm.messages_sent, model=model or self.llm.config.model))

    async def _report_notices(self) -> None:
        notices, self.llm.notices = self.llm.notices, []
        for notice in notices:
            await self.hooks.emit("error", {"message": notice, "fatal": False})

    def _end(self, success: bool, *, text: str = "", data: Any = None, error: str = "",
             steps: int = 0) -> AgentOutcome:
        return AgentOutcome(success=success, text=text, data=data, error=error, steps=steps,
                            usage=self.usage, message_count=self.llm.messages_sent)

    async def _ask(self, history: History, state_message: dict, step: int) -> ChatTurn:
        """The model's answer for this step; the history is trimmed again when it did not fit."""
        for attempt in range(MAX_OVERFLOW_RETRIES + 1):
            messages = history.messages(state_message, budget=self.llm.prompt_budget(self.tools))
            reasoning = DeltaBuffer(self.hooks, "reasoning", step)
            content = DeltaBuffer(self.hooks, "content", step)
            try:
                turn = await self.llm.complete(messages, self.tools, on_reasoning=reasoning.add,
                                               on_content=content.add)
            except ContextOverflow as e:
                if attempt == MAX_OVERFLOW_RETRIES:
                    raise
                self.llm.learn_context(e, messages, self.tools)
                await self._report_notices()
                continue
            finally:
                await reasoning.flush()
                await content.flush()
            break
        self.usage.add(turn.usage)
        if self.options.max_tokens and self.usage.total_tokens > self.options.max_tokens:
            raise BudgetExceeded(f"token budget exceeded: used {self.usage.total_tokens} of "
                                 f"{self.options.max_tokens} tokens", turn.usage)
        return turn

    async def _act(self, calls: list[ToolCall], state: Any, step: int):
        """Run the tool calls in order; (results for the model, log for the step record)."""
        results: list[tuple[str, str, str]] = []
        log: list[dict] = []
        await self._before_actions(state)
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
            ok, text, changed = await self._run_tool(call.name, args, bad, state)
            if call.name not in ("done", "call_for_user", "update_plan"):
                if ok:
                    text += self._loop_note(call.name, args, state)
                skip_reason = await self._after_action(call.name, changed)
            await self.hooks.emit("tool_result", {"id": call.id, "name": call.name, "ok": ok,
                                                  "output": text[:4000], "step": step})
            results.append((call.id, line, text))
            log.append({"name": call.name, "args": args, "ok": ok, "result": text[:500]})
        return results, log

    def _loop_note(self, name: str, args: dict, state: Any) -> str:
        key = (self.fingerprint(state), name + json.dumps(args, sort_keys=True))
        self._seen[key] = seen = self._seen.get(key, 0) + 1
        if seen >= LOOP_WARN_AFTER:
            return (f"\nNote: you have done exactly this {seen} times on this same state; it is "
                    "not getting you further. Try something different.")
        return ""

    async def _run_tool(self, name: str, args: dict, bad: str, state: Any) -> tuple[bool, str, bool]:
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
        return await self._run_action(name, args, state)

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
