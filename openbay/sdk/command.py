"""`session.command`: shell commands in the session."""
from __future__ import annotations

from openbay.protocol import CommandRequest

from . import calls
from .calls import Call, Request
from .methods import AsyncPart, Part, awaited, blocking
from .pty import AsyncPtyHandle, PtyHandle, open_pty
from .pty import OutputCallback as PtyOutput
from .results import CommandResult
from .streamed_output import OutputCallback, StreamedOutput


class CommandCalls:
    _path: str

    def execute_command(self, command: str, timeout_ms: int = 60_000, cwd: str | None = None,
                        envs: dict[str, str] | None = None, *,
                        on_stdout: OutputCallback | None = None,
                        on_stderr: OutputCallback | None = None) -> Call[CommandResult]:
        """Run `command` with bash in the session. With on_stdout/on_stderr, output
        arrives as it is written (streamed); the result then has it all the same.
        With AsyncOpenBay the callbacks may be coroutine functions."""
        body = CommandRequest(command=command, timeout_ms=timeout_ms, cwd=cwd,
                              envs=envs or {}).model_dump()
        timeout_s = timeout_ms / 1000 + 30
        path = f"{self._path}/commands"
        if on_stdout is None and on_stderr is None:
            req = Request("POST", path, json=body, timeout_s=timeout_s)
            return (yield from calls.result(req, CommandResult, lambda b: calls.model_fields(CommandResult, b)))
        streamed = StreamedOutput(on_stdout, on_stderr)

        def build(final: dict) -> dict:
            out = calls.model_fields(CommandResult, final.get("result") or {})
            out["output"], out["stderr"] = streamed.text("stdout"), streamed.text("stderr")
            return out

        req = Request("POST", f"{path}/stream", json=body, timeout_s=timeout_s, on_line=streamed.on_line)
        return (yield from calls.result(req, CommandResult, build))


class CommandApi(Part):
    execute_command = blocking(CommandCalls.execute_command)

    def pty(self, cols: int = 80, rows: int = 24, cwd: str | None = None, *,
            on_output: PtyOutput | None = None) -> PtyHandle:
        """An interactive shell on a terminal: `.write(keys)`, `.resize(cols, rows)`,
        `.wait()` (its exit code), `.kill()`; on_output gets what the screen shows."""
        return open_pty(self._runner, self._path, cols=cols, rows=rows, cwd=cwd, on_output=on_output,
                        asynchronous=False)


class AsyncCommandApi(AsyncPart):
    execute_command = awaited(CommandCalls.execute_command)

    async def pty(self, cols: int = 80, rows: int = 24, cwd: str | None = None, *,
                  on_output: PtyOutput | None = None) -> AsyncPtyHandle:
        """The terminal of CommandApi.pty, for asyncio (on_output may be a coroutine function)."""
        return await open_pty(self._runner, self._path, cols=cols, rows=rows, cwd=cwd, on_output=on_output,
                              asynchronous=True)
