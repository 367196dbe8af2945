"""`bay.context` (persistent volumes of the key's owner) and `session.context`
(saving the contexts a session was created with)."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from openbay.protocol.contexts import (
    ContextCreate,
    ContextFileLink,
    ContextFileLinkRequest,
    ContextInfo,
    ContextList,
    ContextSync,
    ContextSyncStatus,
    SessionContexts,
)

from . import calls
from .calls import Call, Request
from .errors import ContextSyncError
from .methods import AsyncPart, Part, awaited, blocking
from .results import ApiResult, DeleteResult


@dataclass
class ContextResult(ApiResult):
    context_id: str = ""
    context: ContextInfo | None = None


@dataclass
class ContextListResult(ApiResult):
    contexts: list[ContextInfo] = field(default_factory=list)


@dataclass
class ContextFileList(ApiResult):
    """entries: file_path, file_name, file_type (file or directory), size, gmt_modified; count: all of them."""
    entries: list[dict] = field(default_factory=list)
    count: int = 0


@dataclass
class ContextFileLinkResult(ApiResult):
    """url: a link this server serves, to GET or PUT one file without the API key, until expires_at."""
    url: str = ""
    method: str = ""
    expires_at: object = None


@dataclass
class ContextSyncResult(ApiResult):
    syncs: list[ContextSyncStatus] = field(default_factory=list)


def _context(body: dict) -> dict:
    info = ContextInfo.model_validate(body)
    return {"context_id": info.context_id, "context": info}


class ContextCalls:
    def get(self, name: str, create: bool = False) -> Call[ContextResult]:
        """The context called `name`; with create=True it is made when missing (else NotFoundError)."""
        if create:
            req = Request("POST", "/v1/contexts", json=ContextCreate(name=name).model_dump())
        else:
            req = Request("GET", f"/v1/contexts/by-name/{quote(name, safe='')}")
        return (yield from calls.result(req, ContextResult, _context))

    def get_by_id(self, context_id: str) -> Call[ContextResult]:
        req = Request("GET", f"/v1/contexts/{quote(context_id, safe='')}")
        return (yield from calls.result(req, ContextResult, _context))

    def list(self) -> Call[ContextListResult]:
        return (yield from calls.result(Request("GET", "/v1/contexts"), ContextListResult,
                                        lambda b: {"contexts": ContextList.model_validate(b).contexts}))

    def rename(self, context: ContextInfo | str, name: str) -> Call[ContextResult]:
        """Give the context another name (ConflictError when another of yours has it)."""
        context_id = context if isinstance(context, str) else context.context_id
        req = Request("PATCH", f"/v1/contexts/{quote(context_id, safe='')}", json=ContextCreate(name=name).model_dump())
        return (yield from calls.result(req, ContextResult, _context))

    def clear(self, context: ContextInfo | str) -> Call[ContextResult]:
        """Drop what the context has saved; the context stays, empty."""
        context_id = context if isinstance(context, str) else context.context_id
        return (yield from calls.result(Request("POST", f"/v1/contexts/{quote(context_id, safe='')}/clear"),
                                        ContextResult, _context))

    def list_files(self, context: ContextInfo | str, path: str = "/", page: int = 1,
                   page_size: int = 50) -> Call[ContextFileList]:
        """Files and folders directly under `path` in the context's saved content, a page at a time."""
        context_id = context if isinstance(context, str) else context.context_id
        req = Request("GET", f"/v1/contexts/{quote(context_id, safe='')}/files",
                      params={"path": path, "page": page, "page_size": page_size})
        return (yield from calls.result(req, ContextFileList, lambda b: {"entries": b["entries"], "count": b["count"]}))

    def file_link(self, context: ContextInfo | str, path: str, method: str = "GET",
                  expires_in_s: int = 3600) -> Call[ContextFileLinkResult]:
        """A link to read (GET) or write (PUT) one file of the context's saved content, for any
        HTTP client (no API key); a PUT makes the file or replaces it."""
        context_id = context if isinstance(context, str) else context.context_id
        body = ContextFileLinkRequest(path=path, method=method, expires_in_s=expires_in_s).model_dump()
        req = Request("POST", f"/v1/contexts/{quote(context_id, safe='')}/file-links", json=body)
        return (yield from calls.result(req, ContextFileLinkResult,
                                        lambda b: dict(ContextFileLink.model_validate(b))))

    def delete_file(self, context: ContextInfo | str, path: str) -> Call[ContextResult]:
        """Remove one file from the context's saved content (NotFoundError when there is none)."""
        context_id = context if isinstance(context, str) else context.context_id
        req = Request("DELETE", f"/v1/contexts/{quote(context_id, safe='')}/files", params={"path": path})
        return (yield from calls.result(req, ContextResult, _context))

    def delete(self, context: ContextInfo | str) -> Call[DeleteResult]:
        """Delete a context and its saved content (by id, or the ContextInfo of get)."""
        context_id = context if isinstance(context, str) else context.context_id
        return (yield from calls.result(Request("DELETE", f"/v1/contexts/{quote(context_id, safe='')}"),
                                        DeleteResult, lambda b: {}))


