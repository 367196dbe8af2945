"""A session and its sub-APIs. Methods return the value for `OpenBay` and an
awaitable of it for `AsyncOpenBay`: both run the same calls."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from openbay.protocol import CommandRequest, LabelsBody, SessionInfo, SessionMetrics
from openbay.protocol.ports import ExposedPort, ExposedPortList, ExposePortRequest
from openbay.protocol.snapshots import SnapshotInfo

from . import calls, mcp_tools
from .agent import AgentApi
from .browser import BrowserApi
from .calls import Request
from .code import CodeApi
from .computer import ApplicationApi, ComputerApi, WindowApi
from .contexts import SessionContextApi
from .files import FileSystemApi
from .mcp_tools import McpToolResult, McpToolsResult
from .mobile import MobileApi
from .results import CommandResult, DeleteResult, OperationResult, SessionMetricsResult

if TYPE_CHECKING:
    from .client import BayApi

OutputCallback = Callable[[str], Any]


class Session:
    def __init__(self, bay: BayApi, info: SessionInfo):
        self._bay = bay
        self.session_id = info.session_id
        self.image_id = info.image_id
        self.resource_url = info.resource_url
        self.command = CommandApi(self)
        self.agent = AgentApi(self)
        self.browser = BrowserApi(self)
        self.file_system = FileSystemApi(self)
        self.code = CodeApi(self)
        self.context = SessionContextApi(self)
        self.computer = ComputerApi(self)
        self.window = WindowApi(self)
        self.application = ApplicationApi(self)
        self.mobile = MobileApi(self)

    def __repr__(self) -> str:
        return f"Session({self.session_id!r}, image_id={self.image_id!r})"

    @property
    def _path(self) -> str:
        return f"/v1/sessions/{self.session_id}"

    def _run(self, call):
        return self._bay._run(call)

    def info(self) -> SessionInfo:
        return self._run(calls.value(Request("GET", self._path), SessionInfo.model_validate))

    def get_labels(self) -> dict[str, str]:
        return self._run(calls.value(Request("GET", f"{self._path}/labels"), lambda b: b["labels"]))

    def set_labels(self, labels: dict[str, str]) -> OperationResult:
        body = LabelsBody(labels=labels).model_dump()
        return self._run(calls.result(Request("PUT", f"{self._path}/labels", json=body),
                                      OperationResult, lambda b: {"data": b["labels"]}))

    def get_link(self, protocol_type: str | None = None, port: int | None = None,
                 expires_in_s: int = 3600) -> str:
        """A URL usable without the API key until it expires (an hour by default). Without a
        port: the session's page. With one: a URL on the server that proxies HTTP and WebSocket
        to that port inside the session (protocol_type "ws"/"wss" gives its WebSocket form)."""
        # checked by the server, so a bad port is an APIError (422) like any other bad input
        body = {"port": port, "protocol_type": protocol_type, "expires_in_s": expires_in_s}
        return self._run(calls.value(Request("POST", f"{self._path}/link", json=body),
                                     lambda b: b["url"]))

    def expose_port(self, port: int, public: bool = True) -> ExposedPort:
        """Open a port inside the session through the server; public: without a token."""
        body = ExposePortRequest(public=public).model_dump()
        return self._run(calls.value(Request("PUT", f"{self._path}/ports/{int(port)}", json=body),
                                     ExposedPort.model_validate))

    def unexpose(self, port: int) -> list[ExposedPort]:
        """Close the port again: its links stop working and open connections end."""
        return self._run(calls.value(Request("DELETE", f"{self._path}/ports/{int(port)}"),
                                     lambda b: ExposedPortList.model_validate(b).ports))

    def list_ports(self) -> list[ExposedPort]:
        return self._run(calls.value(Request("GET", f"{self._path}/ports"),
                                     lambda b: ExposedPortList.model_validate(b).ports))

    def keep_alive(self) -> OperationResult:
        return self._run(calls.result(Request("POST", f"{self._path}/keepalive"), OperationResult,
                                      lambda b: {"data": SessionInfo.model_validate(b)}))

    def snapshot(self, name: str = ""):
        """Save the session's files as a snapshot; start new sessions from it with
        CreateSessionParams(snapshot_id=...). Returns SnapshotInfo."""
        return self._run(calls.value(Request("POST", f"{self._path}/snapshots", json={"name": name},
                                             timeout_s=600), SnapshotInfo.model_validate))
    def list_mcp_tools(self) -> McpToolsResult:
        """The session's MCP tools: its own (shell, files, code, browser/desktop where it has them)
        and those of the MCP servers its image declares, named <server>.<tool>."""
        return self._run(mcp_tools.list_tools(self._path))

    def call_mcp_tool(self, tool_name: str, args: dict | None = None, timeout_s: float = 60) -> McpToolResult:
        """Run one of list_mcp_tools(); `data` is its text, `content` every block (images too)."""
        return self._run(mcp_tools.call_tool(self._path, tool_name, args, timeout_s))

    def pause(self) -> OperationResult:
        """Freeze every process of the session (memory kept, no CPU). It does not expire while
        paused; any later call resumes it first. `data` is the SessionInfo (status paused)."""
        return self._run(calls.result(Request("POST", f"{self._path}/pause", timeout_s=120), OperationResult,
                                      lambda b: {"data": SessionInfo.model_validate(b)}))

    def resume(self) -> OperationResult:
        """Thaw a paused session; `data` is the SessionInfo (status running)."""
        return self._run(calls.result(Request("POST", f"{self._path}/resume", timeout_s=120), OperationResult,
                                      lambda b: {"data": SessionInfo.model_validate(b)}))

    def get_metrics(self) -> SessionMetricsResult:
        """CPU %, memory used and limit, disk used and quota, network in and out, processes,
        uptime (None: not measured by this server's sandbox backend)."""
        return self._run(calls.result(Request("GET", f"{self._path}/metrics"), SessionMetricsResult,
                                      lambda b: {"metrics": SessionMetrics.model_validate(b)}))

    def delete(self) -> DeleteResult:
        return self._run(calls.result(Request("DELETE", self._path), DeleteResult, lambda b: {}))


class CommandApi:
    def __init__(self, session: Session):
        self._session = session

    def execute_command(self, command: str, timeout_ms: int = 60_000, cwd: str | None = None,
                        envs: dict[str, str] | None = None, *,
                        on_stdout: OutputCallback | None = None,
                        on_stderr: OutputCallback | None = None) -> CommandResult:
        """Run `command` with bash in the session. With on_stdout/on_stderr, output
        arrives as it is written (streamed); the result then has it all the same."""
        body = CommandRequest(command=command, timeout_ms=timeout_ms, cwd=cwd,
                              envs=envs or {}).model_dump()
        timeout_s = timeout_ms / 1000 + 30
        path = f"{self._session._path}/commands"
        if on_stdout is None and on_stderr is None:
            req = Request("POST", path, json=body, timeout_s=timeout_s)
            return self._session._run(calls.result(req, CommandResult,
                                                   lambda b: calls.model_fields(CommandResult, b)))
        seen = {"stdout": [], "stderr": []}
        handlers = {"stdout": on_stdout, "stderr": on_stderr}

        def on_line(chunk: dict):
            kind = chunk.get("type")
            if kind in seen:
                seen[kind].append(chunk.get("data", ""))
                if handlers[kind] is not None:
                    return handlers[kind](chunk.get("data", ""))

        def build(final: dict) -> dict:
            out = calls.model_fields(CommandResult, final.get("result") or {})
            out["output"], out["stderr"] = "".join(seen["stdout"]), "".join(seen["stderr"])
            return out

        req = Request("POST", f"{path}/stream", json=body, timeout_s=timeout_s, on_line=on_line)
        return self._session._run(calls.result(req, CommandResult, build))
