"""AgentBay and AsyncAgentBay: AgentBay's client on an OpenBay server. The key and server
come as AgentBay reads them (api_key=, AGENTBAY_API_KEY, AGENTBAY_ENDPOINT, Config),
falling back to OpenBay's (OPENBAY_API_KEY, OPENBAY_BASE_URL)."""
from __future__ import annotations

from typing import Any

from openbay.protocol import CreateSessionParams as NativeParams
from openbay.sdk.calls import Call
from openbay.sdk.client import BayCalls
from openbay.sdk.errors import OpenBayError
from openbay.sdk.methods import AsyncPart, Part, awaited, awaited_as, blocking, blocking_as
from openbay.sdk.transport import AsyncRunner, SyncRunner

from .config import Config, resolve
from .context import AsyncContextService, ContextService
from .failures import failure, from_error, unavailable
from .params import WINDOWS_IMAGES, CreateSessionParams, openbay_image
from .results import DeleteResult, SessionListResult, SessionPauseResult, SessionResult, SessionResumeResult
from .session import AgentBaySessionCalls, AsyncSession, Session

DEFAULT_IDLE_S = 1800
MAX_PAGE = 100


def _native_params(params: CreateSessionParams) -> NativeParams:
    return NativeParams(image_id=openbay_image(params.image_id), labels=params.labels,
                        timeout_s=params.timeout_s() or DEFAULT_IDLE_S,
                        context_syncs=[s.to_wire() for s in params.all_context_syncs()])


class AgentBayCalls:
    def create(self, params: CreateSessionParams | None = None) -> Call[Any]:
        """A new session: result.session (success=False with error_message when it could not be made)."""
        params = params or CreateSessionParams()
        if (params.image_id or "") in WINDOWS_IMAGES:
            return unavailable(SessionResult, f"image {params.image_id!r}", "OpenBay sessions are Linux "
                               "(linux, code, browser, computer, mobile images)")
        try:
            r = yield from BayCalls.create(self, _native_params(params))  # type: ignore[arg-type]
        except (OpenBayError, ValueError) as e:
            if isinstance(e, OpenBayError):
                return from_error(SessionResult, e)
            return failure(SessionResult, str(e))
        return (r, params.browser_context.context_id if params.browser_context else None)

    def get(self, session_id: str) -> Call[Any]:
        """A running session by id."""
        try:
            r = yield from BayCalls.get(self, session_id)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(SessionResult, e)
        return (r, None)

    def list(self, labels: dict[str, str] | None = None, page: int | None = None, limit: int | None = None,
             status: str | None = None, image_id: str | None = None) -> Call[SessionListResult]:
        """Session ids of one page (1-based `page`, `limit` per page, default 10), filtered by labels."""
        if page is not None and page < 1:
            return failure(SessionListResult, f"Cannot reach page {page}: page must be 1 or more")
        size = min(limit or 10, MAX_PAGE)
        token: str | None = None
        try:
            for number in range(1, (page or 1) + 1):
                r = yield from BayCalls.list(self, labels, size, token, status)  # type: ignore[arg-type]
                if number < (page or 1):
                    token = r.next_token
                    if not token:
                        return SessionListResult(request_id=r.request_id, success=True, max_results=size,
                                                 total_count=r.total_count)
        except OpenBayError as e:
            return from_error(SessionListResult, e)
        ids = [s.session_id for s in r.sessions if not image_id or s.image_id == openbay_image(image_id)]
        return SessionListResult(request_id=r.request_id, success=True, session_ids=ids,
                                 next_token=r.next_token or "", max_results=size, total_count=r.total_count)

    def delete(self, session: Any, sync_context: bool = False) -> Call[DeleteResult]:
        """End `session` (a Session); sync_context=True saves its contexts first."""
        return (yield from AgentBaySessionCalls.delete(session, sync_context))

    def beta_pause(self, session: Any, timeout: int = 600, poll_interval: float = 2.0) -> Call[SessionPauseResult]:
        return (yield from AgentBaySessionCalls.beta_pause(session, timeout, poll_interval))

    def beta_resume(self, session: Any, timeout: int = 600,
                    poll_interval: float = 2.0) -> Call[SessionResumeResult]:
        return (yield from AgentBaySessionCalls.beta_resume(session, timeout, poll_interval))


Made = tuple[SessionResult, str | None] | SessionResult


def _session(bay: AgentBay, made: Any) -> SessionResult:
    if isinstance(made, SessionResult):
        return made
    r, profile = made
    return SessionResult(request_id=r.request_id, success=True, session=Session(bay, r.session, profile))


async def _async_session(bay: AsyncAgentBay, made: Any) -> SessionResult:
    if isinstance(made, SessionResult):
        return made
    r, profile = made
    return SessionResult(request_id=r.request_id, success=True, session=AsyncSession(bay, r.session, profile))


class AgentBay(Part):
    """AgentBay's client: AgentBay(api_key=..., cfg=Config(endpoint=...)) or from the environment."""

    def __init__(self, api_key: str = "", cfg: Config | None = None, env_file: str | None = None, *,
                 transport: Any = None):
        self.api_key, self.base_url, timeout_s = resolve(api_key, cfg, env_file)
        super().__init__(SyncRunner(self.base_url, self.api_key, timeout_s, transport), "")
        self.context = ContextService(self._runner, "")

    create = blocking_as(AgentBayCalls.create, _session)
    get = blocking_as(AgentBayCalls.get, _session)
    list = blocking(AgentBayCalls.list)
    delete = blocking(AgentBayCalls.delete)
    beta_pause = blocking(AgentBayCalls.beta_pause)
    beta_resume = blocking(AgentBayCalls.beta_resume)

    def close(self) -> None:
        self._runner.close()

    def __enter__(self) -> AgentBay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncAgentBay(AsyncPart):
    """The asyncio twin of AgentBay: the same methods, awaited."""

    def __init__(self, api_key: str = "", cfg: Config | None = None, env_file: str | None = None, *,
                 transport: Any = None):
        self.api_key, self.base_url, timeout_s = resolve(api_key, cfg, env_file)
        super().__init__(AsyncRunner(self.base_url, self.api_key, timeout_s, transport), "")
        self.context = AsyncContextService(self._runner, "")

    create = awaited_as(AgentBayCalls.create, _async_session)
    get = awaited_as(AgentBayCalls.get, _async_session)
    list = awaited(AgentBayCalls.list)
    delete = awaited(AgentBayCalls.delete)
    beta_pause = awaited(AgentBayCalls.beta_pause)
    beta_resume = awaited(AgentBayCalls.beta_resume)

    async def close(self) -> None:
        await self._runner.close()

    async def __aenter__(self) -> AsyncAgentBay:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
