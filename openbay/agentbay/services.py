"""session.command, session.file_system (also .fs, .filesystem, .files) and session.code,
as AgentBay has them, on OpenBay's native calls. Each method is a call written once;
the blocking and asyncio classes list them (see openbay.sdk.methods)."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from openbay.protocol.files import FileEntry
from openbay.sdk.calls import Call
from openbay.sdk.code import CodeCalls
from openbay.sdk.command import CommandCalls
from openbay.sdk.errors import OpenBayError
from openbay.sdk.file_results import FileChangeEvent as NativeChange
from openbay.sdk.files import FileSystemCalls
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking
from openbay.sdk.transport import SyncRunner
from openbay.sdk.watch import DirectoryWatch, watch_blocking

from .failures import failure, from_error
from .results import (
    BinaryFileContentResult,
    BoolResult,
    CommandResult,
    DirectoryListResult,
    DownloadResult,
    EnhancedCodeExecutionResult,
    ExecutionError,
    ExecutionLogs,
    ExecutionResult,
    FileChangeEvent,
    FileContentResult,
    FileInfoResult,
    FileSearchResult,
    MultipleFileContentResult,
    UploadResult,
)

LANGUAGES = {"python": "python", "py": "python", "python3": "python", "javascript": "javascript",
             "js": "javascript", "node": "javascript", "nodejs": "javascript", "r": "r", "java": "java"}
TRANSFER_FOLDER = "/tmp/file-transfer"
WATCH_TIMEOUT_S = 60
EVENT_NAMES = {"created": "create", "modified": "modify", "deleted": "delete"}


class AgentBayCommandCalls:
    _path: str

    def execute_command(self, command: str, timeout_ms: int = 50000, cwd: str | None = None,
                        envs: dict[str, str] | None = None) -> Call[CommandResult]:
        """Run `command` with bash; success is exit code 0 (stdout, stderr, exit_code, output).
        The variables of session.env.set() are in its environment, under `envs`."""
        envs = {**getattr(self, "_envs", {}), **(envs or {})} or None
        try:
            r = yield from CommandCalls.execute_command(self, command, timeout_ms, cwd, envs)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(CommandResult, e, exit_code=1)
        ok = r.exit_code == 0 and not r.timed_out
        return CommandResult(request_id=r.request_id, success=ok, output=r.output + r.stderr,
                             exit_code=r.exit_code, stdout=r.output, stderr=r.stderr,
                             error_message="" if ok else (r.error_message or r.stderr or f"exit code {r.exit_code}"))


def entry(e: FileEntry) -> dict[str, Any]:
    """A file entry with AgentBay's keys (and OpenBay's)."""
    return {"name": e.name, "path": e.path, "size": e.size, "isDirectory": e.is_directory,
            "is_directory": e.is_directory, "isFile": e.is_file, "is_file": e.is_file, "isSymlink": e.is_symlink,
            "modTime": e.mtime, "mode": e.mode}


def _done(call: Call[Any]) -> Call[BoolResult]:
    try:
        r = yield from call
    except OpenBayError as e:
        return from_error(BoolResult, e)
    return BoolResult(request_id=r.request_id, success=True, data=True)


class AgentBayFileCalls:
    _path: str

    def create_directory(self, path: str) -> Call[BoolResult]:
        return (yield from _done(FileSystemCalls.create_directory(self, path)))  # type: ignore[arg-type]

    def delete_file(self, path: str) -> Call[BoolResult]:
        return (yield from _done(FileSystemCalls.delete_file(self, path)))  # type: ignore[arg-type]

    def edit_file(self, path: str, edits: list[dict[str, str]], dry_run: bool = False) -> Call[BoolResult]:
        """edits: [{"oldText": ..., "newText": ...}] as AgentBay writes them (old_text/new_text too)."""
        try:
            native = [{"old_text": e.get("oldText", e.get("old_text")), "new_text": e.get("newText", e.get("new_text"))}
                      for e in edits]
        except AttributeError:
            return failure(BoolResult, "edits must be a list of {'oldText': ..., 'newText': ...}")
        try:
            return (yield from _done(FileSystemCalls.edit_file(self, path, native, dry_run)))  # type: ignore[arg-type]
        except ValueError as e:
            return failure(BoolResult, f"bad edits: {e}")

    def move_file(self, source: str, destination: str) -> Call[BoolResult]:
        return (yield from _done(FileSystemCalls.move_file(self, source, destination)))  # type: ignore[arg-type]

    def write_file(self, path: str, content: str | bytes, mode: str = "overwrite") -> Call[BoolResult]:
        """mode: "overwrite" or "append"."""
        return (yield from _done(FileSystemCalls.write_file(self, path, content, mode)))  # type: ignore[arg-type]

    def get_file_info(self, path: str) -> Call[FileInfoResult]:
        try:
            r = yield from FileSystemCalls.get_file_info(self, path)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(FileInfoResult, e)
        info = entry(r.file_info) if r.file_info is not None else {}
        return FileInfoResult(request_id=r.request_id, success=True, file_info=info)

    def list_directory(self, path: str) -> Call[DirectoryListResult]:
        try:
            r = yield from FileSystemCalls.list_directory(self, path)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(DirectoryListResult, e)
        return DirectoryListResult(request_id=r.request_id, success=True, entries=[entry(e) for e in r.entries])

    def read_multiple_files(self, paths: list[str]) -> Call[MultipleFileContentResult]:
        try:
            r = yield from FileSystemCalls.read_multiple_files(self, paths)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(MultipleFileContentResult, e)
        problems = "; ".join(f"{p}: {m}" for p, m in r.errors.items())
        return MultipleFileContentResult(request_id=r.request_id, success=not r.errors, contents=r.contents,
                                         error_message=problems)

    def search_files(self, path: str, pattern: str,
                     exclude_patterns: list[str] | None = None) -> Call[FileSearchResult]:
        try:
            r = yield from FileSystemCalls.search_files(self, path, pattern, exclude_patterns)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(FileSearchResult, e)
        return FileSearchResult(request_id=r.request_id, success=True, matches=r.matches)

    def read_file(self, path: str, *, format: str = "text") -> Call[FileContentResult | BinaryFileContentResult]:
        """The whole file: text (FileContentResult) or, with format="bytes", BinaryFileContentResult."""
        binary = format == "bytes"
        try:
            r = yield from FileSystemCalls.read_file(self, path, format="bytes" if binary else "text")  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(BinaryFileContentResult if binary else FileContentResult, e)
        if binary:
            return BinaryFileContentResult(request_id=r.request_id, success=True, content=bytes(r.content),
                                           size=r.file_size)
        return FileContentResult(request_id=r.request_id, success=True, content=str(r.content))

    def upload_file(self, local_path: str, remote_path: str, *, content_type: str | None = None,
                    wait: bool = True, wait_timeout: float = 30.0, poll_interval: float = 1.5,
                    progress_cb: Callable[[int], None] | None = None) -> Call[UploadResult]:
        """Stream a local file into the session (wait and polling are moot: it is there when this returns)."""
        progress = (lambda done, total: progress_cb(done)) if progress_cb else None
        try:
            r = yield from FileSystemCalls.upload_file(self, local_path, remote_path, progress)  # type: ignore[arg-type]
        except (OpenBayError, OSError) as e:
            return failure(UploadResult, str(e), path=remote_path)
        return UploadResult(success=True, request_id_upload_url=r.request_id, http_status=200,
                            bytes_sent=r.bytes_sent, path=r.remote_path)

    def download_file(self, remote_path: str, local_path: str, *, overwrite: bool = True, wait: bool = True,
                      wait_timeout: float = 30.0, poll_interval: float = 1.5,
                      progress_cb: Callable[[int], None] | None = None) -> Call[DownloadResult]:
        if not overwrite and os.path.exists(local_path):
            return failure(DownloadResult, f"{local_path} exists (overwrite=False)", path=remote_path,
                           local_path=local_path)
        progress = (lambda done, total: progress_cb(done)) if progress_cb else None
        try:
            r = yield from FileSystemCalls.download_file(self, remote_path, local_path, progress)  # type: ignore[arg-type]
        except (OpenBayError, OSError) as e:
            return failure(DownloadResult, str(e), path=remote_path, local_path=local_path)
        return DownloadResult(success=True, request_id_download_url=r.request_id, http_status=200,
                              bytes_received=r.bytes_received, path=remote_path, local_path=os.fspath(local_path))


def _changes(events: list[NativeChange]) -> list[FileChangeEvent]:
    return [FileChangeEvent(EVENT_NAMES.get(e.event_type, e.event_type), e.path, e.path_type) for e in events]


def _transfer_folder(self: Any) -> Call[str | None]:
    """Where AgentBay stages transferred files (its file-transfer context's folder). OpenBay streams
    files to any path; this folder exists for programs that upload into it (None if it cannot be made)."""
    try:
        yield from FileSystemCalls.create_directory(self, TRANSFER_FOLDER)
    except OpenBayError:
        return None
    return TRANSFER_FOLDER


class WatchThread(threading.Thread):
    """What AgentBay's watch_directory returns (sync and async alike): start() begins,
    ready_event is set once the directory's first snapshot is taken, stop_event.set() ends."""

    def __init__(self, start_watch: Callable[[], DirectoryWatch], stop_event: threading.Event,
                 on_end: Callable[[], None] | None = None):
        super().__init__(daemon=True, name="agentbay watch_directory")
        self._start_watch, self.stop_event, self._on_end = start_watch, stop_event, on_end
        self.ready_event = threading.Event()

    def run(self) -> None:
        try:
            watch = self._start_watch()  # takes the first snapshot before it returns
            self.ready_event.set()
            self.stop_event.wait()
            watch.stop()
        finally:
            if self._on_end is not None:
                self._on_end()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self.is_alive():
            self.join(timeout)


class FileSystem(Part):
    create_directory = blocking(AgentBayFileCalls.create_directory)
    delete_file = blocking(AgentBayFileCalls.delete_file)
    edit_file = blocking(AgentBayFileCalls.edit_file)
    move_file = blocking(AgentBayFileCalls.move_file)
    write_file = blocking(AgentBayFileCalls.write_file)
    get_file_info = blocking(AgentBayFileCalls.get_file_info)
    list_directory = blocking(AgentBayFileCalls.list_directory)
    read_multiple_files = blocking(AgentBayFileCalls.read_multiple_files)
    search_files = blocking(AgentBayFileCalls.search_files)
    read_file = blocking(AgentBayFileCalls.read_file)
    upload_file = blocking(AgentBayFileCalls.upload_file)
    download_file = blocking(AgentBayFileCalls.download_file)
    get_file_transfer_context_path = blocking(_transfer_folder)
    # AgentBay's short names of the same calls
    read, write = blocking(AgentBayFileCalls.read_file), blocking(AgentBayFileCalls.write_file)
    list = ls = blocking(AgentBayFileCalls.list_directory)
    delete = remove = rm = blocking(AgentBayFileCalls.delete_file)

    def watch_directory(self, path: str, callback: Callable[[list[FileChangeEvent]], None], interval: float = 0.5,
                        stop_event: threading.Event | None = None) -> WatchThread:
        """A thread that, once started, calls callback(events) for changes under `path`
        until stop_event is set."""
        return WatchThread(lambda: watch_blocking(self._runner, f"{self._path}/files", path,
                                                  lambda evs: callback(_changes(evs)), interval),
                           stop_event or threading.Event())


class AsyncFileSystem(AsyncPart):
    create_directory = awaited(AgentBayFileCalls.create_directory)
    delete_file = awaited(AgentBayFileCalls.delete_file)
    edit_file = awaited(AgentBayFileCalls.edit_file)
    move_file = awaited(AgentBayFileCalls.move_file)
    write_file = awaited(AgentBayFileCalls.write_file)
    get_file_info = awaited(AgentBayFileCalls.get_file_info)
    list_directory = awaited(AgentBayFileCalls.list_directory)
    read_multiple_files = awaited(AgentBayFileCalls.read_multiple_files)
    search_files = awaited(AgentBayFileCalls.search_files)
    read_file = awaited(AgentBayFileCalls.read_file)
    upload_file = awaited(AgentBayFileCalls.upload_file)
    download_file = awaited(AgentBayFileCalls.download_file)
    get_file_transfer_context_path = awaited(_transfer_folder)
    # AgentBay's short names of the same calls
    read, write = awaited(AgentBayFileCalls.read_file), awaited(AgentBayFileCalls.write_file)
    list = ls = awaited(AgentBayFileCalls.list_directory)
    delete = remove = rm = awaited(AgentBayFileCalls.delete_file)

    def watch_directory(self, path: str, callback: Callable[[list[FileChangeEvent]], Any],
                        interval: float = 0.5, stop_event: threading.Event | None = None) -> WatchThread:
        """A thread, as AgentBay's async client gives one: start() it, wait on ready_event if you like,
        set stop_event to end it. It polls with a blocking client of its own, so the callback runs in
        that thread and waiting on its events does not stop this event loop's own work from running."""
        runner = SyncRunner(self._runner.base_url, self._runner._api_key, WATCH_TIMEOUT_S)
        return WatchThread(lambda: watch_blocking(runner, f"{self._path}/files", path,
                                                  lambda evs: callback(_changes(evs)), interval),
                           stop_event or threading.Event(), runner.close)


class Command(Part):
    execute_command = blocking(AgentBayCommandCalls.execute_command)
    run = blocking(AgentBayCommandCalls.execute_command)
    exec = blocking(AgentBayCommandCalls.execute_command)


class AsyncCommand(AsyncPart):
    execute_command = awaited(AgentBayCommandCalls.execute_command)
    run = awaited(AgentBayCommandCalls.execute_command)
    exec = awaited(AgentBayCommandCalls.execute_command)


class AgentBayCodeCalls:
    _path: str

    def run_code(self, code: str, language: str, timeout_s: int = 60, stream_beta: bool = False,
                 on_stdout: Callable[[str], None] | None = None, on_stderr: Callable[[str], None] | None = None,
                 on_error: Callable[[Any], None] | None = None) -> Call[EnhancedCodeExecutionResult]:
        """Run Python, JavaScript, R or Java (case-insensitive; 'py', 'js' too) in the session's
        kernel for that language, which keeps its variables between calls."""
        lang = LANGUAGES.get(str(language or "").strip().lower())
        if lang is None:
            return failure(EnhancedCodeExecutionResult, f"unsupported language {language!r}: OpenBay runs "
                           f"python, javascript, r and java")
        live = stream_beta and (on_stdout is not None or on_stderr is not None)
        try:  # stream_beta: the callbacks get the output as the cell writes it
            r = yield from CodeCalls.run_code(self, code, lang, timeout_s,  # type: ignore[arg-type]
                                              on_stdout=on_stdout if live else None,
                                              on_stderr=on_stderr if live else None)
        except OpenBayError as e:
            if on_error is not None:
                on_error(e)
            return from_error(EnhancedCodeExecutionResult, e)
        for text, handler in ((r.stdout, on_stdout), (r.stderr, on_stderr)):
            if text and handler is not None and not live:
                handler(text)
        outputs = [ExecutionResult(text=o.text, html=o.html, markdown=o.markdown, png=o.png, svg=o.svg,
                                   is_main_result=o.is_main_result) for o in r.results]
        if r.result and not any(o.is_main_result for o in outputs):
            outputs.insert(0, ExecutionResult(text=r.result, is_main_result=True))
        error = ExecutionError(r.error.name, r.error.value, r.error.traceback) if r.error else None
        if error is not None and on_error is not None:
            on_error(error)
        return EnhancedCodeExecutionResult(
            request_id=r.request_id, success=error is None, execution_time=r.execution_time_ms / 1000,
            logs=ExecutionLogs(stdout=[r.stdout] if r.stdout else [], stderr=[r.stderr] if r.stderr else []),
            results=outputs, error=error, error_message=r.error_message)


class Code(Part):
    run_code = blocking(AgentBayCodeCalls.run_code)
    run = blocking(AgentBayCodeCalls.run_code)
    execute = blocking(AgentBayCodeCalls.run_code)


class AsyncCode(AsyncPart):
    run_code = awaited(AgentBayCodeCalls.run_code)
    run = awaited(AgentBayCodeCalls.run_code)
    execute = awaited(AgentBayCodeCalls.run_code)


__all__ = ["Command", "AsyncCommand", "FileSystem", "AsyncFileSystem", "Code", "AsyncCode", "entry"]
