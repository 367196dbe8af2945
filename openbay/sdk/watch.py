"""watch_directory: poll a directory's snapshot and report what changed.

The blocking client polls from a daemon thread, the asyncio client from a task; both
compare successive snapshots the same way.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from . import calls
from .callbacks import settle
from .calls import Call, Request
from .file_results import FileChangeEvent
from .transport import AsyncRunner, SyncRunner

log = logging.getLogger("openbay.sdk")
MIN_INTERVAL_S = 0.05


def diff_snapshots(directory: str, before: dict, after: dict) -> list[FileChangeEvent]:
    """Entries are name -> [is_directory, size, mtime_ns]."""
    def event(kind: str, name: str, entry) -> FileChangeEvent:
        return FileChangeEvent(kind, f"{directory.rstrip('/')}/{name}",
                               "directory" if entry[0] else "file")

    events = [event("deleted", n, e) for n, e in before.items() if n not in after]
    for name, entry in after.items():
        if name not in before:
            events.append(event("created", name, entry))
        elif list(before[name]) != list(entry):
            events.append(event("modified", name, entry))
    return events


class DirectoryWatch:
    """A running watch_directory. `stop()` ends it; `error` says why it ended on its own."""

    def __init__(self):
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task | None = None

    @property
    def running(self) -> bool:
        if self._task is not None:
            return not self._task.done()
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
        elif self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)


Callback = Callable[[list[FileChangeEvent]], Any]


def _snapshot(files_path: str, path: str) -> Call[tuple[str, dict]]:
    req = Request("GET", f"{files_path}/snapshot", params={"path": path})
    return (yield from calls.value(req, lambda b: (b["path"], b["entries"])))


def watch_blocking(runner: SyncRunner, files_path: str, path: str, callback: Callback,
                   interval: float) -> DirectoryWatch:
    handle = DirectoryWatch()
    directory, before = runner.run(_snapshot(files_path, path))
    handle._thread = threading.Thread(target=_poll_blocking, name=f"watch {path}", daemon=True,
                                      args=(runner, files_path, path, callback, max(float(interval), MIN_INTERVAL_S),
                                            handle, before))
    handle._thread.start()
    return handle


async def watch_async(runner: AsyncRunner, files_path: str, path: str, callback: Callback,
                      interval: float) -> DirectoryWatch:
    """As watch_blocking, the first snapshot is taken before it returns: a change made after is seen."""
    handle = DirectoryWatch()
    directory, before = await runner.run(_snapshot(files_path, path))
    handle._task = asyncio.get_running_loop().create_task(
        _poll_async(runner, files_path, path, callback, max(float(interval), MIN_INTERVAL_S), handle, before))
    return handle


def _poll_blocking(runner: SyncRunner, files_path: str, path: str, callback: Callback, interval: float,
                   handle: DirectoryWatch, before: dict) -> None:
    while not handle._stop.wait(interval):
        try:
            directory, after = runner.run(_snapshot(files_path, path))
            events = diff_snapshots(directory, before, after)
            before = after
            if events:
                callback(events)
        except Exception as e:  # the session ended, the server went away, or the callback failed
            handle.error = e
            log.warning("watch_directory(%s) stopped: %s", path, e)
            return


async def _poll_async(runner: AsyncRunner, files_path: str, path: str, callback: Callback, interval: float,
                      handle: DirectoryWatch, before: dict) -> None:
    try:
        while not handle._stop.is_set():
            await asyncio.sleep(interval)
            directory, after = await runner.run(_snapshot(files_path, path))
            events = diff_snapshots(directory, before, after)
            before = after
            if events:
                await settle(callback(events))
    except asyncio.CancelledError:
        pass
    except Exception as e:
        handle.error = e
        log.warning("watch_directory(%s) stopped: %s", path, e)
