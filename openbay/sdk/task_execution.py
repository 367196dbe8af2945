"""TaskExecution: the handle execute_task returns. With callbacks it follows the task's
event stream in the background (a thread, or an asyncio task); wait() blocks until
the task ends and returns its ExecutionResult. Without callbacks wait() polls."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

from openbay.protocol.tasks import TERMINAL_STATUS_NAMES

from .task_stream import EventDispatcher, run_async, run_blocking

if TYPE_CHECKING:
    from .agent import ExecutionResult, TaskAgent

POLL_S = 0.5
TERMINAL = TERMINAL_STATUS_NAMES


class _Execution:
    def __init__(self, agent: TaskAgent, started: ExecutionResult, callbacks: dict, output_schema: Any):
        self.task_id = started.task_id
        # as the seed's execute_task result: whether the task was accepted, and its status then
        self.success = started.success
        self.request_id = started.request_id
        self.task_status = started.task_status
        self.error_message = started.error_message
        self._agent = agent
        self._started = started
        self._schema = output_schema
        self.dispatcher = EventDispatcher(callbacks)
        self._streaming = started.success and bool(self.dispatcher.callbacks)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.task_id!r})"

    @property
    def events(self):
        """Events received so far over the stream (with callbacks only)."""
        return list(self.dispatcher.events)

    def _stream_args(self) -> tuple[str, dict]:
        bay = self._agent._session._bay
        return bay.base_url, {"Authorization": bay._transport.http.headers["authorization"]}

    def _info(self):
        return self._agent._task_info(self.task_id, self._schema)

    def _unfinished(self, r: ExecutionResult, timeout: float) -> ExecutionResult:
        if r.task_status in TERMINAL or r.error_code:
            return r
        r.success = False
        r.error_message = (f"the task did not end within {timeout:g}s; it goes on "
                           f"(terminate_task stops it)")
        return r


class TaskExecution(_Execution):
    """For the blocking client."""

    def __init__(self, *args):
        super().__init__(*args)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._streaming:
            base, headers = self._stream_args()
            self._thread = threading.Thread(target=run_blocking, daemon=True, name=f"events {self.task_id}",
                                            args=(base, headers, self.task_id, self.dispatcher, self._stop.is_set))
            self._thread.start()

    def wait(self, timeout: float = 300) -> ExecutionResult:
        if not self._started.success:
            return self._started
        deadline = time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._stop.set()
        while True:
            r = self._info()
            if r.task_status in TERMINAL or r.error_code or time.monotonic() >= deadline:
                return self._unfinished(r, timeout)
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))


class AsyncTaskExecution(_Execution):
    """For the asyncio client: the same, awaited."""

    def __init__(self, *args):
        super().__init__(*args)
        self._job: asyncio.Task | None = None
        if self._streaming:
            base, headers = self._stream_args()
            self._job = asyncio.get_running_loop().create_task(
                run_async(base, headers, self.task_id, self.dispatcher))

    async def wait(self, timeout: float = 300) -> ExecutionResult:
        if not self._started.success:
            return self._started
        deadline = time.monotonic() + timeout
        if self._job is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._job), timeout)
            except TimeoutError:
                self._job.cancel()
        while True:
            r = await self._info()
            if r.task_status in TERMINAL or r.error_code or time.monotonic() >= deadline:
                return self._unfinished(r, timeout)
            await asyncio.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
