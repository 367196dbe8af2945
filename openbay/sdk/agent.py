"""session.agent.browser (and .computer / .mobile): hand a task to an agent, follow
it, stop it. Names and argument order follow AgentBay's agent modules:
execute_task(task, use_vision, output_schema, full_page_screenshot, *, max_steps, ...)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openbay.protocol.tasks import LLMOverride, TaskCreateRequest

from . import calls
from .calls import Call, Request
from .methods import AsyncPart, Part, awaited, awaited_as, blocking, blocking_as
from .results import OperationResult
from .task_execution import AsyncTaskExecution, Started, TaskExecution
from .task_results import ExecutionResult, QueryResult, execution_result, query_fields
from .task_stream import AgentEvent
from .transport import AsyncRunner, SyncRunner

AgentEventCallback = Callable[[AgentEvent], Any] | None


def _schema_of(output_schema: Any) -> dict | None:
    if output_schema is None:
        return None
    if isinstance(output_schema, dict):
        return output_schema
    return output_schema.model_json_schema()


class AgentCalls:
    _path: str
    kind: str

    def execute_task(self, task: str, use_vision: bool = False, output_schema: type | dict | None = None,
                     full_page_screenshot: bool = False, *, max_steps: int = 50,
                     timeout: float = 600, max_tokens: int | None = None,
                     call_for_user_timeout: float = 300, llm: dict | LLMOverride | None = None,
                     sensitive_data: dict | None = None, allowed_domains: list[str] | None = None,
                     prohibited_domains: list[str] | None = None, use_cache: bool = False,
                     on_reasoning: AgentEventCallback = None, on_content: AgentEventCallback = None,
                     on_tool_call: AgentEventCallback = None, on_tool_result: AgentEventCallback = None,
                     on_error: AgentEventCallback = None, on_call_for_user: AgentEventCallback = None,
                     on_status: AgentEventCallback = None, on_usage: AgentEventCallback = None,
                     record: bool = False) -> Call[Started]:
        """Start a task (non-blocking): a TaskExecution whose wait() gives the ExecutionResult.
        `timeout` bounds the task on the server. With any on_* callback, events stream over a
        WebSocket as they happen; on_call_for_user returns the person's answer (a str; with
        AsyncOpenBay also an awaitable of one). record=True records the session from this task on."""
        body = TaskCreateRequest(
            task=task, max_steps=max_steps, use_vision=use_vision, full_page_screenshot=full_page_screenshot,
            output_schema=_schema_of(output_schema), timeout_s=timeout, max_tokens=max_tokens,
            call_for_user_timeout_s=call_for_user_timeout,
            llm=LLMOverride.model_validate(llm) if isinstance(llm, dict) else llm,
            sensitive_data=sensitive_data, allowed_domains=allowed_domains or [],
            prohibited_domains=prohibited_domains or [], use_cache=use_cache, record=record,
        ).model_dump(mode="json", exclude_none=True)
        callbacks = {"on_reasoning": on_reasoning, "on_content": on_content, "on_tool_call": on_tool_call,
                     "on_tool_result": on_tool_result, "on_error": on_error,
                     "on_call_for_user": on_call_for_user, "on_status": on_status, "on_usage": on_usage}
        req = Request("POST", f"{self._path}/agent/{self.kind}/tasks", json=body)
        started = yield from calls.result(req, ExecutionResult, lambda b: execution_result(b))
        return Started(started, callbacks, output_schema, timeout)

    def execute_task_and_wait(self, task: str, timeout: float = 300, use_vision: bool = False,
                              output_schema: type | dict | None = None, full_page_screenshot: bool = False, *,
                              max_steps: int = 50, max_tokens: int | None = None,
                              call_for_user_timeout: float = 300, llm: dict | LLMOverride | None = None,
                              sensitive_data: dict | None = None, allowed_domains: list[str] | None = None,
                              prohibited_domains: list[str] | None = None, use_cache: bool = False,
                              on_reasoning: AgentEventCallback = None, on_content: AgentEventCallback = None,
                              on_tool_call: AgentEventCallback = None, on_tool_result: AgentEventCallback = None,
                              on_error: AgentEventCallback = None, on_call_for_user: AgentEventCallback = None,
                              on_status: AgentEventCallback = None,
                              on_usage: AgentEventCallback = None) -> Call[Started]:
        """execute_task(...) then wait(timeout): the ExecutionResult of the ended task
        (TaskTimeoutError when it did not end in `timeout` seconds)."""
        return (yield from AgentCalls.execute_task(
            self, task, use_vision, output_schema, full_page_screenshot, max_steps=max_steps, timeout=timeout,
            max_tokens=max_tokens, call_for_user_timeout=call_for_user_timeout, llm=llm,
            sensitive_data=sensitive_data, allowed_domains=allowed_domains, prohibited_domains=prohibited_domains,
            use_cache=use_cache, on_usage=on_usage, on_reasoning=on_reasoning, on_content=on_content,
            on_tool_call=on_tool_call,
            on_tool_result=on_tool_result, on_error=on_error, on_call_for_user=on_call_for_user,
            on_status=on_status))

    def get_task_status(self, task_id: str) -> Call[QueryResult]:
        return (yield from calls.result(Request("GET", f"/v1/tasks/{task_id}"), QueryResult, query_fields))

    def terminate_task(self, task_id: str) -> Call[ExecutionResult]:
        """Stop the task now; the result has task_status 'cancelled'."""
        return (yield from calls.result(Request("POST", f"/v1/tasks/{task_id}/terminate"), ExecutionResult,
                                        lambda b: execution_result(b)))

    def reply(self, task_id: str, content: str) -> Call[OperationResult[None]]:
        """Answer the task's pending call_for_user over REST (the WebSocket does it for callbacks)."""
        return (yield from calls.result(Request("POST", f"/v1/tasks/{task_id}/reply", json={"content": content}),
                                        OperationResult, lambda b: {}))

    def list_events(self, task_id: str, after_seq: int = 0, limit: int = 100) -> Call[list[AgentEvent]]:
        req = Request("GET", f"/v1/tasks/{task_id}/events", params={"after_seq": after_seq, "limit": limit})
        return (yield from calls.value(req, lambda b: [AgentEvent.from_wire(e) for e in b["events"]]))


