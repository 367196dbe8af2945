"""agent_bay.context (ContextService: persistent contexts of the key's owner) and
session.context (ContextManager: the contexts a session was created with), as AgentBay has them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openbay.protocol.contexts import ContextInfo
from openbay.sdk.calls import Call
from openbay.sdk.contexts import ContextCalls, SessionContextCalls
from openbay.sdk.errors import ContextSyncError, OpenBayError
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking

from .failures import failure, from_error
from .models import ContextBindResult
from .params import ContextSync, SyncPolicy, UploadPolicy
from .results import ApiResponse, OperationResult

FILE_URL_TTL_S = 3600  # as long as AgentBay's presigned URLs last


@dataclass
class Context:
    """A context: `id` and `name` (AgentBay's fields), plus when it was made and last saved."""
    id: str
    name: str
    created_at: str | None = None
    last_used_at: str | None = None
    size_bytes: int = 0

    @property
    def context_id(self) -> str:
        return self.id

    @classmethod
    def of(cls, info: ContextInfo) -> Context:
        return cls(id=info.context_id, name=info.name, created_at=info.created_at.isoformat(),
                   last_used_at=info.saved_at.isoformat() if info.saved_at else None, size_bytes=info.size_bytes)


@dataclass
class ContextResult(ApiResponse):
    success: bool = False
    context_id: str = ""
    context: Context | None = None
    error_message: str = ""


@dataclass
class ContextListResult(ApiResponse):
    success: bool = False
    contexts: list[Context] = field(default_factory=list)
    next_token: str | None = None
    max_results: int | None = None
    total_count: int | None = None
    error_message: str = ""


@dataclass
class ContextListParams:
    max_results: int | None = None
    next_token: str | None = None
    session_id: str | None = None


@dataclass
class ContextStatusData:
    context_id: str = ""
    path: str = ""
    error_message: str = ""
    status: str = ""
    start_time: int = 0
    finish_time: int = 0
    task_type: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContextStatusData:
        return cls(context_id=data.get("contextId", ""), path=data.get("path", ""),
                   error_message=data.get("errorMessage", ""), status=data.get("status", ""),
                   start_time=data.get("startTime", 0), finish_time=data.get("finishTime", 0),
                   task_type=data.get("taskType", ""))


@dataclass
class ContextInfoResult(ApiResponse):
    success: bool = True
    context_status_data: list[ContextStatusData] = field(default_factory=list)
    error_message: str = ""


@dataclass
class ContextSyncResult(ApiResponse):
    success: bool = False
    error_message: str = ""


@dataclass
class ContextBinding:
    context_id: str = ""
    context_name: str = ""
    path: str = ""
    policy: str = ""
    bind_time: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContextBinding:
        return cls(context_id=data.get("ContextId", ""), context_name=data.get("ContextName", ""),
                   path=data.get("Path", ""), policy=data.get("Policy", ""), bind_time=data.get("BindTime", ""))


@dataclass
class ContextBindingsResult(ApiResponse):
    success: bool = False
    bindings: list[ContextBinding] = field(default_factory=list)
    error_message: str = ""


@dataclass
class FileUrlResult(ApiResponse):
    success: bool = False
    url: str = ""
    expire_time: int | None = None
    error_message: str = ""


@dataclass
class ContextFileEntry:
    file_id: str = ""
    file_name: str = ""
    file_path: str = ""
    file_type: str | None = None
    gmt_create: str | None = None
    gmt_modified: int | str | None = None
    size: int | None = None
    status: str | None = None


@dataclass
class ContextFileListResult(ApiResponse):
    success: bool = False
    entries: list = field(default_factory=list)
    count: int | None = None
    next_token: str | None = None
    error_message: str = ""


@dataclass
class ClearContextResult(ApiResponse):
    success: bool = False
    error_message: str = ""
    status: str | None = None
    context_id: str | None = None


def _file_url(api: Any, context_id: str, file_path: str, method: str) -> Call[FileUrlResult]:
    try:
        r = yield from ContextCalls.file_link(api, context_id, file_path, method, FILE_URL_TTL_S)
    except OpenBayError as e:
        return from_error(FileUrlResult, e)
    return FileUrlResult(request_id=r.request_id, success=True, url=r.url,
                         expire_time=int(r.expires_at.timestamp()))


def _context_result(call: Call[Any]) -> Call[ContextResult]:
    try:
        r = yield from call
    except OpenBayError as e:
        return from_error(ContextResult, e)
    return ContextResult(request_id=r.request_id, success=True, context_id=r.context_id, context=Context.of(r.context))


class ContextServiceCalls:
    _path: str

    def get(self, name: str | None = None, create: bool = False,
            context_id: str | None = None) -> Call[ContextResult]:
        """A context by name (made when create=True and missing) or by context_id."""
        if context_id:
            return (yield from _context_result(ContextCalls.get_by_id(self, context_id)))  # type: ignore[arg-type]
        if not name:
            return failure(ContextResult, "name or context_id is required")
        return (yield from _context_result(ContextCalls.get(self, name, create)))  # type: ignore[arg-type]

    def create(self, name: str) -> Call[ContextResult]:
        return (yield from ContextServiceCalls.get(self, name, create=True))

    def list(self, params: ContextListParams | None = None) -> Call[ContextListResult]:
        """A page of contexts (newest first): params.max_results (default 10) and the next_token of the last page."""
        params = params or ContextListParams()
        token = params.next_token or ""
        if token and not token.isdigit():
            return failure(ContextListResult, f"invalid next_token {token[:64]!r}: use the next_token of a page")
        try:
            r = yield from ContextCalls.list(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(ContextListResult, e)
        size = params.max_results or 10
        start = int(token or 0)
        every = sorted(r.contexts, key=lambda c: c.created_at, reverse=True)
        page = every[start:start + size]
        more = start + size < len(every)
        return ContextListResult(request_id=r.request_id, success=True, contexts=[Context.of(c) for c in page],
                                 next_token=str(start + size) if more else None, max_results=size,
                                 total_count=len(every))

    def delete(self, context: Context | str) -> Call[OperationResult]:
        """Delete a context and what is saved in it."""
        context_id = context if isinstance(context, str) else context.id
        try:
            r = yield from ContextCalls.delete(self, context_id)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(request_id=r.request_id, success=True, data=True)


    def update(self, context: Context) -> Call[OperationResult]:
        """Rename the context to context.name (its id stays)."""
        try:
            r = yield from ContextCalls.rename(self, context.id, context.name)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(request_id=r.request_id, success=True, data=True)

    def list_files(self, context_id: str, parent_folder_path: str, page_number: int = 1, page_size: int = 50,
                   max_results: int | None = None, next_token: str | None = None) -> Call[ContextFileListResult]:
        """The files directly under parent_folder_path in what the context has saved."""
        try:
            r = yield from ContextCalls.list_files(self, context_id, parent_folder_path or "/",  # type: ignore[arg-type]
                                                   page_number, max_results or page_size)
        except OpenBayError as e:
            return from_error(ContextFileListResult, e)
        entries = [ContextFileEntry(file_id=e["file_path"], **e) for e in r.entries]
        return ContextFileListResult(request_id=r.request_id, success=True, entries=entries, count=r.count)

    def get_file_upload_url(self, context_id: str, file_path: str) -> Call[FileUrlResult]:
        """A URL to PUT one file into the context (made or replaced), served by the OpenBay server."""
        return (yield from _file_url(self, context_id, file_path, "PUT"))

    def get_file_download_url(self, context_id: str, file_path: str) -> Call[FileUrlResult]:
        """A URL to GET one file of the context, served by the OpenBay server."""
        return (yield from _file_url(self, context_id, file_path, "GET"))

    def delete_file(self, context_id: str, file_path: str) -> Call[OperationResult]:
        """Remove one file of the context (a failure when there is none)."""
        try:
            r = yield from ContextCalls.delete_file(self, context_id, file_path)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(request_id=r.request_id, success=True, data=True)

    def clear(self, context_id: str, timeout: int = 60, poll_interval: float = 2.0) -> Call[ClearContextResult]:
        """Drop what the context has saved (done when this returns: status "available")."""
        try:
            r = yield from ContextCalls.clear(self, context_id)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(ClearContextResult, e)
        return ClearContextResult(request_id=r.request_id, success=True, status="available", context_id=context_id)

    def get_clear_status(self, context_id: str) -> Call[ClearContextResult]:
        """Clearing is done when clear returns: "available" once the context exists."""
        try:
            r = yield from ContextCalls.get_by_id(self, context_id)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(ClearContextResult, e)
        return ClearContextResult(request_id=r.request_id, success=True, status="available", context_id=context_id)


_SERVICE = {n: n for n in ("get", "create", "list", "delete", "update", "list_files", "get_file_upload_url",
                            "get_file_download_url", "delete_file", "clear")}
_SERVICE.update(clear_async="clear", start_clear="clear", get_clear_status="get_clear_status")  # OpenBay clears at once
ContextService = type("ContextService", (Part,), {n: blocking(getattr(ContextServiceCalls, c))
                                                  for n, c in _SERVICE.items()})
AsyncContextService = type("AsyncContextService", (AsyncPart,), {n: awaited(getattr(ContextServiceCalls, c))
                                                                 for n, c in _SERVICE.items()})


class ContextManagerCalls:
    _path: str

    def info(self, context_id: str | None = None, path: str | None = None,
             task_type: str | None = None) -> Call[ContextInfoResult]:
        """The session's contexts and paths (status "Success": restored and in place)."""
        try:
            r = yield from SessionContextCalls.info(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(ContextInfoResult, e)
        data = [ContextStatusData(context_id=s.context_id, path=s.path, status="Success", task_type="download")
                for s in r.syncs if (not context_id or s.context_id == context_id) and (not path or s.path == path)]
        return ContextInfoResult(request_id=r.request_id, success=True, context_status_data=data)

    def sync(self, context_id: str | None = None, path: str | None = None, mode: str | None = None,
             max_retries: int = 150, retry_interval: int = 500) -> Call[ContextSyncResult]:
        """Save the session's contexts now; done when this returns (no polling needed)."""
        try:
            r = yield from SessionContextCalls.sync(self)  # type: ignore[arg-type]
        except ContextSyncError as e:
            return failure(ContextSyncResult, e.message, e.request_id)
        except OpenBayError as e:
            return from_error(ContextSyncResult, e)
        return ContextSyncResult(request_id=r.request_id, success=True)

    def bind(self, *contexts: Any, wait_for_completion: bool = True) -> Call[ContextBindResult]:
        """Bind contexts (ContextSync or BetaContextMount) to the running session: each is restored at
        its path before this returns, and saved with the others."""
        if not contexts:
            return failure(ContextBindResult, "bind needs at least one ContextSync or BetaContextMount")
        request_id = ""
        try:
            for c in contexts:
                read_only = getattr(getattr(c, "access_mode", None), "value", "") == "readOnly"
                sync = c.to_wire() if hasattr(c, "to_wire") else ContextSync(
                    c.context_id, c.path, SyncPolicy(upload_policy=UploadPolicy(auto_upload=not read_only))).to_wire()
                r = yield from SessionContextCalls.bind(self, sync)  # type: ignore[arg-type]
                request_id = r.request_id
        except OpenBayError as e:
            return from_error(ContextBindResult, e)
        return ContextBindResult(request_id=request_id, success=True)

    def list_bindings(self) -> Call[ContextBindingsResult]:
        """The session's contexts, each with its path and name."""
        try:
            r = yield from SessionContextCalls.info(self)  # type: ignore[arg-type]
            bindings = []
            for s in r.syncs:
                ctx = yield from ContextCalls.get_by_id(self, s.context_id)  # type: ignore[arg-type]
                bindings.append(ContextBinding(context_id=s.context_id, path=s.path,
                                               context_name=ctx.context.name if ctx.context else ""))
        except OpenBayError as e:
            return from_error(ContextBindingsResult, e)
        return ContextBindingsResult(request_id=r.request_id, success=True, bindings=bindings)


class ContextManager(Part):
    bind = blocking(ContextManagerCalls.bind)
    info = blocking(ContextManagerCalls.info)
    sync = blocking(ContextManagerCalls.sync)
    list_bindings = blocking(ContextManagerCalls.list_bindings)


class AsyncContextManager(AsyncPart):
    bind = awaited(ContextManagerCalls.bind)
    info = awaited(ContextManagerCalls.info)
    sync = awaited(ContextManagerCalls.sync)
    list_bindings = awaited(ContextManagerCalls.list_bindings)
