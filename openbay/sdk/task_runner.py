"""bay.task_runner(session): WyseOS Mate's TaskRunner. run_task starts a task that
plans first, follows its events over the WebSocket, answers plan approvals and
questions (through callbacks, or the person at the terminal), and returns a
TaskResult; run_interactive_session is the terminal loop around it."""
from __future__ import annotations

import contextlib
import select
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openbay.protocol.conversations import RunTaskRequest, RunTaskStarted, TaskMode
from openbay.protocol.tasks import TaskInfo

from . import calls
from .calls import Request
from .errors import OpenBayError
from .task_stream import AgentEvent, EventDispatcher, run_blocking
from .transport import SyncRunner

EVENT_TYPES = ("plan", "reasoning", "content", "tool_call", "tool_result", "error", "call_for_user",
               "user_input", "answer", "status")
QUIT_WORDS = ("", "exit", "quit", "q")


@dataclass
class TaskExecutionOptions:
    verbose: bool = False
    auto_accept_plan: bool = True
    capture_screenshots: bool = False
    enable_browser_logging: bool = True
    enable_event_logging: bool | None = None
    completion_timeout: int = 300
    max_user_input_timeout: int = 0  # seconds each wait for the person may last; 0: forever
    stop_on_x_confirm: bool = False  # kept for parity with Mate's options; no X actions here


@dataclass
class TaskResult:
    success: bool
    final_answer: str = ""
    error: str | None = None
    screenshots: list[dict[str, Any]] = field(default_factory=list, repr=False)
    execution_logs: list[dict[str, Any]] = field(default_factory=list)
    plan_history: list[dict[str, Any]] = field(default_factory=list)
    session_duration: float = 0.0
    message_count: int = 0
    task_id: str = ""
    status: str = ""


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


def _screenshots(info: TaskInfo) -> list[dict]:
    steps = [log for log in info.execution_logs if log.has_screenshot]
    return [{"step": log.step, "url": log.url, "image": shot, "format": "jpeg"}
            for log, shot in zip(steps, info.screenshots)]


def _result(info: TaskInfo, events: list[AgentEvent], stream_error: str) -> TaskResult:
    success = info.status.value == "finished"
    error = info.error_message or (stream_error if not success else "") or None
    return TaskResult(success=success, final_answer=info.result or "", error=error if not success else None,
                      screenshots=_screenshots(info),
                      execution_logs=[log.model_dump(mode="json") for log in info.execution_logs],
                      plan_history=[e.payload for e in events if e.type == "plan"],
                      session_duration=info.session_duration_s, message_count=len(events),
                      task_id=info.task_id, status=info.status.value)


class TaskRunner:
    """Runs tasks in one session. `input_fn(prompt, timeout_s)` and `output_fn(text)` are
    how it talks with the person (the terminal by default)."""

    def __init__(self, runner: SyncRunner, session_id: str, *,
                 input_fn: Callable[[str, float], str | None] = terminal_input,
                 output_fn: Callable[[str], Any] = print):
        self._runner = runner
        self.session_id = session_id
        self.input_fn, self.output_fn = input_fn, output_fn

    def run_task(self, task: str, attachments: list[dict] | None = None,
                 task_mode: TaskMode = TaskMode.Default, extra: dict | None = None,
                 options: TaskExecutionOptions | None = None, *,
                 on_plan: Callable[[dict], str | None] | None = None,
                 on_user_input: Callable[[str], str | None] | None = None,
                 on_event: Callable[[AgentEvent], Any] | None = None) -> TaskResult:
        """Run `task` to its end. With auto_accept_plan=False the plan goes to `on_plan(plan)`
        (or the person at the terminal), which answers 'accept', 'reject[: why]' or edited
        steps; the agent's questions go to `on_user_input(question)` (or the terminal)."""
        options = options or TaskExecutionOptions()
        body = RunTaskRequest(task=task, attachments=attachments or [], task_mode=task_mode,
                              auto_accept_plan=options.auto_accept_plan,
                              capture_screenshots=options.capture_screenshots,
                              completion_timeout=options.completion_timeout,
                              max_user_input_timeout=options.max_user_input_timeout,
                              **(extra or {})).model_dump(mode="json", exclude_none=True)
        try:
            started = self._runner.run(calls.value(
                Request("POST", f"/v1/sessions/{self.session_id}/runs", json=body, timeout_s=120),
                RunTaskStarted.model_validate))
        except OpenBayError as e:
            if getattr(e, "status", 0) in (401, 403):
                raise
            return TaskResult(success=False, error=str(e))
        task_id = started.task.task_id
        dispatcher = EventDispatcher(self._callbacks(options, on_plan, on_user_input, on_event))
        try:
            run_blocking(self._runner.base_url, self._runner.auth_headers, task_id, dispatcher)
        except KeyboardInterrupt:  # the person stopped it: so does the agent
            with contextlib.suppress(OpenBayError):
                self._runner.run(calls.value(Request("POST", f"/v1/tasks/{task_id}/terminate"), lambda b: b))
            raise
        info = self._runner.run(calls.value(Request("GET", f"/v1/tasks/{task_id}"), TaskInfo.model_validate))
        return _result(info, dispatcher.events, dispatcher.error)

    def _callbacks(self, options: TaskExecutionOptions, on_plan, on_user_input, on_event) -> dict:
        timeout = float(options.max_user_input_timeout or 0)
        plans: list[dict] = []

        def handle(e: AgentEvent):
            if on_event is not None:
                on_event(e)
            if options.verbose and e.type != "call_for_user":
                self.output_fn(describe(e))
            if e.type == "plan":
                plans.append(e.payload)
            if e.type != "call_for_user":
                return None
            if e.payload.get("kind") == "plan":
                if on_plan is not None:
                    return on_plan(plans[-1] if plans else {})
                self.output_fn(e.content)
                return self.input_fn("plan> ", timeout)
            if on_user_input is not None:
                return on_user_input(e.content)
            self.output_fn(describe(e))
            return self.input_fn("answer> ", timeout)

        return {f"on_{t}": handle for t in EVENT_TYPES}

    def run_interactive_session(self, initial_task: str, attachments: list[dict] | None = None,
                                task_mode: TaskMode = TaskMode.Default, extra: dict | None = None,
                                options: TaskExecutionOptions | None = None) -> None:
        """The terminal loop: run a task showing its events, asking the person when the agent
        needs them, then ask for the next task in the same session (empty line or 'exit' ends)."""
        options = options or TaskExecutionOptions()
        options.verbose = True
        task: str | None = initial_task
        try:
            while task is not None and task.strip().lower() not in QUIT_WORDS:
                self.output_fn(f"== task: {task}")
                r = self.run_task(task, attachments, task_mode, extra, options)
                self.output_fn(f"== done: {r.final_answer}" if r.success else f"== failed: {r.error}")
                attachments = None
                task = self.input_fn("next task (empty line to quit)> ", float(options.max_user_input_timeout or 0))
        except KeyboardInterrupt:  # Ctrl-C: the running task was stopped; end quietly
            self.output_fn("\n== interrupted")
        self.output_fn("== session over")