def _execution(agent: TaskAgent, started: Started) -> TaskExecution:
    return TaskExecution(agent._runner, started)


# the server ends a task that ran out of time as `timed_out` itself: wait a little past the
# task's own deadline so the caller gets that final status, not "still running"
SERVER_TIMEOUT_GRACE_S = 15.0


def _waited(agent: TaskAgent, started: Started) -> ExecutionResult:
    return TaskExecution(agent._runner, started).wait(started.timeout + SERVER_TIMEOUT_GRACE_S)


async def _async_execution(agent: AsyncTaskAgent, started: Started) -> AsyncTaskExecution:
    return AsyncTaskExecution(agent._runner, started)


async def _async_waited(agent: AsyncTaskAgent, started: Started) -> ExecutionResult:
    return await AsyncTaskExecution(agent._runner, started).wait(started.timeout + SERVER_TIMEOUT_GRACE_S)


class TaskAgent(Part):
    """One kind of agent (browser, computer, mobile) of one session."""

    def __init__(self, runner: SyncRunner, path: str, kind: str):
        super().__init__(runner, path)
        self.kind = kind

    execute_task = blocking_as(AgentCalls.execute_task, _execution)
    execute_task_and_wait = blocking_as(AgentCalls.execute_task_and_wait, _waited)
    get_task_status = blocking(AgentCalls.get_task_status)
    terminate_task = blocking(AgentCalls.terminate_task)
    reply = blocking(AgentCalls.reply)
    list_events = blocking(AgentCalls.list_events)


class AsyncTaskAgent(AsyncPart):
    def __init__(self, runner: AsyncRunner, path: str, kind: str):
        super().__init__(runner, path)
        self.kind = kind

    execute_task = awaited_as(AgentCalls.execute_task, _async_execution)
    execute_task_and_wait = awaited_as(AgentCalls.execute_task_and_wait, _async_waited)
    get_task_status = awaited(AgentCalls.get_task_status)
    terminate_task = awaited(AgentCalls.terminate_task)
    reply = awaited(AgentCalls.reply)
    list_events = awaited(AgentCalls.list_events)


class AgentApi:
    """session.agent: the agents that work in this session."""

    def __init__(self, runner: SyncRunner, path: str):
        self.browser = TaskAgent(runner, path, "browser")
        self.computer = TaskAgent(runner, path, "computer")
        self.mobile = TaskAgent(runner, path, "mobile")


class AsyncAgentApi:
    def __init__(self, runner: AsyncRunner, path: str):
        self.browser = AsyncTaskAgent(runner, path, "browser")
        self.computer = AsyncTaskAgent(runner, path, "computer")
        self.mobile = AsyncTaskAgent(runner, path, "mobile")
