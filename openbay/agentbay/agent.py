"""session.agent.browser / .computer / .mobile as AgentBay has them, on OpenBay's task API.
Argument order is AgentBay's: browser execute_task(task, use_vision, output_schema,
full_page_screenshot); mobile execute_task(task, max_steps, on_* callbacks) -> TaskExecution."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from openbay.sdk.agent import AgentCalls
from openbay.sdk.calls import Call
from openbay.sdk.errors import OpenBayError, TaskTimeoutError
from openbay.sdk.methods import AsyncPart, Part, awaited, awaited_as, blocking, blocking_as
from openbay.sdk.task_execution import AsyncTaskExecution as NativeAsyncExecution
from openbay.sdk.task_execution import Started
from openbay.sdk.task_execution import TaskExecution as NativeExecution
from openbay.sdk.task_results import ExecutionResult as NativeResult
from openbay.sdk.task_stream import AgentEvent as NativeEvent

from .failures import failure, from_error
from .models import AgentEvent
from .results import AgentExecutionResult, QueryResult

Callback = Callable[[AgentEvent], Any] | None


def _text(r: NativeResult) -> Any:
    if r.data is not None and not isinstance(r.data, str):
        return json.dumps(r.data, ensure_ascii=False)
    return r.task_result if r.task_result is not None else ""


def ended(r: NativeResult) -> AgentExecutionResult:
    ok = r.task_status == "finished"
    return AgentExecutionResult(request_id=r.request_id, success=ok, task_id=r.task_id, task_status=r.task_status,
                                task_result=_text(r) if ok else "Task Failed",
                                error_message="" if ok else r.error_message or f"task {r.task_status}")


def _agentbay_events(fn: Callable[[AgentEvent], Any]) -> Callable[[Any], Any]:
    """A callback of AgentBay's (it gets AgentBay's AgentEvent) as OpenBay's SDK calls it; what it
    returns (on_call_for_user's answer, or a coroutine) goes back as it is."""
    def call(event: NativeEvent) -> Any:
        return fn(AgentEvent.of(event))
    return call


def _start(self: Any, task: str, use_vision: bool = False, output_schema: Any = None,
           full_page_screenshot: bool = False, max_steps: int = 50, timeout: float = 600,
           callbacks: dict[str, Callback] | None = None) -> Call[Started | AgentExecutionResult]:
    wrapped = {name: _agentbay_events(fn) for name, fn in (callbacks or {}).items() if fn is not None}
    try:
        return (yield from AgentCalls.execute_task(self, task, use_vision, output_schema, full_page_screenshot,
                                                   max_steps=max_steps, timeout=timeout, **wrapped))
    except (OpenBayError, ValueError) as e:
        if isinstance(e, OpenBayError):
            return from_error(AgentExecutionResult, e, task_status="failed")
        return failure(AgentExecutionResult, str(e), task_status="failed")


def _accepted(self: Any, started: Started | AgentExecutionResult) -> AgentExecutionResult:
    if isinstance(started, AgentExecutionResult):
        return started
    return AgentExecutionResult(request_id=started.result.request_id, success=True, task_id=started.result.task_id,
                                task_status="running")


async def _async_accepted(self: Any, started: Started | AgentExecutionResult) -> AgentExecutionResult:
    return _accepted(self, started)


def _timed_out(e: TaskTimeoutError) -> AgentExecutionResult:
    return AgentExecutionResult(success=False, task_id=e.task_id, task_status=e.task_status,
                                task_result="Task Failed", error_message=f"Task timeout: {e.message}")


def _waited(self: Any, started: Started | AgentExecutionResult) -> AgentExecutionResult:
    if isinstance(started, AgentExecutionResult):
        return started
    try:
        return ended(NativeExecution(self._runner, started).wait(started.timeout))
    except TaskTimeoutError as e:
        return _timed_out(e)
    except OpenBayError as e:
        return from_error(AgentExecutionResult, e, task_id=started.result.task_id)


async def _async_waited(self: Any, started: Started | AgentExecutionResult) -> AgentExecutionResult:
    if isinstance(started, AgentExecutionResult):
        return started
    try:
        return ended(await NativeAsyncExecution(self._runner, started).wait(started.timeout))
    except TaskTimeoutError as e:
        return _timed_out(e)
    except OpenBayError as e:
        return from_error(AgentExecutionResult, e, task_id=started.result.task_id)


class TaskCalls:
    _path: str
    kind: str

    def get_task_status(self, task_id: str) -> Call[QueryResult]:
        try:
            r = yield from AgentCalls.get_task_status(self, task_id)
        except OpenBayError as e:
            return from_error(QueryResult, e)
        return QueryResult(request_id=r.request_id, success=True, task_id=r.task_id, task_status=r.task_status,
                           task_action=r.task_action, task_product=r.task_product or "",
                           error=r.error_message, error_message=r.error_message)

    def terminate_task(self, task_id: str) -> Call[AgentExecutionResult]:
        try:
            r = yield from AgentCalls.terminate_task(self, task_id)
        except OpenBayError as e:
            return from_error(AgentExecutionResult, e, task_id=task_id)
        return AgentExecutionResult(request_id=r.request_id, success=r.task_status == "cancelled", task_id=task_id,
                                    task_status=r.task_status)


class BrowserTaskCalls(TaskCalls):
    def execute_task(self, task: str, use_vision: bool = False, output_schema: Any = None,
                     full_page_screenshot: bool = False) -> Call[Started | AgentExecutionResult]:
        """Start a task (non-blocking): task_id and task_status "running"; follow it with get_task_status."""
        return (yield from _start(self, task, use_vision, output_schema, full_page_screenshot))

    def execute_task_and_wait(self, task: str, timeout: int, use_vision: bool = False, output_schema: Any = None,
                              full_page_screenshot: bool = False) -> Call[Started | AgentExecutionResult]:
        """Run a task to its end (at most `timeout` seconds): success, task_status, task_result."""
        return (yield from _start(self, task, use_vision, output_schema, full_page_screenshot, timeout=timeout))


class ComputerTaskCalls(TaskCalls):
    def execute_task(self, task: str) -> Call[Started | AgentExecutionResult]:
        return (yield from _start(self, task))

    def execute_task_and_wait(self, task: str, timeout: int) -> Call[Started | AgentExecutionResult]:
        return (yield from _start(self, task, timeout=timeout))


class MobileTaskCalls(TaskCalls):
    def execute_task(self, task: str, max_steps: int = 50, on_reasoning: Callback = None, on_content: Callback = None,
                     on_tool_call: Callback = None, on_tool_result: Callback = None, on_error: Callback = None,
                     on_call_for_user: Callback = None) -> Call[Started | AgentExecutionResult]:
        return (yield from _start(self, task, max_steps=max_steps, callbacks={
            "on_reasoning": on_reasoning, "on_content": on_content, "on_tool_call": on_tool_call,
            "on_tool_result": on_tool_result, "on_error": on_error, "on_call_for_user": on_call_for_user}))

    def execute_task_and_wait(self, task: str, timeout: int, max_steps: int = 50, on_reasoning: Callback = None,
                              on_content: Callback = None, on_tool_call: Callback = None,
                              on_tool_result: Callback = None, on_error: Callback = None,
                              on_call_for_user: Callback = None) -> Call[Started | AgentExecutionResult]:
        return (yield from _start(self, task, max_steps=max_steps, timeout=timeout, callbacks={
            "on_reasoning": on_reasoning, "on_content": on_content, "on_tool_call": on_tool_call,
            "on_tool_result": on_tool_result, "on_error": on_error, "on_call_for_user": on_call_for_user}))


class TaskExecution:
    """AgentBay's handle of a mobile task: task_id, and wait(timeout) for its ExecutionResult."""

    def __init__(self, owner: Any, started: Started | AgentExecutionResult):
        self._owner, self._started = owner, started
        self.task_id = "" if isinstance(started, AgentExecutionResult) else started.result.task_id
        self._native = None if isinstance(started, AgentExecutionResult) else NativeExecution(owner._runner, started)

    def wait(self, timeout: int = 300) -> AgentExecutionResult:
        if self._native is None:
            return self._started  # type: ignore[return-value]
        try:
            return ended(self._native.wait(timeout))
        except TaskTimeoutError as e:
            return _timed_out(e)


class AsyncTaskExecution(TaskExecution):
    def __init__(self, owner: Any, started: Started | AgentExecutionResult):
        self._owner, self._started = owner, started
        self.task_id = "" if isinstance(started, AgentExecutionResult) else started.result.task_id
        self._anative = None if isinstance(started, AgentExecutionResult) else NativeAsyncExecution(owner._runner,
                                                                                                   started)

    async def wait(self, timeout: int = 300) -> AgentExecutionResult:  # type: ignore[override]
        if self._anative is None:
            return self._started  # type: ignore[return-value]
        try:
            return ended(await self._anative.wait(timeout))
        except TaskTimeoutError as e:
            return _timed_out(e)


async def _async_handle(self: Any, started: Started | AgentExecutionResult) -> AsyncTaskExecution:
    return AsyncTaskExecution(self, started)


class _Kind:
    def __init__(self, runner: Any, path: str, kind: str, browser: Any = None):
        self._runner, self._path, self.kind, self._browser = runner, path, kind, browser


class BrowserAgent(_Kind, Part):
    def initialize(self, option: Any = None) -> bool:
        """Start the browser the agent works in with `option` (AgentBay's BrowserOption)."""
        return self._browser.initialize(option)

    execute_task = blocking_as(BrowserTaskCalls.execute_task, _accepted)
    execute_task_and_wait = blocking_as(BrowserTaskCalls.execute_task_and_wait, _waited)
    get_task_status = blocking(TaskCalls.get_task_status)
    terminate_task = blocking(TaskCalls.terminate_task)


class AsyncBrowserAgent(_Kind, AsyncPart):
    async def initialize(self, option: Any = None) -> bool:
        return await self._browser.initialize(option)

    execute_task = awaited_as(BrowserTaskCalls.execute_task, _async_accepted)
    execute_task_and_wait = awaited_as(BrowserTaskCalls.execute_task_and_wait, _async_waited)
    get_task_status = awaited(TaskCalls.get_task_status)
    terminate_task = awaited(TaskCalls.terminate_task)


class ComputerAgent(_Kind, Part):
    execute_task = blocking_as(ComputerTaskCalls.execute_task, _accepted)
    execute_task_and_wait = blocking_as(ComputerTaskCalls.execute_task_and_wait, _waited)
    get_task_status = blocking(TaskCalls.get_task_status)
    terminate_task = blocking(TaskCalls.terminate_task)


class AsyncComputerAgent(_Kind, AsyncPart):
    execute_task = awaited_as(ComputerTaskCalls.execute_task, _async_accepted)
    execute_task_and_wait = awaited_as(ComputerTaskCalls.execute_task_and_wait, _async_waited)
    get_task_status = awaited(TaskCalls.get_task_status)
    terminate_task = awaited(TaskCalls.terminate_task)


class MobileAgent(_Kind, Part):
    execute_task = blocking_as(MobileTaskCalls.execute_task, TaskExecution)
    execute_task_and_wait = blocking_as(MobileTaskCalls.execute_task_and_wait, _waited)
    get_task_status = blocking(TaskCalls.get_task_status)
    terminate_task = blocking(TaskCalls.terminate_task)


class AsyncMobileAgent(_Kind, AsyncPart):
    execute_task = awaited_as(MobileTaskCalls.execute_task, _async_handle)
    execute_task_and_wait = awaited_as(MobileTaskCalls.execute_task_and_wait, _async_waited)
    get_task_status = awaited(TaskCalls.get_task_status)
    terminate_task = awaited(TaskCalls.terminate_task)


class Agent:
    def __init__(self, runner: Any, path: str, browser: Any):
        self.browser = BrowserAgent(runner, path, "browser", browser)
        self.computer = ComputerAgent(runner, path, "computer")
        self.mobile = MobileAgent(runner, path, "mobile")


class AsyncAgent:
    def __init__(self, runner: Any, path: str, browser: Any):
        self.browser = AsyncBrowserAgent(runner, path, "browser", browser)
        self.computer = AsyncComputerAgent(runner, path, "computer")
        self.mobile = AsyncMobileAgent(runner, path, "mobile")
