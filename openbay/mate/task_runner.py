"""WyseOS Mate's TaskRunner on OpenBay: run_task starts a task that plans first, follows its
events over OpenBay's task WebSocket, answers plan approvals and questions (callbacks, or the
person at the terminal) and returns Mate's TaskResult; run_interactive_session is the terminal
loop around it. Every TaskExecutionOptions flag does what Mate documents:

- verbose: each event is printed (as it happens);
- auto_accept_plan: False sends the plan to the person (or `on_plan`) before anything is done;
- capture_screenshots: the agent sees a screenshot each step, and TaskResult.screenshots has them;
- enable_browser_logging: each browser action (and its result) is printed;
- enable_event_logging (default: verbose): TaskResult.execution_logs has the step logs;
- completion_timeout: the task's time limit (seconds);
- max_user_input_timeout: how long a wait for the person may last (0: no limit);
- stop_on_x_confirm: a confirmation the agent asks for stops the task instead (safe mode).
"""
from __future__ import annotations

import contextlib
import select
import sys
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from openbay.protocol.conversations import RunTaskRequest, RunTaskStarted
from openbay.protocol.tasks import TaskInfo
from openbay.sdk.task_stream import AgentEvent, EventDispatcher, run_blocking

from .errors import APIError, MateError

if TYPE_CHECKING:
    from .client import Client
    from .websocket import WebSocketClient

EVENT_TYPES = ("plan", "reasoning", "content", "tool_call", "tool_result", "error", "call_for_user",
               "user_input", "answer", "status")
QUIT_WORDS = ("", "exit", "quit", "q")
# keys of `extra` that are OpenBay fields of the run; the rest go to the agent with the task
RUN_FIELDS = ("max_steps", "llm")
STOPPED_FOR_CONFIRMATION = "stopped: the agent asked for a confirmation (stop_on_x_confirm)"


class TaskExecutionOptions(BaseModel):
    verbose: bool = False
    auto_accept_plan: bool = True
    capture_screenshots: bool = False
    enable_browser_logging: bool = True
    enable_event_logging: bool | None = None  # None: as verbose
    completion_timeout: int = Field(default=300, gt=0)
    max_user_input_timeout: int = Field(default=0, ge=0)  # 0: wait for the person forever
    stop_on_x_confirm: bool = False

    @property
    def event_logging_enabled(self) -> bool:
        return self.verbose if self.enable_event_logging is None else self.enable_event_logging


class TaskResult(BaseModel):
    success: bool
    final_answer: str = ""
    error: str | None = None
    screenshots: list[dict[str, Any]] = Field(default_factory=list, repr=False)  # with capture_screenshots
    execution_logs: list[dict[str, Any]] = Field(default_factory=list)  # with event logging
    plan_history: list[dict[str, Any]] = Field(default_factory=list)
    session_duration: float = 0.0
    message_count: int = 0


class TaskMode(Enum):
    """Default: the task as given. DeepSearch: several sources, cross-checked and cited.
    Marketing: research of audience, competitors and channels, answered with drafts."""
    Default = ""
    DeepSearch = "deep_search"
    Marketing = "marketing"


