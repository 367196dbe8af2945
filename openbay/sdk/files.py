"""`session.file_system`: files inside the session. Each method is one call (see
calls.py), written once for OpenBay and AsyncOpenBay; content streams in chunks."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

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
from .calls import Call, Request
from .file_results import (
    BoolResult,
    DirectoryListResult,
    DownloadResult,
    EditFileResult,
    FileChangeEvent,
    FileContentResult,
    FileInfoResult,
    FileSearchResult,
    FileWriteResult,
    MultipleFileContentResult,
    UploadResult,
)
from .local_files import LocalFileChunks, download_into
from .methods import AsyncPart, Part, awaited, blocking
from .watch import DirectoryWatch, watch_async, watch_blocking

Progress = Callable[[int, int], Any]  # (bytes done, bytes in all)
TRANSFER_TIMEOUT_S = 600.0


class FileSystemCalls:
    _path: str

    def read_file(self, path: str, offset: int = 0, length: int = 0,
                  format: str = "text") -> Call[FileContentResult]:
        """The file's content (str, or bytes with format="bytes"); `length=0` reads to the end."""
        if format not in ("text", "bytes"):
            raise ValueError("format must be 'text' or 'bytes'")
        buffer = bytearray()

        def build(headers: dict) -> dict:
            data = bytes(buffer)
            return {"content": data if format == "bytes" else data.decode("utf-8", errors="replace"),
                    "size": len(data), "file_size": int(headers.get("x-file-size", len(data)))}

        req = Request("GET", f"{self._path}/files/content", timeout_s=TRANSFER_TIMEOUT_S,
                      params={"path": path, "offset": offset, "length": length},
                      on_bytes=buffer.extend)
        return (yield from calls.result(req, FileContentResult, build))

    def write_file(self, path: str, content: str | bytes, mode: str = "overwrite") -> Call[FileWriteResult]:
        """Write text (UTF-8) or bytes; mode "overwrite" replaces the file at once, "append" adds."""
        data = content.encode() if isinstance(content, str) else bytes(content)
        req = Request("PUT", f"{self._path}/files/content", params={"path": path, "mode": mode},
                      content=data, timeout_s=TRANSFER_TIMEOUT_S,
                      headers={"content-type": "application/octet-stream"})
        return (yield from calls.result(req, FileWriteResult, lambda b: {
            "data": True, "path": b["path"], "bytes_written": b["bytes"]}))

    def read_multiple_files(self, paths: list[str]) -> Call[MultipleFileContentResult]:
        body = ReadManyRequest(paths=paths).model_dump()
        return (yield from calls.result(Request("POST", f"{self._path}/files/read-multiple", json=body),
                                      MultipleFileContentResult, lambda b: b))

    def list_directory(self, path: str) -> Call[DirectoryListResult]:
        def build(body: dict) -> dict:
            listing = DirectoryListing.model_validate(body)
            return {"entries": listing.entries, "truncated": listing.truncated}

        return (yield from calls.result(Request("GET", f"{self._path}/files", params={"path": path}),
                                      DirectoryListResult, build))

    def create_directory(self, path: str, parents: bool = True) -> Call[BoolResult]:
        body = CreateDirectoryRequest(path=path, parents=parents).model_dump()
        return (yield from calls.result(Request("POST", f"{self._path}/files/directories", json=body),
                                      BoolResult, lambda b: {}))

    def get_file_info(self, path: str) -> Call[FileInfoResult]:
        return (yield from calls.result(Request("GET", f"{self._path}/files/info", params={"path": path}),
                                      FileInfoResult,
                                      lambda b: {"file_info": FileEntry.model_validate(b)}))

    def move_file(self, source: str, destination: str, overwrite: bool = False) -> Call[BoolResult]:
        body = MoveRequest(source=source, destination=destination, overwrite=overwrite).model_dump()
        return (yield from calls.result(Request("POST", f"{self._path}/files/move", json=body),
                                      BoolResult, lambda b: {}))

    def delete_file(self, path: str, recursive: bool = False) -> Call[BoolResult]:
        req = Request("DELETE", f"{self._path}/files", params={"path": path, "recursive": recursive})
        return (yield from calls.result(req, BoolResult, lambda b: {}))

    def edit_file(self, path: str, edits: list[dict], dry_run: bool = False) -> Call[EditFileResult]:
        """Replace each edit's old_text (first occurrence, in order) with new_text; the
        result has the unified diff. With dry_run the file stays as it is."""
        body = EditRequest(path=path, edits=edits, dry_run=dry_run).model_dump()
        return (yield from calls.result(Request("POST", f"{self._path}/files/edit", json=body),
                                      EditFileResult, lambda b: {"diff": b["diff"],
                                                                 "applied": b["applied"]}))

    def search_files(self, path: str, pattern: str,
                     exclude_patterns: list[str] | None = None) -> Call[FileSearchResult]:
        """Paths under `path` whose name matches `pattern` (a glob, or part of the name)."""
        body = SearchRequest(path=path, pattern=pattern,
                             exclude_patterns=exclude_patterns or []).model_dump()
        return (yield from calls.result(Request("POST", f"{self._path}/files/search", json=body),
                                      FileSearchResult, lambda b: {"matches": b["matches"],
                                                                   "truncated": b["truncated"]}))

    def upload_file(self, local_path: str, remote_path: str,
                    progress: Progress | None = None) -> Call[UploadResult]:
        """Stream a local file into the session, chunk by chunk."""
        chunks = LocalFileChunks(local_path, progress)
        req = Request("PUT", f"{self._path}/files/content", params={"path": remote_path},
                      content=chunks, timeout_s=TRANSFER_TIMEOUT_S,
                      headers={"content-type": "application/octet-stream",
                               "content-length": str(chunks.size)})
        return (yield from calls.result(req, UploadResult, lambda b: {
            "local_path": os.fspath(local_path), "remote_path": b["path"], "bytes_sent": b["bytes"]}))

    def download_file(self, remote_path: str, local_path: str,
                      progress: Progress | None = None) -> Call[DownloadResult]:
        """Stream a file of the session to `local_path` (written whole or not at all)."""
        return (yield from download_into(f"{self._path}/files", remote_path, local_path, progress,
                                       TRANSFER_TIMEOUT_S))


