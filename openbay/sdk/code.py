"""`session.code`: run Python, JavaScript, R or Java in the session, by default in a kernel
that keeps variables between calls (like a notebook)."""
from __future__ import annotations

from dataclasses import dataclass, field

from openbay.protocol.code import CodeError, CodeOutput, CodeRunResult, RestartKernelRequest, RunCodeRequest

from . import calls
from .calls import Call, Request
from .methods import AsyncPart, Part, awaited, blocking
from .results import ApiResult, OperationResult
from .streamed_output import OutputCallback, StreamedOutput


@dataclass
class CodeExecutionResult(ApiResult):
    """A cell that raised is a result too: `error` has its name, value and traceback,
    `error_message` says "Name: value"."""
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
    error_message: str = ""

    @property
    def ok(self) -> bool:
        """The cell ran to its end without raising."""
        return self.error is None

    @property
    def images(self) -> list[str]:
        """PNG images (base64) the cell produced, e.g. matplotlib figures."""
        return [r.png for r in self.results if r.png]


class CodeCalls:
    _path: str

    def run_code(self, code: str, language: str = "python", timeout_s: float = 60,
                 stateful: bool = True, *, on_stdout: OutputCallback | None = None,
                 on_stderr: OutputCallback | None = None) -> Call[CodeExecutionResult]:
        """Run `code`; the result has stdout, stderr, the last expression's value
        (`result`), rich outputs (`results`, `images`) and any error with its traceback.
        With on_stdout/on_stderr, output arrives as the cell writes it (streamed); the
        result then has it all the same. With AsyncOpenBay they may be coroutine functions."""
        body = RunCodeRequest(code=code, language=language, timeout_s=timeout_s, stateful=stateful).model_dump()
        if on_stdout is None and on_stderr is None:
            req = Request("POST", f"{self._path}/code/run", json=body, timeout_s=timeout_s + 30)
            run = yield from calls.result(req, CodeExecutionResult, lambda b: dict(CodeRunResult.model_validate(b)))
        else:
            streamed = StreamedOutput(on_stdout, on_stderr)

            def build(final: dict) -> dict:
                out = dict(CodeRunResult.model_validate(final.get("result") or {}))
                out["stdout"], out["stderr"] = streamed.text("stdout"), streamed.text("stderr")
                return out
            req = Request("POST", f"{self._path}/code/run/stream", json=body, timeout_s=timeout_s + 30,
                          on_line=streamed.on_line)
            run = yield from calls.result(req, CodeExecutionResult, build)
        if run.error is not None:
            run.error_message = f"{run.error.name}: {run.error.value}"
        return run

    def restart_kernel(self, language: str | None = None) -> Call[OperationResult[list[str]]]:
        """End the session's kernel (or all of them): the next run starts with no variables."""
        body = RestartKernelRequest(language=language).model_dump()
        return (yield from calls.result(Request("POST", f"{self._path}/code/restart", json=body),
                                        OperationResult, lambda b: {"data": b["restarted"]}))


class CodeApi(Part):
    run_code = blocking(CodeCalls.run_code)
    restart_kernel = blocking(CodeCalls.restart_kernel)


class AsyncCodeApi(AsyncPart):
    run_code = awaited(CodeCalls.run_code)
    restart_kernel = awaited(CodeCalls.restart_kernel)