def terminal_input(prompt: str, timeout_s: float = 0) -> str | None:
    """A line from the person at the terminal; None at end of input or after timeout_s (0: no limit)."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    if timeout_s and not select.select([sys.stdin], [], [], timeout_s)[0]:
        sys.stdout.write("\n(no answer in time)\n")
        return None
    line = sys.stdin.readline()
    return line.rstrip("\r\n") if line else None


def describe(e: AgentEvent) -> str:
    """One event as a line for the terminal."""
    p = e.payload
    if e.type == "plan":
        state = "awaiting your approval" if p.get("awaiting_approval") else (
            "edited by you" if p.get("edited") else "accepted" if p.get("accepted") else "")
        return f"plan v{p.get('version')} ({state}):\n" + p.get("content", "")
    prefixes = {"reasoning": "thinking: ", "content": "", "tool_call": "-> ", "tool_result": "<- ",
                "error": "! ", "call_for_user": "? ", "user_input": "you: ", "answer": "answer: ",
                "status": "status: "}
    text = e.content
    if e.type == "tool_result":
        text = ("ok: " if p.get("ok") else "failed: ") + text[:300]
    return prefixes.get(e.type, f"{e.type}: ") + text


def run_body(task: str, attachments: list[dict] | None, task_mode: TaskMode, extra: dict | None,
             options: TaskExecutionOptions) -> dict:
    """The run request: Mate's options as OpenBay's fields; `extra` keys OpenBay has as fields
    become them, the others are passed on to the agent with the task (never dropped)."""
    extra = dict(extra or {})
    fields = {k: extra.pop(k) for k in RUN_FIELDS if k in extra}
    return RunTaskRequest(
        task=task, attachments=attachments or [], task_mode=task_mode.value or "default",
        auto_accept_plan=options.auto_accept_plan, capture_screenshots=options.capture_screenshots,
        completion_timeout=options.completion_timeout, max_user_input_timeout=options.max_user_input_timeout,
        extra=extra, **fields).model_dump(mode="json", exclude_none=True)


def task_result(info: TaskInfo, events: list[AgentEvent], stream_error: str, options: TaskExecutionOptions,
                error: str | None = None) -> TaskResult:
    success = info.status.value == "finished" and not error
    steps = [log for log in info.execution_logs if log.has_screenshot]
    shots = [{"step": log.step, "url": log.url, "image": shot, "format": "jpeg"}
             for log, shot in zip(steps, info.screenshots)]
    return TaskResult(
        success=success, final_answer=info.result or "",
        error=None if success else (error or info.error_message or stream_error or f"the task {info.status.value}"),
        screenshots=shots if options.capture_screenshots else [],
        execution_logs=[log.model_dump(mode="json") for log in info.execution_logs]
        if options.event_logging_enabled else [],
        plan_history=[e.payload for e in events if e.type == "plan"],
        session_duration=info.session_duration_s, message_count=len(events))


class TaskRunner:
    """Runs tasks in the session of `session_info`. `input_fn(prompt, timeout_s)` and
    `output_fn(text)` are how it talks with the person (the terminal by default)."""

    def __init__(self, ws_client: WebSocketClient | None, client: Client, session_info, *,
                 input_fn: Callable[[str, float], str | None] = terminal_input,
                 output_fn: Callable[[str], Any] = print):
        self.ws_client = ws_client
        self.client = client
        self.session_info = session_info
        self.session_id: str = session_info if isinstance(session_info, str) else session_info.session_id
        self.input_fn, self.output_fn = input_fn, output_fn

    def run_task(self, task: str, attachments: list[dict] | None = None, task_mode: TaskMode = TaskMode.Default,
                 extra: dict[str, Any] | None = None, options: TaskExecutionOptions | None = None, *,
                 on_plan: Callable[[dict], str | None] | None = None,
                 on_user_input: Callable[[str], str | None] | None = None,
                 on_event: Callable[[AgentEvent], Any] | None = None) -> TaskResult:
        """Run `task` to its end. With auto_accept_plan=False the plan goes to `on_plan(plan)`
        (or the person at the terminal), which answers 'accept', 'reject[: why]' or edited
        steps; the agent's questions go to `on_user_input(question)` (or the terminal)."""
        options = options or TaskExecutionOptions()
        if extra is None:
            extra = self.client.session.extra_of(self.session_id)
        try:
            body = run_body(task, attachments, task_mode, extra, options)
            started = RunTaskStarted.model_validate(self.client.request(
                "POST", f"/v1/sessions/{self.session_id}/runs", json=body, timeout=120))
        except APIError as e:
            if e.status_code in (401, 403):
                raise
            return TaskResult(success=False, error=e.message)
        except ValueError as e:  # what the request model refuses (pydantic's ValidationError is one)
            return TaskResult(success=False, error=str(e))
        task_id = started.task.task_id
        stopped: list[str] = []
        dispatcher = EventDispatcher(self._callbacks(options, task_id, stopped, on_plan, on_user_input, on_event))
        running = self.client.running_tasks.setdefault(self.session_id, set())
        running.add(task_id)
        try:
            run_blocking(self.client.base_url, self.client.auth_headers, task_id, dispatcher)
        except KeyboardInterrupt:  # the person stopped it: so does the agent
            self._terminate(task_id)
            raise
        finally:
            running.discard(task_id)
        info = TaskInfo.model_validate(self.client.request("GET", f"/v1/tasks/{task_id}"))
        return task_result(info, dispatcher.events, dispatcher.error, options, stopped[0] if stopped else None)

    def _terminate(self, task_id: str) -> None:
        with contextlib.suppress(MateError):
            self.client.request("POST", f"/v1/tasks/{task_id}/terminate")

    def _callbacks(self, options: TaskExecutionOptions, task_id: str, stopped: list[str],
                   on_plan, on_user_input, on_event) -> dict:
        timeout = float(options.max_user_input_timeout or 0)
        plans: list[dict] = []

        def handle(e: AgentEvent):
            if on_event is not None:
                on_event(e)
            if options.verbose and e.type != "call_for_user":
                self.output_fn(describe(e))
            elif options.enable_browser_logging and e.type in ("tool_call", "tool_result"):
                self.output_fn(f"[browser] {describe(e)}")
            if e.type == "plan":
                plans.append(e.payload)
            if e.type != "call_for_user":
                return None
            if e.payload.get("kind") == "plan":
                if on_plan is not None:
                    return on_plan(plans[-1] if plans else {})
                self.output_fn(e.content)
                return self.input_fn("plan> ", timeout)
            if options.stop_on_x_confirm:  # safe mode: nothing goes on on a person's say-so
                stopped.append(STOPPED_FOR_CONFIRMATION)
                self.output_fn(f"== {STOPPED_FOR_CONFIRMATION}: {e.content}")
                self._terminate(task_id)
                return None
            if on_user_input is not None:
                return on_user_input(e.content)
            self.output_fn(describe(e))
            return self.input_fn("answer> ", timeout)

        return {f"on_{t}": handle for t in EVENT_TYPES}

    def run_interactive_session(self, initial_task: str, attachments: list[dict] | None = None,
                                task_mode: TaskMode = TaskMode.Default, extra: dict[str, Any] | None = None,
                                options: TaskExecutionOptions | None = None) -> None:
        """The terminal loop: run a task showing its events (the person sees what they are asked
        about: verbose is on), asking the person when the agent needs them, then ask for the next
        task in the same session (an empty line, 'exit', 'quit' or 'q' ends)."""
        options = (options or TaskExecutionOptions()).model_copy(update={"verbose": True})
        task: str | None = initial_task
        try:
            while task is not None and task.strip().lower() not in QUIT_WORDS:
                self.output_fn(f"== task: {task}")
                r = self.run_task(task, attachments, task_mode, extra, options)
                self.output_fn(f"== done: {r.final_answer}" if r.success else f"== failed: {r.error}")
                if options.capture_screenshots and r.screenshots:
                    self.output_fn(f"== {len(r.screenshots)} screenshots")
                attachments = None
                task = self.input_fn("next task (empty line to quit)> ", float(options.max_user_input_timeout or 0))
        except KeyboardInterrupt:  # Ctrl-C: the running task was stopped; end quietly
            self.output_fn("\n== interrupted")
        self.output_fn("== session over")


def create_task_runner(ws_client: WebSocketClient | None, client: Client, session_info) -> TaskRunner:
    """Mate's factory: a TaskRunner for the session of `session_info` (a SessionInfo or its id)."""
    return TaskRunner(ws_client, client, session_info)
