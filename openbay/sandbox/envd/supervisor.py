"""Processes envd starts and keeps: long-lived ones (Xvfb, the window manager, apps)
and short helper runs (xdotool, wmctrl).

A long-lived process gets its own process group (so stopping it takes its children
too), its stderr tail kept for error messages, and a watcher that notices its exit
and reaps it. Standard library only (runs inside the sandbox).
"""
import asyncio
import collections
import os
import signal


class Supervised:
    """One long-lived process in its own process group."""

    def __init__(self, name: str):
        self.name = name
        self.process: asyncio.subprocess.Process | None = None
        self.log_tail: collections.deque = collections.deque(maxlen=40)
        self.exited = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.running else None

    async def start(self, argv: list[str], env: dict | None = None, pass_fds=(),
                    cwd: str | None = None, keep_log: bool = True) -> None:
        self.exited.clear()
        self.log_tail.clear()
        self.process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE if keep_log else asyncio.subprocess.DEVNULL,
            env=env, pass_fds=pass_fds, cwd=cwd, start_new_session=True)
        self._tasks = [asyncio.ensure_future(self._watch(self.process))]
        if keep_log:
            self._tasks.append(asyncio.ensure_future(self._collect(self.process.stderr)))

    async def _collect(self, stream) -> None:
        async for line in stream:
            self.log_tail.append(line.decode(errors="replace").rstrip())

    async def _watch(self, process) -> None:
        await process.wait()
        if process is self.process:
            self.exited.set()

    def tail(self, lines: int = 5) -> str:
        return " | ".join(list(self.log_tail)[-lines:])

    async def stop(self) -> None:
        proc = self.process
        if proc is None:
            return
        try:  # the whole group, even when its leader is gone: whatever the process started goes too
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await proc.wait()
        for task in self._tasks:
            await asyncio.wait([task], timeout=2)
            task.cancel()
        self.process = None


class ToolError(Exception):
    """A helper program failed; the message says what it printed."""


async def run_tool(argv: list[str], env: dict | None = None, timeout_s: float = 10.0,
                   check: bool = True) -> tuple[int, str]:
    """Run a short helper to its end; (exit code, stdout). Raises ToolError on failure."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
    except FileNotFoundError:
        raise ToolError(f"{argv[0]} is not installed in this image") from None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    except asyncio.TimeoutError:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await proc.wait()
        raise ToolError(f"{os.path.basename(argv[0])} did not finish in {timeout_s:g} s") from None
    if check and proc.returncode != 0:
        detail = err.decode(errors="replace").strip() or out.decode(errors="replace").strip()
        raise ToolError(f"{os.path.basename(argv[0])} failed ({proc.returncode}): {detail[:300]}")
    return proc.returncode, out.decode(errors="replace")
