"""`session.code`: run Python or JavaScript in the session, by default in a kernel
that keeps variables between calls (like a notebook)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openbay.protocol.code import CodeError, CodeOutput, CodeRunResult, RestartKernelRequest, RunCodeRequest

from . import calls
from .calls import Request
from .results import ApiResult, OperationResult

if TYPE_CHECKING:
    from .session import Session


@dataclass
class CodeExecutionResult(ApiResult):
    """`success` is False when the cell raised; `error` then has its name, value and traceback."""
    result: str = ""
    stdout: str = ""
    stderr: str = ""
    results: list[CodeOutput] = field(default_factory=list)
    error: CodeError | None = None
    language: str = ""
    execution_time_ms: float = 0.0
    timed_out: bool = False
    kernel_restarted: bool = False
    truncated: bool = False

    @property
    def images(self) -> list[str]:
        """PNG images (base64) the cell produced, e.g. matplotlib figures."""
        return [r.png for r in self.results if r.png]


def _run_call(session: Session, body: dict, timeout_s: float):
    req = Request("POST", f"{session._path}/code/run", json=body, timeout_s=timeout_s + 30)
    run = yield from calls.result(req, CodeExecutionResult,
                                  lambda b: dict(CodeRunResult.model_validate(b)))
    if run.success and run.error is not None:
        run.success = False
        run.error_message = f"{run.error.name}: {run.error.value}"
    return run


class CodeApi:
    def __init__(self, session: Session):
        self._session = session

    def run_code(self, code: str, language: str = "python", timeout_s: float = 60,
                 stateful: bool = True) -> CodeExecutionResult:
        """Run `code`; the result has stdout, stderr, the last expression's value
        (`result`), rich outputs (`results`, `images`) and any error with its traceback."""
        body = RunCodeRequest(code=code, language=language, timeout_s=timeout_s,
                              stateful=stateful).model_dump()
        return self._session._run(_run_call(self._session, body, timeout_s))

    def restart_kernel(self, language: str | None = None) -> OperationResult:
        """End the session's kernel (or all of them): the next run starts with no variables."""
        body = RestartKernelRequest(language=language).model_dump()
        req = Request("POST", f"{self._session._path}/code/restart", json=body)
        return self._session._run(calls.result(req, OperationResult,
                                               lambda b: {"data": b["restarted"]}))
