"""Results of agent tasks: ExecutionResult (a task as it stands) and QueryResult."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openbay.protocol.tasks import TERMINAL_STATUS_NAMES

from . import calls
from .calls import Call, Request
from .results import ApiResult

TERMINAL = TERMINAL_STATUS_NAMES


@dataclass
class ExecutionResult(ApiResult):
    """A task as it stands: `task_status` (running, finished, failed, cancelled, timed_out),
    and for a task that did not finish, `error_message` says why."""
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
    error_message: str = ""

    @property
    def finished(self) -> bool:
        """The task ended with a result."""
        return self.task_status == "finished"


@dataclass
class QueryResult(ApiResult):
    task_id: str = ""
    task_status: str = ""
    task_action: str = ""   # the last action the agent took
    task_product: Any = None  # the result so far (text), as AgentBay names it
    data: Any = None
    steps: int = 0
    usage: dict = field(default_factory=dict)
    screenshots: list[str] = field(default_factory=list, repr=False)  # base64 JPEG per step
    execution_logs: list[dict] = field(default_factory=list)
    error_message: str = ""


def execution_result(body: dict, output_schema: Any = None) -> dict:
    """ExecutionResult fields from a TaskInfo body."""
    status = body.get("status", "")
    data = body.get("data")
    result: Any = body.get("result")
    error = body.get("error_message", "")
    if output_schema is not None and not isinstance(output_schema, dict) and data is not None \
            and status == "finished":
        try:
            result = output_schema.model_validate(data)
        except Exception as e:  # the server checked it; a mismatch means the schemas differ
            error = f"task_result does not validate as {output_schema.__name__}: {e}"
    return {"error_message": error, "task_id": body.get("task_id", ""), "task_status": status, "task_result": result,
            "data": data, "steps": body.get("steps", 0), "usage": body.get("usage") or {},
            "screenshots": body.get("screenshots") or [], "execution_logs": body.get("execution_logs") or [],
            "session_duration": body.get("session_duration_s", 0.0),
            "message_count": body.get("message_count", 0)}


def query_fields(body: dict) -> dict:
    logs = body.get("execution_logs") or []
    actions = logs[-1]["actions"] if logs and logs[-1].get("actions") else []
    return {"task_id": body["task_id"], "task_status": body["status"],
            "task_action": actions[-1]["name"] if actions else "", "task_product": body.get("result"),
            "data": body.get("data"), "steps": body.get("steps", 0), "usage": body.get("usage") or {},
            "screenshots": body.get("screenshots") or [], "execution_logs": logs,
            "error_message": body.get("error_message", "")}


def task_info(task_id: str, output_schema: Any = None) -> Call[ExecutionResult]:
    return (yield from calls.result(Request("GET", f"/v1/tasks/{task_id}"), ExecutionResult,
                                    lambda b: execution_result(b, output_schema)))
