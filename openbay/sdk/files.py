"""`session.file_system`: files inside the session. Each method is one call (see
calls.py), so OpenBay and AsyncOpenBay share it; content streams in chunks."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from openbay.protocol.files import (
    CreateDirectoryRequest,
    DirectoryListing,
    EditRequest,
    FileEntry,
    MoveRequest,
    ReadManyRequest,
    SearchRequest,
)

from . import calls
from .calls import Request
from .file_results import (
    BoolResult,
    DirectoryListResult,
    DownloadResult,
    EditFileResult,
    FileContentResult,
    FileInfoResult,
    FileSearchResult,
    FileWriteResult,
    MultipleFileContentResult,
    UploadResult,
)
from .local_files import LocalFileChunks, download_into
from .watch import DirectoryWatch, start_watch

if TYPE_CHECKING:
    from .session import Session

Progress = Callable[[int, int], Any]  # (bytes done, bytes in all)
TRANSFER_TIMEOUT_S = 600.0


class FileSystemApi:
    def __init__(self, session: Session):
        self._session = session

    @property
    def _base(self) -> str:
        return f"{self._session._path}/files"

    def _run(self, call):
        return self._session._run(call)

    def read_file(self, path: str, offset: int = 0, length: int = 0,
                  format: str = "text") -> FileContentResult:
        """The file's content (str, or bytes with format="bytes"); `length=0` reads to the end."""
        if format not in ("text", "bytes"):
            raise ValueError("format must be 'text' or 'bytes'")
        buffer = bytearray()

        def build(headers: dict) -> dict:
            data = bytes(buffer)
            return {"content": data if format == "bytes" else data.decode("utf-8", errors="replace"),
                    "size": len(data), "file_size": int(headers.get("x-file-size", len(data)))}

        req = Request("GET", f"{self._base}/content", timeout_s=TRANSFER_TIMEOUT_S,
                      params={"path": path, "offset": offset, "length": length},
                      on_bytes=buffer.extend)
        return self._run(calls.result(req, FileContentResult, build))

    def write_file(self, path: str, content: str | bytes, mode: str = "overwrite") -> FileWriteResult:
        """Write text (UTF-8) or bytes; mode "overwrite" replaces the file at once, "append" adds."""
        data = content.encode() if isinstance(content, str) else bytes(content)
        req = Request("PUT", f"{self._base}/content", params={"path": path, "mode": mode},
                      content=data, timeout_s=TRANSFER_TIMEOUT_S,
                      headers={"content-type": "application/octet-stream"})
        return self._run(calls.result(req, FileWriteResult, lambda b: {
            "data": True, "path": b["path"], "bytes_written": b["bytes"]}))

    def read_multiple_files(self, paths: list[str]) -> MultipleFileContentResult:
        body = ReadManyRequest(paths=paths).model_dump()
        return self._run(calls.result(Request("POST", f"{self._base}/read-multiple", json=body),
                                      MultipleFileContentResult, lambda b: b))

    def list_directory(self, path: str) -> DirectoryListResult:
        def build(body: dict) -> dict:
            listing = DirectoryListing.model_validate(body)
            return {"entries": listing.entries, "truncated": listing.truncated}

        return self._run(calls.result(Request("GET", self._base, params={"path": path}),
                                      DirectoryListResult, build))

    def create_directory(self, path: str, parents: bool = True) -> BoolResult:
        body = CreateDirectoryRequest(path=path, parents=parents).model_dump()
        return self._run(calls.result(Request("POST", f"{self._base}/directories", json=body),
                                      BoolResult, lambda b: {"data": True}))

    def get_file_info(self, path: str) -> FileInfoResult:
        return self._run(calls.result(Request("GET", f"{self._base}/info", params={"path": path}),
                                      FileInfoResult,
                                      lambda b: {"file_info": FileEntry.model_validate(b)}))

    def move_file(self, source: str, destination: str, overwrite: bool = False) -> BoolResult:
        body = MoveRequest(source=source, destination=destination, overwrite=overwrite).model_dump()
        return self._run(calls.result(Request("POST", f"{self._base}/move", json=body),
                                      BoolResult, lambda b: {"data": True}))

    def delete_file(self, path: str, recursive: bool = False) -> BoolResult:
        req = Request("DELETE", self._base, params={"path": path, "recursive": recursive})
        return self._run(calls.result(req, BoolResult, lambda b: {"data": True}))

    def edit_file(self, path: str, edits: list[dict], dry_run: bool = False) -> EditFileResult:
        """Replace each edit's old_text (first occurrence, in order) with new_text; the
        result has the unified diff. With dry_run the file stays as it is."""
        body = EditRequest(path=path, edits=edits, dry_run=dry_run).model_dump()
        return self._run(calls.result(Request("POST", f"{self._base}/edit", json=body),
                                      EditFileResult, lambda b: {"diff": b["diff"],
                                                                 "applied": b["applied"]}))

    def search_files(self, path: str, pattern: str,
                     exclude_patterns: list[str] | None = None) -> FileSearchResult:
        """Paths under `path` whose name matches `pattern` (a glob, or part of the name)."""
        body = SearchRequest(path=path, pattern=pattern,
                             exclude_patterns=exclude_patterns or []).model_dump()
        return self._run(calls.result(Request("POST", f"{self._base}/search", json=body),
                                      FileSearchResult, lambda b: {"matches": b["matches"],
                                                                   "truncated": b["truncated"]}))

    def upload_file(self, local_path: str, remote_path: str,
                    progress: Progress | None = None) -> UploadResult:
        """Stream a local file into the session, chunk by chunk."""
        chunks = LocalFileChunks(local_path, progress)
        req = Request("PUT", f"{self._base}/content", params={"path": remote_path},
                      content=chunks, timeout_s=TRANSFER_TIMEOUT_S,
                      headers={"content-type": "application/octet-stream",
                               "content-length": str(chunks.size)})
        return self._run(calls.result(req, UploadResult, lambda b: {
            "local_path": os.fspath(local_path), "remote_path": b["path"], "bytes_sent": b["bytes"]}))

    def download_file(self, remote_path: str, local_path: str,
                      progress: Progress | None = None) -> DownloadResult:
        """Stream a file of the session to `local_path` (written whole or not at all)."""
        return self._run(download_into(self._base, remote_path, local_path, progress,
                                       TRANSFER_TIMEOUT_S))

    def watch_directory(self, path: str, callback: Callable, interval: float = 1.0) -> DirectoryWatch:
        """Poll `path` every `interval` seconds and call `callback(events)` with the
        created/modified/deleted entries. Returns a handle; `stop()` ends it.
        With AsyncOpenBay, call it inside a running event loop (the callback may be async)."""
        return start_watch(self, path, callback, interval)
