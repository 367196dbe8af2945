"""Result objects, as in the seed product: success, request_id, error_message and data."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from openbay.protocol import SessionInfo, SessionMetrics

if TYPE_CHECKING:
    from .session import Session


@dataclass
class ApiResult:
    success: bool = True
    request_id: str = ""
    error_message: str = ""
    error_code: str = ""


@dataclass
class OperationResult(ApiResult):
    data: Any = None


@dataclass
class DeleteResult(ApiResult):
    pass


@dataclass
class SessionResult(ApiResult):
    session: Session | None = None


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
    output: str = ""
    stderr: str = ""
    exit_code: int = -1
    timed_out: bool = False
    truncated: bool = False
    duration_ms: float = 0.0

    @property
    def stdout(self) -> str:
        return self.output
