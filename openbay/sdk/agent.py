"""session.agent.browser (and .computer / .mobile): hand a task to an agent, follow
it, stop it. Names and result shapes follow the seed product's agent modules."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from openbay.protocol.tasks import TERMINAL_STATUS_NAMES, LLMOverride, TaskCreateRequest

from . import calls
from .calls import Request
from .results import ApiResult, OperationResult
from .task_execution import AsyncTaskExecution, TaskExecution
from .task_stream import AgentEvent

if TYPE_CHECKING:
    from .session import Session

AgentEventCallback = Callable[[AgentEvent], Any] | None
TERMINAL = TERMINAL_STATUS_NAMES


@dataclass
class ExecutionResult(ApiResult):
    task_id: str = ""
    task_status: str = ""
    task_result: Any = None  # an output_schema instance when one was given, else the agent's text
    data: Any = None
    steps: int = 0
    usage: dict = field(default_factory=dict)
    screenshots: list[str] = field(default_factory=list, repr=False)  # base64 JPEG per step
    execution_logs: list[dict] = field(default_factory=list)
    session_duration: float = 0.0
    message_count: int = 0

    def __post_init__(self):
        # a task that ended badly is not a success, though the request that told us was
        if self.task_status in TERMINAL - {"finished"} or self.error_message:
            self.success = False


@dataclass
class QueryResult(ApiResult):
    task_id: str = ""
    task_status: str = ""
    task_action: str = ""   # the last action the agent took
    task_product: Any = None  # the result so far (text), as in the seed
    data: Any = None
    steps: int = 0
    usage: dict = field(default_factory=dict)
    screenshots: list[str] = field(default_factory=list, repr=False)  # base64 JPEG per step
    execution_logs: list[dict] = field(default_factory=list)


def then(value, fn):
    """fn(value) for the blocking client; an awaitable of it for the asyncio one."""
    if inspect.isawaitable(value):
        async def chain():
            out = fn(await value)
            return await out if inspect.isawaitable(out) else out
        return chain()
    return fn(value)


def execution_result(body: dict, output_schema: type | None = None) -> dict:
    """ExecutionResult fields from a TaskInfo body; a failed task is success=False."""
    status = body.get("status", "")
    data = body.get("data")
    result: Any = body.get("result")
    error = body.get("error_message", "")
    # a pydantic model class gives a typed result; a JSON-schema dict leaves `data` as it is
    if hasattr(output_schema, "model_validate") and data is not None and status == "finished":
        try:
            result = output_schema.model_validate(data)
        except Exception as e:  # the server checked it; a mismatch means the schemas differ
            error = f"task_result does not validate as {output_schema.__name__}: {e}"
    return {"error_message": error, "task_id": body.get("task_id", ""), "task_status": status, "task_result": result,
            "data": data, "steps": body.get("steps", 0), "usage": body.get("usage") or {},
            "screenshots": body.get("screenshots") or [], "execution_logs": body.get("execution_logs") or [],
            "session_duration": body.get("session_duration_s", 0.0),
            "message_count": body.get("message_count", 0)}


def _query(body: dict) -> dict:
    logs = body.get("execution_logs") or []
    actions = logs[-1]["actions"] if logs and logs[-1].get("actions") else []
    return {"task_id": body["task_id"], "task_status": body["status"],
            "task_action": actions[-1]["name"] if actions else "", "task_product": body.get("result"),
            "data": body.get("data"), "steps": body.get("steps", 0), "usage": body.get("usage") or {},
            "screenshots": body.get("screenshots") or [], "execution_logs": logs,
            "error_message": body.get("error_message", "")}


def _terminated(r: ExecutionResult) -> ExecutionResult:
    """Stopping the task was what was asked: a success when the server did it."""
    r.success = r.task_status == "cancelled" and not r.error_code
    return r


def _schema_of(output_schema) -> dict | None:
    if output_schema is None:
        return None
    if isinstance(output_schema, dict):
        return output_schema
    return output_schema.model_json_schema()


class TaskAgent:
    """One kind of agent (browser, computer, mobile) of one session."""

    def __init__(self, session: Session, kind: str):
        self._session = session
        self.kind = kind

    def _run(self, call):
        return self._session._run(call)

    def execute_task(self, task: str, max_steps: int = 50, use_vision: bool = False,
                     output_schema: type | dict | None = None, full_page_screenshot: bool = False, *,
                     timeout: float = 600, max_tokens: int | None = None,
                     call_for_user_timeout: float = 300, llm: dict | LLMOverride | None = None,
                     sensitive_data: dict | None = None, allowed_domains: list[str] | None = None,
                     prohibited_domains: list[str] | None = None, use_cache: bool = False,
                     on_reasoning: AgentEventCallback = None, on_content: AgentEventCallback = None,
                     on_tool_call: AgentEventCallback = None, on_tool_result: AgentEventCallback = None,
                     on_error: AgentEventCallback = None, on_call_for_user: AgentEventCallback = None,
                     on_status: AgentEventCallback = None, on_usage: AgentEventCallback = None):
        """Start a task (non-blocking): a TaskExecution whose wait() gives the ExecutionResult.
        With any on_* callback, events stream over a WebSocket as they happen;
        on_call_for_user returns the person's answer (a str, or an awaitable of one)."""
        body = TaskCreateRequest(
            task=task, max_steps=max_steps, use_vision=use_vision, full_page_screenshot=full_page_screenshot,
            output_schema=_schema_of(output_schema), timeout_s=timeout, max_tokens=max_tokens,
            call_for_user_timeout_s=call_for_user_timeout,
            llm=LLMOverride.model_validate(llm) if isinstance(llm, dict) else llm,
            sensitive_data=sensitive_data, allowed_domains=allowed_domains or [],
            prohibited_domains=prohibited_domains or [], use_cache=use_cache,
        ).model_dump(mode="json", exclude_none=True)
        callbacks = {"on_reasoning": on_reasoning, "on_content": on_content, "on_tool_call": on_tool_call,
                     "on_tool_result": on_tool_result, "on_error": on_error,
                     "on_call_for_user": on_call_for_user, "on_status": on_status, "on_usage": on_usage}
        path = f"{self._session._path}/agent/{self.kind}/tasks"
        started = self._run(calls.result(Request("POST", path, json=body), ExecutionResult,
                                         lambda b: execution_result(b)))
        cls = AsyncTaskExecution if inspect.isawaitable(started) else TaskExecution
        return then(started, lambda r: cls(self, r, callbacks, output_schema))

    def execute_task_and_wait(self, task: str, timeout: float = 300, max_steps: int = 50,
                              use_vision: bool = False, output_schema: type | dict | None = None,
                              full_page_screenshot: bool = False, **kwargs):
        """execute_task(...) then wait(timeout): the ExecutionResult."""
        kwargs.setdefault("timeout", timeout)
        execution = self.execute_task(task, max_steps, use_vision, output_schema, full_page_screenshot,
                                      **kwargs)
        return then(execution, lambda ex: ex.wait(timeout=timeout))

    def get_task_status(self, task_id: str) -> QueryResult:
        return self._run(calls.result(Request("GET", f"/v1/tasks/{task_id}"), QueryResult, _query))

    def _task_info(self, task_id: str, output_schema=None) -> ExecutionResult:
        return self._run(calls.result(Request("GET", f"/v1/tasks/{task_id}"), ExecutionResult,
                                      lambda b: execution_result(b, output_schema)))

    def terminate_task(self, task_id: str) -> ExecutionResult:
        """Stop the task now; the result has task_status 'cancelled'."""
        done = self._run(calls.result(Request("POST", f"/v1/tasks/{task_id}/terminate"), ExecutionResult,
                                      lambda b: {**execution_result(b), "error_message": ""}))
        return then(done, _terminated)

    def reply(self, task_id: str, content: str) -> OperationResult:
        """Answer the task's pending call_for_user over REST (the WebSocket does it for callbacks)."""
        return self._run(calls.result(Request("POST", f"/v1/tasks/{task_id}/reply", json={"content": content}),
                                      OperationResult, lambda b: {}))

    def list_events(self, task_id: str, after_seq: int = 0, limit: int = 100) -> list[AgentEvent]:
        req = Request("GET", f"/v1/tasks/{task_id}/events", params={"after_seq": after_seq, "limit": limit})
        return self._run(calls.value(req, lambda b: [AgentEvent.from_wire(e) for e in b["events"]]))


class AgentApi:
    """session.agent: the agents that work in this session."""

    def __init__(self, session: Session):
        self.browser = TaskAgent(session, "browser")
        self.computer = TaskAgent(session, "computer")
        self.mobile = TaskAgent(session, "mobile")
