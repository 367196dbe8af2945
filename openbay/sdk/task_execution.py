"""TaskExecution: the handle execute_task returns. With callbacks it follows the task's
event stream in the background (a thread, or an asyncio task); wait() blocks until
the task ends and returns its ExecutionResult. Without callbacks wait() polls."""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import TaskTimeoutError
from .task_results import TERMINAL, ExecutionResult, task_info
from .task_stream import AgentEvent, EventDispatcher, run_async, run_blocking
from .transport import AsyncRunner, SyncRunner

POLL_S = 0.5


@dataclass
class Started:
    """What execute_task's call hands to the handle: the accepted task and how to follow it."""
    result: ExecutionResult
    callbacks: dict[str, Callable[[AgentEvent], Any] | None]
    output_schema: Any
    timeout: float


class _Execution:
    def __init__(self, started: Started):
        self.task_id = started.result.task_id
        self.request_id = started.result.request_id
        self.task_status = started.result.task_status  # when it was accepted
        self._schema = started.output_schema
        self.dispatcher = EventDispatcher(started.callbacks)
        self._streaming = bool(self.dispatcher.callbacks)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.task_id!r})"

    @property
    def events(self) -> list[AgentEvent]:
        """Events received so far over the stream (with callbacks only)."""
        return list(self.dispatcher.events)

    def _ended(self, r: ExecutionResult, deadline: float, timeout: float) -> bool:
        if r.task_status in TERMINAL:
            return True
        if time.monotonic() >= deadline:
            raise TaskTimeoutError(f"task {self.task_id} did not end within {timeout:g}s; it goes on "
                                   f"(terminate_task stops it)", task_id=self.task_id, task_status=r.task_status)
        return False


class TaskExecution(_Execution):
    """For the blocking client."""

    def __init__(self, runner: SyncRunner, started: Started):
        super().__init__(started)
        self._runner = runner
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._streaming:
            self._thread = threading.Thread(target=run_blocking, daemon=True, name=f"events {self.task_id}",
                                            args=(runner.base_url, runner.auth_headers, self.task_id,
                                                  self.dispatcher, self._stop.is_set))
            self._thread.start()

    def wait(self, timeout: float = 300) -> ExecutionResult:
        """The task's result once it ended; TaskTimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._stop.set()
        while True:
            r = self._runner.run(task_info(self.task_id, self._schema))
            if self._ended(r, deadline, timeout):
                return r
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))


class AsyncTaskExecution(_Execution):
    """For the asyncio client: the same, awaited."""

    def __init__(self, runner: AsyncRunner, started: Started):
        super().__init__(started)
        self._runner = runner
        self._job: asyncio.Task | None = None
        if self._streaming:
            self._job = asyncio.get_running_loop().create_task(
                run_async(runner.base_url, runner.auth_headers, self.task_id, self.dispatcher))

    async def wait(self, timeout: float = 300) -> ExecutionResult:
        deadline = time.monotonic() + timeout
        if self._job is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._job), timeout)
            except TimeoutError:
                self._job.cancel()
        while True:
            r = await self._runner.run(task_info(self.task_id, self._schema))
            if self._ended(r, deadline, timeout):
                return r
            await asyncio.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
