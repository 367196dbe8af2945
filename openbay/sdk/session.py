"""A session (`Session` for OpenBay, `AsyncSession` for AsyncOpenBay) and its sub-APIs.
The sub-APIs get the client's runner and the session's path, never the session."""
from __future__ import annotations

from openbay.protocol import LabelsBody, SessionInfo, SessionMetrics
from openbay.protocol.ports import ExposedPort, ExposedPortList, ExposePortRequest
from openbay.protocol.snapshots import SnapshotInfo

from . import calls, mcp_tools
from .agent import AgentApi, AsyncAgentApi
from .browser import AsyncBrowserApi, BrowserApi
from .calls import Call, Request
from .code import AsyncCodeApi, CodeApi
from .command import AsyncCommandApi, CommandApi
from .computer import ApplicationApi, AsyncApplicationApi, AsyncComputerApi, AsyncWindowApi, ComputerApi, WindowApi
from .contexts import AsyncSessionContextApi, SessionContextApi
from .files import AsyncFileSystemApi, FileSystemApi
from .mcp_tools import McpToolResult, McpToolsResult
from .methods import AsyncPart, Part, awaited, blocking
from .mobile import AsyncMobileApi, MobileApi
from .recordings import AsyncRecordingApi, RecordingApi
from .results import DeleteResult, OperationResult, SessionMetricsResult
from .transport import AsyncRunner, SyncRunner


def session_path(session_id: str) -> str:
    return f"/v1/sessions/{session_id}"


class SessionCalls:
    _path: str

    def info(self) -> Call[SessionInfo]:
        """Status, image, labels, times and resources of the session."""
        return (yield from calls.value(Request("GET", self._path), SessionInfo.model_validate))

    def get_labels(self) -> Call[dict[str, str]]:
        return (yield from calls.value(Request("GET", f"{self._path}/labels"), lambda b: dict(b["labels"])))

    def set_labels(self, labels: dict[str, str]) -> Call[OperationResult[dict[str, str]]]:
        """Replace the session's labels; data: the labels now."""
        body = LabelsBody(labels=labels).model_dump()
        return (yield from calls.result(Request("PUT", f"{self._path}/labels", json=body),
                                        OperationResult, lambda b: {"data": b["labels"]}))

    def get_link(self, protocol_type: str | None = None, port: int | None = None,
                 expires_in_s: int = 3600) -> Call[str]:
        """A URL usable without the API key until it expires (an hour by default). Without a
        port: the session's page. With one: a URL on the server that proxies HTTP and WebSocket
        to that port inside the session (protocol_type "ws"/"wss" gives its WebSocket form)."""
        # checked by the server, so a bad port is an APIError (422) like any other bad input
        body = {"port": port, "protocol_type": protocol_type, "expires_in_s": expires_in_s}
        return (yield from calls.value(Request("POST", f"{self._path}/link", json=body), lambda b: str(b["url"])))

    def expose_port(self, port: int, public: bool = True) -> Call[ExposedPort]:
        """Open a port inside the session through the server; public: without a token."""
        body = ExposePortRequest(public=public).model_dump()
        return (yield from calls.value(Request("PUT", f"{self._path}/ports/{int(port)}", json=body),
                                       ExposedPort.model_validate))

    def unexpose(self, port: int) -> Call[list[ExposedPort]]:
        """Close the port again: its links stop working and open connections end."""
        return (yield from calls.value(Request("DELETE", f"{self._path}/ports/{int(port)}"),
                                       lambda b: ExposedPortList.model_validate(b).ports))

    def list_ports(self) -> Call[list[ExposedPort]]:
        return (yield from calls.value(Request("GET", f"{self._path}/ports"),
                                       lambda b: ExposedPortList.model_validate(b).ports))

    def snapshot(self, name: str = "") -> Call[SnapshotInfo]:
        """Save the session's files as a snapshot; start new sessions from it with
        CreateSessionParams(snapshot_id=...)."""
        return (yield from calls.value(Request("POST", f"{self._path}/snapshots", json={"name": name},
                                               timeout_s=600), SnapshotInfo.model_validate))

    def list_mcp_tools(self) -> Call[McpToolsResult]:
        """The session's MCP tools: its own (shell, files, code, browser/computer where it has them)
        and those of the MCP servers its image declares, named <server>.<tool>."""
        return (yield from mcp_tools.list_tools(self._path))

    def call_mcp_tool(self, tool_name: str, args: dict | None = None, timeout_s: float = 60) -> Call[McpToolResult]:
        """Run one of list_mcp_tools(); `data` is its text, `content` every block (images too)."""
        return (yield from mcp_tools.call_tool(self._path, tool_name, args, timeout_s))

    def keep_alive(self) -> Call[OperationResult[SessionInfo]]:
        """Reset the session's idle timer; data: its info."""
        return (yield from calls.result(Request("POST", f"{self._path}/keepalive"), OperationResult,
                                        lambda b: {"data": SessionInfo.model_validate(b)}))

    def pause(self) -> Call[OperationResult[SessionInfo]]:
        """Freeze every process of the session (memory kept, no CPU). It does not expire while
        paused; any later call resumes it first. `data` is the SessionInfo (status paused)."""
        return (yield from calls.result(Request("POST", f"{self._path}/pause", timeout_s=120), OperationResult,
                                        lambda b: {"data": SessionInfo.model_validate(b)}))

    def resume(self) -> Call[OperationResult[SessionInfo]]:
        """Thaw a paused session; `data` is the SessionInfo (status running)."""
        return (yield from calls.result(Request("POST", f"{self._path}/resume", timeout_s=120), OperationResult,
                                        lambda b: {"data": SessionInfo.model_validate(b)}))

    def get_metrics(self) -> Call[SessionMetricsResult]:
        """CPU %, memory used and limit, disk used and quota, network in and out, processes,
        uptime (None: not measured by this server's sandbox backend)."""
        return (yield from calls.result(Request("GET", f"{self._path}/metrics"), SessionMetricsResult,
                                        lambda b: {"metrics": SessionMetrics.model_validate(b)}))

    def delete(self) -> Call[DeleteResult]:
        """End the session (its contexts are saved first)."""
        return (yield from calls.result(Request("DELETE", self._path), DeleteResult, lambda b: {}))


