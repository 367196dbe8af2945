"""AgentBay's Session (and AsyncSession) on an OpenBay session: command, file_system
(also fs, filesystem, files), code, context, browser, computer, mobile, agent, and the
session calls (info, labels, link, keep_alive, delete, metrics, pause/resume, MCP tools)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openbay.protocol import SessionInfo as NativeInfo
from openbay.sdk.calls import Call
from openbay.sdk.contexts import SessionContextCalls
from openbay.sdk.errors import OpenBayError
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking
from openbay.sdk.session import SessionCalls, session_path

from .agent import Agent, AsyncAgent
from .browser import AsyncBrowser, Browser
from .computer import AsyncComputer, Computer
from .context import AsyncContextManager, ContextManager
from .env import AsyncEnv, Env
from .failures import failure, from_error
from .git import AsyncGit, Git
from .mobile import AsyncMobile, Mobile
from .oss import AsyncOss, Oss
from .results import (
    DeleteResult,
    McpTool,
    McpToolResult,
    McpToolsResult,
    OperationResult,
    SessionMetrics,
    SessionMetricsResult,
    SessionPauseResult,
    SessionResumeResult,
)
from .services import AsyncCode, AsyncCommand, AsyncFileSystem, Code, Command, FileSystem

NOT_YET = "{feature} is not served by this OpenBay server yet"
@dataclass
class SessionInfo:
    """AgentBay's SessionInfo; app_id is the OpenBay image, resource_url the session's page."""
    session_id: str = ""
    resource_url: str = ""
    app_id: str = ""
    auth_code: str = ""
    connection_properties: str = ""
    resource_id: str = ""
    resource_type: str = ""
    ticket: str = ""
    status: str = ""
    labels: dict | None = None


@dataclass
class SessionStatusResult:
    request_id: str = ""
    http_status_code: int = 0
    code: str = ""
    success: bool = False
    status: str = ""
    error_message: str = ""


def _not_yet(cls: Any, feature: str) -> Any:
    return failure(cls, NOT_YET.format(feature=feature))


class AgentBaySessionCalls:
    _path: str

    def info(self) -> Call[OperationResult]:
        """data: SessionInfo (session_id, resource_url, app_id, ...)."""
        try:
            info = yield from SessionCalls.info(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(success=True, data=SessionInfo(
            session_id=info.session_id, resource_url=info.resource_url, app_id=info.image_id,
            resource_id=info.session_id, status=info.status.value, labels=info.labels))

    def get_status(self) -> Call[SessionStatusResult]:
        try:
            info = yield from SessionCalls.info(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return SessionStatusResult(request_id=e.request_id, http_status_code=e.status, code=e.code,
                                       error_message=e.message)
        return SessionStatusResult(success=True, http_status_code=200, status=info.status.value.upper())

    def get_labels(self) -> Call[OperationResult]:
        try:
            labels = yield from SessionCalls.get_labels(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(success=True, data=labels)

    def set_labels(self, labels: dict[str, str]) -> Call[OperationResult]:
        if not labels:
            return failure(OperationResult, "Labels can not be empty.")
        try:
            r = yield from SessionCalls.set_labels(self, labels)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(request_id=r.request_id, success=True, data=r.data)

    def get_link(self, protocol_type: str | None = None, port: int | None = None,
                 options: str | None = None) -> Call[OperationResult]:
        """data: a URL usable without the key for an hour: the session's page, or with `port` a URL
        on the server that reaches that port inside the session (protocol_type "ws"/"wss": WebSocket form)."""
        try:
            url = yield from SessionCalls.get_link(self, protocol_type, port)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(success=True, data=url)

    def keep_alive(self) -> Call[OperationResult]:
        try:
            r = yield from SessionCalls.keep_alive(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(OperationResult, e)
        return OperationResult(request_id=r.request_id, success=True, data=True)

    def delete(self, sync_context: bool = False) -> Call[DeleteResult]:
        """End the session; contexts with auto_upload are saved first (sync_context=True saves every one)."""
        try:
            if sync_context:
                yield from SessionContextCalls.sync(self)  # type: ignore[arg-type]
            r = yield from SessionCalls.delete(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(DeleteResult, e)
        return DeleteResult(request_id=r.request_id, success=True)

    def get_metrics(self, read_timeout: int | None = None, connect_timeout: int | None = None
                    ) -> Call[SessionMetricsResult]:
        """CPU, memory, disk and network of the session (0 where the server's sandbox backend does not measure)."""
        try:
            r = yield from SessionCalls.get_metrics(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(SessionMetricsResult, e)
        m = r.metrics
        raw = m.model_dump(mode="json") if m else {}
        metrics = SessionMetrics(cpu_count=int(raw.get("cpu_count") or 0), timestamp=raw.get("timestamp") or "",
                                 **{k: raw.get(k) or 0 for k in ("cpu_used_pct", "mem_used", "mem_total", "disk_used",
                                                                 "disk_total", "rx_used_kbyte", "tx_used_kbyte")})
        return SessionMetricsResult(request_id=r.request_id, success=True, metrics=metrics, raw=raw)

    def list_mcp_tools(self, image_id: str | None = None) -> Call[McpToolsResult]:
        """The session's MCP tools: its own and those of the MCP servers its image declares."""
        try:
            r = yield from SessionCalls.list_mcp_tools(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(McpToolsResult, e)
        return McpToolsResult(request_id=r.request_id, success=True,
                              tools=[McpTool(t.name, t.description, t.input_schema, t.server, t.tool)
                                     for t in r.tools])

    def call_mcp_tool(self, tool_name: str, args: dict[str, Any], read_timeout: int | None = None,
                      connect_timeout: int | None = None, auto_gen_session: bool = False) -> Call[McpToolResult]:
        """data: the tool's text; success=False with error_message when the tool failed."""
        timeout_s = (read_timeout or 60_000) / 1000
        try:
            r = yield from SessionCalls.call_mcp_tool(self, tool_name, args, timeout_s)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(McpToolResult, e)
        return McpToolResult(request_id=r.request_id, success=not r.is_error, data=r.data,
                             error_message=r.error_message)

    def beta_pause(self, timeout: int = 600, poll_interval: float = 2.0) -> Call[SessionPauseResult]:
        """Freeze the session's processes (memory kept); it does not expire while paused."""
        try:
            r = yield from SessionCalls.pause(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(SessionPauseResult, e)
        return SessionPauseResult(request_id=r.request_id, success=True, status=r.data.status.value.upper())

    def beta_resume(self, timeout: int = 600, poll_interval: float = 2.0) -> Call[SessionResumeResult]:
        try:
            r = yield from SessionCalls.resume(self)  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(SessionResumeResult, e)
        return SessionResumeResult(request_id=r.request_id, success=True, status=r.data.status.value.upper())


class _Facts:
    def _facts(self, info: NativeInfo, agent_bay: Any) -> None:
        self.session_id = info.session_id
        self.image_id = info.image_id
        self.resource_url = info.resource_url
        self.agent_bay = agent_bay

    @property
    def fs(self) -> Any:
        return self.file_system  # type: ignore[attr-defined]

    filesystem = files = fs

    def get_api_key(self) -> str:
        return self.agent_bay.api_key

    def get_token(self) -> str:
        """AgentBay's session token (internal, deprecated there): OpenBay authenticates each call with
        the API key, so a session has no token of its own: ""."""
        return ""

    def get_link_url(self) -> str:
        """AgentBay's internal link URL (deprecated there): the session's page on the server."""
        return self.resource_url or ""

    getToken, getLinkUrl = get_token, get_link_url
    _get_token, _get_link_url = get_token, get_link_url  # called by AgentBay's link_url_session example

    def get_session_id(self) -> str:
        return self.session_id

    def __repr__(self) -> str:
        return f"Session({self.session_id!r})"


class Session(_Facts, Part):
    def __init__(self, agent_bay: Any, info: NativeInfo, profile_context_id: str | None = None):
        Part.__init__(self, agent_bay._runner, session_path(info.session_id))
        self._facts(info, agent_bay)
        runner, path = self._runner, self._path
        self._envs: dict[str, str] = {}  # session.env.set(): seen by every later command
        self.command = Command(runner, path)
        self.command._envs = self._envs  # type: ignore[attr-defined]
        self.env = Env(runner, path, self._envs)
        self.oss = Oss(self)
        self.git = Git(runner, path)
        self.file_system = FileSystem(runner, path)
        self.code = Code(runner, path)
        self.context = ContextManager(runner, path)
        self.browser = Browser(runner, path, profile_context_id)
        self.computer = Computer(runner, path)
        self.mobile = Mobile(runner, path)
        self.agent = Agent(runner, path, self.browser)

    info = blocking(AgentBaySessionCalls.info)
    get_status = blocking(AgentBaySessionCalls.get_status)
    get_labels = blocking(AgentBaySessionCalls.get_labels)
    set_labels = blocking(AgentBaySessionCalls.set_labels)
    get_link = blocking(AgentBaySessionCalls.get_link)
    keep_alive = blocking(AgentBaySessionCalls.keep_alive)
    delete = blocking(AgentBaySessionCalls.delete)
    get_metrics = blocking(AgentBaySessionCalls.get_metrics)
    list_mcp_tools = blocking(AgentBaySessionCalls.list_mcp_tools)
    call_mcp_tool = blocking(AgentBaySessionCalls.call_mcp_tool)
    beta_pause = blocking(AgentBaySessionCalls.beta_pause)
    beta_resume = blocking(AgentBaySessionCalls.beta_resume)
    pause, resume = blocking(AgentBaySessionCalls.beta_pause), blocking(AgentBaySessionCalls.beta_resume)


class AsyncSession(_Facts, AsyncPart):
    def __init__(self, agent_bay: Any, info: NativeInfo, profile_context_id: str | None = None):
        AsyncPart.__init__(self, agent_bay._runner, session_path(info.session_id))
        self._facts(info, agent_bay)
        runner, path = self._runner, self._path
        self._envs: dict[str, str] = {}  # session.env.set(): seen by every later command
        self.command = AsyncCommand(runner, path)
        self.command._envs = self._envs  # type: ignore[attr-defined]
        self.env = AsyncEnv(runner, path, self._envs)
        self.oss = AsyncOss(self)
        self.git = AsyncGit(runner, path)
        self.file_system = AsyncFileSystem(runner, path)
        self.code = AsyncCode(runner, path)
        self.context = AsyncContextManager(runner, path)
        self.browser = AsyncBrowser(runner, path, profile_context_id)
        self.computer = AsyncComputer(runner, path)
        self.mobile = AsyncMobile(runner, path)
        self.agent = AsyncAgent(runner, path, self.browser)

    info = awaited(AgentBaySessionCalls.info)
    get_status = awaited(AgentBaySessionCalls.get_status)
    get_labels = awaited(AgentBaySessionCalls.get_labels)
    set_labels = awaited(AgentBaySessionCalls.set_labels)
    get_link = awaited(AgentBaySessionCalls.get_link)
    keep_alive = awaited(AgentBaySessionCalls.keep_alive)
    delete = awaited(AgentBaySessionCalls.delete)
    get_metrics = awaited(AgentBaySessionCalls.get_metrics)
    list_mcp_tools = awaited(AgentBaySessionCalls.list_mcp_tools)
    call_mcp_tool = awaited(AgentBaySessionCalls.call_mcp_tool)
    beta_pause = awaited(AgentBaySessionCalls.beta_pause)
    beta_resume = awaited(AgentBaySessionCalls.beta_resume)
    pause, resume = awaited(AgentBaySessionCalls.beta_pause), awaited(AgentBaySessionCalls.beta_resume)
