"""Local files on the SDK's side of upload_file / download_file, read and written in chunks."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from . import calls
from .calls import Call, Request
from .file_results import DownloadResult

CHUNK = 1024 * 1024


class LocalFileChunks:
    """A local file as a request body, read afresh on every attempt, with progress."""

    def __init__(self, path: str | os.PathLike, progress: Callable[[int, int], Any] | None = None):
        self.path = os.fspath(path)
        self.size = os.path.getsize(self.path)
        self.progress = progress

    def _report(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self.size)

    def sync_chunks(self):
        done = 0
        with open(self.path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
                done += len(chunk)
                self._report(done)

    async def async_chunks(self):
        done = 0
        with open(self.path, "rb") as f:
            while chunk := await asyncio.to_thread(f.read, CHUNK):
                yield chunk
                done += len(chunk)
                self._report(done)


def download_into(base: str, remote_path: str, local_path: str | os.PathLike,
                  progress: Callable[[int, int], Any] | None, timeout_s: float) -> Call[DownloadResult]:
    """A call: the file's size first (for progress), then its content into
    `local_path`.part, renamed to `local_path` once complete (removed on failure)."""
    local_path = os.fspath(local_path)
    total = yield from calls.value(Request("GET", f"{base}/info", params={"path": remote_path}),
                                   lambda b: int(b.get("size", 0)))
    part = f"{local_path}.part"
    done = 0
    with open(part, "wb") as f:
        def write(chunk: bytes) -> None:
            nonlocal done
            f.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)

        req = Request("GET", f"{base}/content", params={"path": remote_path}, timeout_s=timeout_s, on_bytes=write)
        try:
            result = yield from calls.result(req, DownloadResult, lambda b: {
                "remote_path": remote_path, "local_path": local_path, "bytes_received": 0})
        except BaseException:
            f.close()
            os.unlink(part)
            raise
    os.replace(part, local_path)
    result.bytes_received = done
    return result