class ContextApi(Part):
    """bay.context: named persistent volumes of this key's owner."""
    get = blocking(ContextCalls.get)
    get_by_id = blocking(ContextCalls.get_by_id)
    list = blocking(ContextCalls.list)
    rename = blocking(ContextCalls.rename)
    clear = blocking(ContextCalls.clear)
    list_files = blocking(ContextCalls.list_files)
    file_link = blocking(ContextCalls.file_link)
    delete_file = blocking(ContextCalls.delete_file)
    delete = blocking(ContextCalls.delete)


class AsyncContextApi(AsyncPart):
    get = awaited(ContextCalls.get)
    get_by_id = awaited(ContextCalls.get_by_id)
    list = awaited(ContextCalls.list)
    rename = awaited(ContextCalls.rename)
    clear = awaited(ContextCalls.clear)
    list_files = awaited(ContextCalls.list_files)
    file_link = awaited(ContextCalls.file_link)
    delete_file = awaited(ContextCalls.delete_file)
    delete = awaited(ContextCalls.delete)


class SessionContextCalls:
    _path: str

    def sync(self) -> Call[ContextSyncResult]:
        """Save the session's contexts now (deleting the session saves them as well).
        Raises ContextSyncError (with every context's status) when one could not be saved."""
        req = Request("POST", f"{self._path}/contexts/sync", timeout_s=600)
        result = yield from calls.result(req, ContextSyncResult,
                                         lambda b: {"syncs": SessionContexts.model_validate(b).syncs})
        failed = [s for s in result.syncs if not s.saved]
        if failed:
            raise ContextSyncError("; ".join(f"{s.context_id}: {s.error_message}" for s in failed),
                                   syncs=result.syncs, request_id=result.request_id)
        return result

    def info(self) -> Call[ContextSyncResult]:
        """Which contexts the session has, at which paths."""
        return (yield from calls.result(Request("GET", f"{self._path}/contexts"), ContextSyncResult,
                                        lambda b: {"syncs": SessionContexts.model_validate(b).syncs}))

    def bind(self, sync: ContextSync) -> Call[ContextSyncResult]:
        """Add a context to the running session: restored at sync.path now, saved like the others
        (a path the session already syncs is left as it is). The session's contexts after it."""
        req = Request("POST", f"{self._path}/contexts", json=sync.model_dump(mode="json"), timeout_s=600)
        return (yield from calls.result(req, ContextSyncResult,
                                        lambda b: {"syncs": SessionContexts.model_validate(b).syncs}))


class SessionContextApi(Part):
    sync = blocking(SessionContextCalls.sync)
    info = blocking(SessionContextCalls.info)
    bind = blocking(SessionContextCalls.bind)


class AsyncSessionContextApi(AsyncPart):
    sync = awaited(SessionContextCalls.sync)
    info = awaited(SessionContextCalls.info)
    bind = awaited(SessionContextCalls.bind)
