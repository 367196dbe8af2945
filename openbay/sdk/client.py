"""`OpenBay` (blocking) and `AsyncOpenBay` (asyncio): the same calls over two runners."""
from __future__ import annotations

from typing import Any

import httpx

from openbay.protocol import CreateSessionParams, SessionInfo, SessionList

from . import calls
from .calls import Call, Request
from .config import find_api_key, find_base_url
from .contexts import AsyncContextApi, ContextApi
from .conversations import AsyncFileUploadApi, AsyncSessionMessagesApi, FileUploadApi, SessionMessagesApi
from .errors import AuthenticationError
from .methods import AsyncPart, Part, awaited, awaited_as, blocking, blocking_as
from .network_policies import AsyncNetworkPolicyApi, NetworkPolicyApi
from .results import DeleteResult, SessionListResult, SessionResult
from .session import AsyncSession, Session, session_path
from .templates import AsyncSnapshotApi, AsyncTemplateApi, SnapshotApi, TemplateApi
from .transport import AsyncRunner, SyncRunner

DEFAULT_TIMEOUT_S = 60.0


class BayCalls:
    """Every top-level call, written once. create and get give the session's info; the
    clients wrap it into their Session class."""

    def create(self, params: CreateSessionParams | None = None) -> Call[SessionResult[SessionInfo]]:
        """A new session: `result.session`."""
        body = (params or CreateSessionParams()).model_dump()
        return (yield from calls.result(Request("POST", "/v1/sessions", json=body, timeout_s=120),
                                        SessionResult, lambda b: {"session": SessionInfo.model_validate(b)}))

    def get(self, session_id: str) -> Call[SessionResult[SessionInfo]]:
        """A running session of this key's owner by id (NotFoundError, GoneError when it ended)."""
        return (yield from calls.result(Request("GET", session_path(session_id)),
                                        SessionResult, lambda b: {"session": SessionInfo.model_validate(b)}))

    def list(self, labels: dict[str, str] | None = None, limit: int = 20,
             next_token: str | None = None, status: str | None = None) -> Call[SessionListResult]:
        """Sessions of this key's owner, newest first; pass next_token for the next page."""
        params: dict[str, Any] = {"limit": limit, "label": [f"{k}={v}" for k, v in (labels or {}).items()]}
        if next_token:
            params["next_token"] = next_token
        if status:
            params["status"] = status

        def build(body: dict) -> dict:
            page = SessionList.model_validate(body)
            return {"sessions": page.sessions, "next_token": page.next_token,
                    "total_count": page.total_count, "max_results": page.max_results}

        return (yield from calls.result(Request("GET", "/v1/sessions", params=params), SessionListResult, build))

    def delete(self, session: Session | AsyncSession | str) -> Call[DeleteResult]:
        """End a session (by id or object); its contexts are saved first."""
        session_id = session if isinstance(session, str) else session.session_id
        return (yield from calls.result(Request("DELETE", session_path(session_id)), DeleteResult, lambda b: {}))


def _settings(api_key: str | None, base_url: str | None) -> tuple[str, str]:
    key = find_api_key(api_key)
    if not key:
        raise AuthenticationError("no API key: pass api_key=, set OPENBAY_API_KEY, "
                                  "or run on the server's machine (its admin key file)")
    return find_base_url(base_url), key


def _session(bay: OpenBay, r: SessionResult[SessionInfo]) -> SessionResult[Session]:
    return SessionResult(request_id=r.request_id, session=Session(bay._runner, r.session))


async def _async_session(bay: AsyncOpenBay, r: SessionResult[SessionInfo]) -> SessionResult[AsyncSession]:
    return SessionResult(request_id=r.request_id, session=AsyncSession(bay._runner, r.session))


class OpenBay(Part):
    """Blocking client. `OpenBay()` reads OPENBAY_API_KEY and OPENBAY_BASE_URL.
    `transport` (an httpx transport) is for tests and custom networking."""

    def __init__(self, api_key: str | None = None, base_url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, *, transport: httpx.BaseTransport | None = None):
        self.base_url, key = _settings(api_key, base_url)
        super().__init__(SyncRunner(self.base_url, key, timeout, transport), "")
        self.context = ContextApi(self._runner, "")
        self.network_policy = NetworkPolicyApi(self._runner, "")
        self.template = TemplateApi(self._runner, "")  # this owner's own images
        self.snapshot = SnapshotApi(self._runner, "")  # snapshots of this owner's sessions
        self.session_api = SessionMessagesApi(self._runner, "")
        self.file_upload = FileUploadApi(self._runner, "")

    create = blocking_as(BayCalls.create, _session)
    get = blocking_as(BayCalls.get, _session)
    list = blocking(BayCalls.list)
    delete = blocking(BayCalls.delete)

    def close(self) -> None:
        self._runner.close()

    def __enter__(self) -> OpenBay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncOpenBay(AsyncPart):
    """asyncio client: the same methods as OpenBay, awaited."""

    def __init__(self, api_key: str | None = None, base_url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, *, transport: httpx.AsyncBaseTransport | None = None):
        self.base_url, key = _settings(api_key, base_url)
        super().__init__(AsyncRunner(self.base_url, key, timeout, transport), "")
        self.context = AsyncContextApi(self._runner, "")
        self.network_policy = AsyncNetworkPolicyApi(self._runner, "")
        self.template = AsyncTemplateApi(self._runner, "")
        self.snapshot = AsyncSnapshotApi(self._runner, "")
        self.session_api = AsyncSessionMessagesApi(self._runner, "")
        self.file_upload = AsyncFileUploadApi(self._runner, "")

    create = awaited_as(BayCalls.create, _async_session)
    get = awaited_as(BayCalls.get, _async_session)
    list = awaited(BayCalls.list)
    delete = awaited(BayCalls.delete)

    async def close(self) -> None:
        await self._runner.close()

    async def __aenter__(self) -> AsyncOpenBay:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