class _SessionFacts:
    def __init__(self, info: SessionInfo):
        self.session_id = info.session_id
        self.image_id = info.image_id
        self.resource_url = info.resource_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.session_id!r}, image_id={self.image_id!r})"


class Session(_SessionFacts, Part):
    """A session of the blocking client."""

    def __init__(self, runner: SyncRunner, info: SessionInfo):
        _SessionFacts.__init__(self, info)
        Part.__init__(self, runner, session_path(info.session_id))
        path = self._path
        self.command = CommandApi(runner, path)
        self.agent = AgentApi(runner, path)
        self.browser = BrowserApi(runner, path)
        self.file_system = FileSystemApi(runner, path)
        self.code = CodeApi(runner, path)
        self.context = SessionContextApi(runner, path)
        self.computer = ComputerApi(runner, path)
        self.window = WindowApi(runner, path)
        self.application = ApplicationApi(runner, path)
        self.mobile = MobileApi(runner, path)
        self.recording = RecordingApi(runner, path)

    info = blocking(SessionCalls.info)
    get_labels = blocking(SessionCalls.get_labels)
    set_labels = blocking(SessionCalls.set_labels)
    get_link = blocking(SessionCalls.get_link)
    expose_port = blocking(SessionCalls.expose_port)
    unexpose = blocking(SessionCalls.unexpose)
    list_ports = blocking(SessionCalls.list_ports)
    list_mcp_tools = blocking(SessionCalls.list_mcp_tools)
    call_mcp_tool = blocking(SessionCalls.call_mcp_tool)
    keep_alive = blocking(SessionCalls.keep_alive)
    snapshot = blocking(SessionCalls.snapshot)
    pause = blocking(SessionCalls.pause)
    resume = blocking(SessionCalls.resume)
    get_metrics = blocking(SessionCalls.get_metrics)
    delete = blocking(SessionCalls.delete)


class AsyncSession(_SessionFacts, AsyncPart):
    """A session of the asyncio client: the same methods, awaited."""

    def __init__(self, runner: AsyncRunner, info: SessionInfo):
        _SessionFacts.__init__(self, info)
        AsyncPart.__init__(self, runner, session_path(info.session_id))
        path = self._path
        self.command = AsyncCommandApi(runner, path)
        self.agent = AsyncAgentApi(runner, path)
        self.browser = AsyncBrowserApi(runner, path)
        self.file_system = AsyncFileSystemApi(runner, path)
        self.code = AsyncCodeApi(runner, path)
        self.context = AsyncSessionContextApi(runner, path)
        self.computer = AsyncComputerApi(runner, path)
        self.window = AsyncWindowApi(runner, path)
        self.application = AsyncApplicationApi(runner, path)
        self.mobile = AsyncMobileApi(runner, path)
        self.recording = AsyncRecordingApi(runner, path)

    info = awaited(SessionCalls.info)
    get_labels = awaited(SessionCalls.get_labels)
    set_labels = awaited(SessionCalls.set_labels)
    get_link = awaited(SessionCalls.get_link)
    expose_port = awaited(SessionCalls.expose_port)
    unexpose = awaited(SessionCalls.unexpose)
    list_ports = awaited(SessionCalls.list_ports)
    list_mcp_tools = awaited(SessionCalls.list_mcp_tools)
    call_mcp_tool = awaited(SessionCalls.call_mcp_tool)
    keep_alive = awaited(SessionCalls.keep_alive)
    snapshot = awaited(SessionCalls.snapshot)
    pause = awaited(SessionCalls.pause)
    resume = awaited(SessionCalls.resume)
    get_metrics = awaited(SessionCalls.get_metrics)
    delete = awaited(SessionCalls.delete)
