"""`bay.context` (persistent volumes of the key's owner) and `session.context`
(saving the contexts a session was created with)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from openbay.protocol.contexts import ContextCreate, ContextInfo, ContextList, ContextSyncStatus, SessionContexts

from . import calls
from .calls import Request
from .results import ApiResult, DeleteResult

if TYPE_CHECKING:
    from .client import BayApi
    from .session import Session


@dataclass
class ContextResult(ApiResult):
    context_id: str = ""
    context: ContextInfo | None = None


@dataclass
class ContextListResult(ApiResult):
    contexts: list[ContextInfo] = field(default_factory=list)


@dataclass
class ContextSyncResult(ApiResult):
    """`success` is False when a context could not be saved; `syncs` says which and why."""
    syncs: list[ContextSyncStatus] = field(default_factory=list)


def _context(body: dict) -> dict:
    info = ContextInfo.model_validate(body)
    return {"context_id": info.context_id, "context": info}


class ContextApi:
    def __init__(self, bay: BayApi):
        self._bay = bay

    def get(self, name: str, create: bool = False) -> ContextResult:
        """The context called `name`; with create=True it is made when missing."""
        if create:
            req = Request("POST", "/v1/contexts", json=ContextCreate(name=name).model_dump())
        else:
            req = Request("GET", f"/v1/contexts/by-name/{quote(name, safe='')}")
        return self._bay._run(calls.result(req, ContextResult, _context))

    def list(self) -> ContextListResult:
        return self._bay._run(calls.result(Request("GET", "/v1/contexts"), ContextListResult,
                                           lambda b: {"contexts": ContextList.model_validate(b).contexts}))

    def delete(self, context: ContextInfo | str) -> DeleteResult:
        """Delete a context and its saved content (by id, or the ContextInfo of get)."""
        context_id = context if isinstance(context, str) else context.context_id
        return self._bay._run(calls.result(Request("DELETE", f"/v1/contexts/{quote(context_id, safe='')}"),
                                           DeleteResult, lambda b: {}))


def _sync_call(req: Request):
    result = yield from calls.result(req, ContextSyncResult,
                                     lambda b: {"syncs": SessionContexts.model_validate(b).syncs})
    failed = [s for s in result.syncs if req.method == "POST" and not s.saved]
    if result.success and failed:
        result.success = False
        result.error_message = "; ".join(f"{s.context_id}: {s.error_message}" for s in failed)
    return result


class SessionContextApi:
    def __init__(self, session: Session):
        self._session = session

    def sync(self) -> ContextSyncResult:
        """Save the session's contexts now (deleting the session saves them as well)."""
        return self._session._run(_sync_call(Request("POST", f"{self._session._path}/contexts/sync",
                                                     timeout_s=600)))

    def info(self) -> ContextSyncResult:
        """Which contexts the session has, at which paths."""
        return self._session._run(_sync_call(Request("GET", f"{self._session._path}/contexts")))
