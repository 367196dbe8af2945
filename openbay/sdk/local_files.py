"""Local files on the SDK's side of upload_file / download_file, read and written in chunks."""
from __future__ import annotations

import asyncio
import os

from . import calls
from .calls import Request
from .file_results import DownloadResult, FileInfoResult

CHUNK = 1024 * 1024


class LocalFileChunks:
    """A local file as a request body, read afresh on every attempt, with progress."""

    def __init__(self, path, progress=None):
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


def download_into(base: str, remote_path: str, local_path, progress, timeout_s: float):
    """A call: the file's size first (for progress), then its content into
    `local_path`.part, renamed to `local_path` once complete."""
    local_path = os.fspath(local_path)
    info = yield from calls.result(Request("GET", f"{base}/info", params={"path": remote_path}),
                                   FileInfoResult, lambda b: {"file_info": b})
    if not info.success:
        return DownloadResult(success=False, request_id=info.request_id,
                              error_message=info.error_message, error_code=info.error_code)
    total = info.file_info.get("size", 0)
    part = f"{local_path}.part"
    done = 0
    with open(part, "wb") as f:
        def write(chunk: bytes) -> None:
            nonlocal done
            f.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)

        req = Request("GET", f"{base}/content", params={"path": remote_path},
                      timeout_s=timeout_s, on_bytes=write)
        try:
            result = yield from calls.result(req, DownloadResult, lambda b: {
                "remote_path": remote_path, "local_path": local_path})
        except BaseException:
            f.close()
            os.unlink(part)
            raise
    if result.success:
        os.replace(part, local_path)
        result.bytes_received = done
    else:
        os.unlink(part)
    return result
