"""Typed results of the native SDK. A call that returns one succeeded: every failure
raises an OpenBayError subclass instead. `request_id` names the request in the server's logs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from openbay.protocol import SessionInfo, SessionMetrics

T = TypeVar("T")
S = TypeVar("S")


@dataclass
class ApiResult:
    request_id: str = ""


@dataclass
class OperationResult(ApiResult, Generic[T]):
    data: T = None  # type: ignore[assignment]


@dataclass
class DeleteResult(ApiResult):
    pass


@dataclass
class SessionResult(ApiResult, Generic[S]):
    session: S = None  # type: ignore[assignment]


@dataclass
class SessionMetricsResult(ApiResult):
    """get_metrics: `metrics` has AgentBay's names (cpu_used_pct, mem_used, mem_total, ...)."""
    metrics: SessionMetrics | None = None


@dataclass
class SessionListResult(ApiResult):
    sessions: list[SessionInfo] = field(default_factory=list)
    next_token: str | None = None
    total_count: int = 0
    max_results: int = 0

    @property
    def session_ids(self) -> list[str]:
        return [s.session_id for s in self.sessions]


@dataclass
class CommandResult(ApiResult):
    """How the command ended: `exit_code`, and `error_message` when the server ended it
    (timed out, output over the cap, a missing cwd). A non-zero exit is not an SDK error."""
    output: str = ""
    stderr: str = ""
    exit_code: int = -1
    timed_out: bool = False
    truncated: bool = False
    duration_ms: float = 0.0
    error_message: str = ""

    @property
    def stdout(self) -> str:
        return self.output