class FileSystemApi(Part):
    read_file = blocking(FileSystemCalls.read_file)
    write_file = blocking(FileSystemCalls.write_file)
    read_multiple_files = blocking(FileSystemCalls.read_multiple_files)
    list_directory = blocking(FileSystemCalls.list_directory)
    create_directory = blocking(FileSystemCalls.create_directory)
    get_file_info = blocking(FileSystemCalls.get_file_info)
    move_file = blocking(FileSystemCalls.move_file)
    delete_file = blocking(FileSystemCalls.delete_file)
    edit_file = blocking(FileSystemCalls.edit_file)
    search_files = blocking(FileSystemCalls.search_files)
    upload_file = blocking(FileSystemCalls.upload_file)
    download_file = blocking(FileSystemCalls.download_file)

    def watch_directory(self, path: str, callback: Callable[[list[FileChangeEvent]], Any],
                        interval: float = 1.0) -> DirectoryWatch:
        """Poll `path` every `interval` seconds (from a daemon thread) and call `callback(events)`
        with the created/modified/deleted entries. Returns a handle; `stop()` ends it."""
        return watch_blocking(self._runner, f"{self._path}/files", path, callback, interval)


class AsyncFileSystemApi(AsyncPart):
    read_file = awaited(FileSystemCalls.read_file)
    write_file = awaited(FileSystemCalls.write_file)
    read_multiple_files = awaited(FileSystemCalls.read_multiple_files)
    list_directory = awaited(FileSystemCalls.list_directory)
    create_directory = awaited(FileSystemCalls.create_directory)
    get_file_info = awaited(FileSystemCalls.get_file_info)
    move_file = awaited(FileSystemCalls.move_file)
    delete_file = awaited(FileSystemCalls.delete_file)
    edit_file = awaited(FileSystemCalls.edit_file)
    search_files = awaited(FileSystemCalls.search_files)
    upload_file = awaited(FileSystemCalls.upload_file)
    download_file = awaited(FileSystemCalls.download_file)

    async def watch_directory(self, path: str, callback: Callable[[list[FileChangeEvent]], Any],
                              interval: float = 1.0) -> DirectoryWatch:
        """The same from an asyncio task of the running loop; the callback may be a coroutine function.
        Awaited, it returns once the directory's first snapshot is taken, as the blocking one does
        (a change made right after returning is reported, never taken for how things were)."""
        return await watch_async(self._runner, f"{self._path}/files", path, callback, interval)
