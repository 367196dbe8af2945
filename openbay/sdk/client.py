"""`OpenBay` (blocking) and `AsyncOpenBay` (asyncio): the same API over two transports."""
from __future__ import annotations

from openbay.protocol import CreateSessionParams, SessionInfo, SessionList

from . import calls
from .calls import Call, Request
from .config import find_api_key, find_base_url
from .contexts import ContextApi
from .conversations import FileUploadApi, SessionMessagesApi
from .errors import AuthenticationError
from .network_policies import NetworkPolicyApi
from .results import DeleteResult, SessionListResult, SessionResult
from .session import Session
from .task_runner import TaskRunner
from .templates import SnapshotApi, TemplateApi
from .transport import AsyncTransport, SyncTransport

DEFAULT_TIMEOUT_S = 60.0


class BayApi:
    """Every top-level call, written once; `_run` is what differs between the clients."""

    def _run(self, call: Call):
        raise NotImplementedError

    @property
    def context(self) -> ContextApi:
        """Contexts: named persistent volumes of this key's owner."""
        return ContextApi(self)

    @property
    def template(self) -> TemplateApi:
        """Templates: this owner's own images (build, import_archive, list, get, delete)."""
        return TemplateApi(self)

    @property
    def snapshot(self) -> SnapshotApi:
        """Snapshots of this owner's sessions (list, get, delete)."""
        return SnapshotApi(self)

    @property
    def network_policy(self) -> NetworkPolicyApi:
        """Owners' default egress policies: get, and for an admin key set and clear."""
        return NetworkPolicyApi(self)

    @property
    def session_api(self) -> SessionMessagesApi:
        """A session's conversation: get_messages, get_between_messages, get_info, update_session_name."""
        return SessionMessagesApi(self)

    @property
    def file_upload(self) -> FileUploadApi:
        """Attachments: upload_file(path, session_id=None)."""
        return FileUploadApi(self)

    def task_runner(self, session: Session | str, **kwargs) -> TaskRunner:
        """A TaskRunner for `session` (a Session or its id): run_task, run_interactive_session."""
        return TaskRunner(self, session, **kwargs)

    def _session_result(self, body: dict) -> dict:
        return {"session": Session(self, SessionInfo.model_validate(body))}

    def create(self, params: CreateSessionParams | None = None) -> SessionResult:
        body = (params or CreateSessionParams()).model_dump()
        return self._run(calls.result(Request("POST", "/v1/sessions", json=body, timeout_s=120),
                                      SessionResult, self._session_result))

    def get(self, session_id: str) -> SessionResult:
        return self._run(calls.result(Request("GET", f"/v1/sessions/{session_id}"),
                                      SessionResult, self._session_result))

    def list(self, labels: dict[str, str] | None = None, limit: int = 20,
             next_token: str | None = None, status: str | None = None) -> SessionListResult:
        """Sessions of this key's owner, newest first; pass next_token for the next page."""
        params: dict = {"limit": limit, "label": [f"{k}={v}" for k, v in (labels or {}).items()]}
        if next_token:
            params["next_token"] = next_token
        if status:
            params["status"] = status

        def build(body: dict) -> dict:
            page = SessionList.model_validate(body)
            return {"sessions": page.sessions, "next_token": page.next_token,
                    "total_count": page.total_count, "max_results": page.max_results}

        return self._run(calls.result(Request("GET", "/v1/sessions", params=params),
                                      SessionListResult, build))

    def delete(self, session: Session | str) -> DeleteResult:
        session_id = session if isinstance(session, str) else session.session_id
        return self._run(calls.result(Request("DELETE", f"/v1/sessions/{session_id}"),
                                      DeleteResult, lambda b: {}))


def _settings(api_key: str | None, base_url: str | None) -> tuple[str, str]:
    key = find_api_key(api_key)
    if not key:
        raise AuthenticationError("no API key: pass api_key=, set OPENBAY_API_KEY, "
                                  "or run on the server's machine (its admin key file)")
    return find_base_url(base_url), key


class OpenBay(BayApi):
    """Blocking client. `OpenBay()` reads OPENBAY_API_KEY and OPENBAY_BASE_URL."""

    def __init__(self, api_key: str | None = None, base_url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S):
        self.base_url, key = _settings(api_key, base_url)
        self._transport = SyncTransport(self.base_url, key, timeout)

    def _run(self, call: Call):
        return self._transport.run(call)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> OpenBay:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AsyncOpenBay(BayApi):
    """asyncio client: the same methods as OpenBay, awaited."""

    def __init__(self, api_key: str | None = None, base_url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S):
        self.base_url, key = _settings(api_key, base_url)
        self._transport = AsyncTransport(self.base_url, key, timeout)

    def _run(self, call: Call):
        return self._transport.run(call)

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> AsyncOpenBay:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()
