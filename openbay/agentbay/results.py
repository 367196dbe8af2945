"""AgentBay's result objects: every call answers `success`, `request_id` and, when it
failed, `error_message`; the payload fields carry AgentBay's names."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .session import AsyncSession, Session


@dataclass
class ApiResponse:
    request_id: str = ""

    def get_request_id(self) -> str:
        return self.request_id


@dataclass
class OperationResult(ApiResponse):
    success: bool = False
    data: Any = None
    error_message: str = ""
    code: str = ""
    message: str = ""
    http_status_code: int = 0


@dataclass
class BoolResult(ApiResponse):
    success: bool = False
    data: bool | None = None
    error_message: str = ""


@dataclass
class DeleteResult(ApiResponse):
    success: bool = False
    error_message: str = ""
    code: str = ""
    message: str = ""
    http_status_code: int = 0


@dataclass
class SessionResult(ApiResponse):
    success: bool = False
    error_message: str = ""
    session: Session | AsyncSession | None = None
    code: str = ""


@dataclass
class SessionListResult(ApiResponse):
    success: bool = False
    error_message: str = ""
    session_ids: list[str] = field(default_factory=list)
    next_token: str = ""
    max_results: int = 0
    total_count: int = 0


@dataclass
class CommandResult(ApiResponse):
    success: bool = False
    output: str = ""
    error_message: str = ""
    exit_code: int = 0
    stdout: str = ""
    stderr: str = ""
    trace_id: str = ""


@dataclass
class FileContentResult(ApiResponse):
    success: bool = False
    content: str = ""
    error_message: str = ""


@dataclass
class BinaryFileContentResult(ApiResponse):
    success: bool = False
    content: bytes = b""
    error_message: str = ""
    content_type: str | None = None
    size: int | None = None


class DirectoryEntry(dict):
    """One entry of list_directory: attributes as AgentBay 0.22 has them (entry.name,
    entry.is_directory, entry.is_file, entry.size), and the keys of older programs (entry["name"])."""

    name = property(lambda self: self.get("name", ""))
    is_file = property(lambda self: bool(self.get("is_file", self.get("isFile", False))))
    is_directory = property(lambda self: bool(self.get("is_directory", self.get("isDirectory", False))))
    size = property(lambda self: self.get("size", 0))


@dataclass
class DirectoryListResult(ApiResponse):
    success: bool = False
    entries: list[DirectoryEntry] = field(default_factory=list)
    error_message: str = ""

    def __post_init__(self) -> None:
        self.entries = [e if isinstance(e, DirectoryEntry) else DirectoryEntry(e) for e in self.entries or []]


@dataclass
class FileInfoResult(ApiResponse):
    success: bool = False
    file_info: dict[str, Any] = field(default_factory=dict)
    error_message: str = ""

    is_file = property(lambda self: bool(self.file_info.get("isFile", False)))
    is_directory = property(lambda self: bool(self.file_info.get("isDirectory", False)))
    size = property(lambda self: self.file_info.get("size", 0))
    name = property(lambda self: self.file_info.get("name", ""))
    path = property(lambda self: self.file_info.get("path", ""))
    permissions = property(lambda self: self.file_info.get("permissions", self.file_info.get("mode", "")))


@dataclass
class MultipleFileContentResult(ApiResponse):
    success: bool = False
    contents: dict[str, str] = field(default_factory=dict)
    error_message: str = ""


@dataclass
class FileSearchResult(ApiResponse):
    success: bool = False
    matches: list[str] = field(default_factory=list)
    error_message: str = ""


@dataclass
class UploadResult:
    success: bool = False
    request_id_upload_url: str | None = None
    request_id_sync: str | None = None
    http_status: int | None = None
    etag: str | None = None
    bytes_sent: int = 0
    path: str = ""
    error_message: str | None = None


@dataclass
class DownloadResult:
    success: bool = False
    request_id_download_url: str | None = None
    request_id_sync: str | None = None
    http_status: int | None = None
    bytes_received: int = 0
    path: str = ""
    local_path: str = ""
    error_message: str | None = None


@dataclass
class FileChangeEvent:
    event_type: str = ""  # create | modify | delete
    path: str = ""
    path_type: str = ""  # file | directory


@dataclass
class ExecutionResult:
    """One output of a code cell, in every format it has."""
    text: str | None = None
    html: str | None = None
    markdown: str | None = None
    png: str | None = None
    jpeg: str | None = None
    svg: str | None = None
    json: dict | None = None
    latex: str | None = None
    chart: dict | None = None
    is_main_result: bool = False

    def formats(self) -> list[str]:
        return [k for k, v in self.__dict__.items() if v is not None and k != "is_main_result"]


@dataclass
class ExecutionLogs:
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


@dataclass
class ExecutionError:
    name: str
    value: str
    traceback: str


@dataclass
class EnhancedCodeExecutionResult(ApiResponse):
    success: bool = False
    execution_count: int | None = None
    execution_time: float = 0.0
    logs: ExecutionLogs = field(default_factory=ExecutionLogs)
    results: list[ExecutionResult] = field(default_factory=list)
    error: ExecutionError | None = None
    error_message: str = ""

    @property
    def result(self) -> str:
        """The main result's text, else the first result's, else stdout."""
        for res in self.results:
            if res.is_main_result and res.text:
                return res.text
        if self.results and self.results[0].text:
            return self.results[0].text
        return "".join(self.logs.stdout)


@dataclass
class SessionMetrics:
    cpu_count: int = 0
    cpu_used_pct: float = 0.0
    disk_total: int = 0
    disk_used: int = 0
    mem_total: int = 0
    mem_used: int = 0
    rx_rate_kbyte_per_s: float = 0.0
    tx_rate_kbyte_per_s: float = 0.0
    rx_used_kbyte: float = 0.0
    tx_used_kbyte: float = 0.0
    timestamp: str = ""
    # AgentBay's older names of the four network figures, used when the new ones are not given
    rx_rate_kbps: float | None = None
    tx_rate_kbps: float | None = None
    rx_used_kb: float | None = None
    tx_used_kb: float | None = None

    def __post_init__(self) -> None:
        for new, old in (("rx_rate_kbyte_per_s", "rx_rate_kbps"), ("tx_rate_kbyte_per_s", "tx_rate_kbps"),
                         ("rx_used_kbyte", "rx_used_kb"), ("tx_used_kbyte", "tx_used_kb")):
            if getattr(self, old) is not None and not getattr(self, new):
                setattr(self, new, getattr(self, old))
            setattr(self, old, getattr(self, new))


@dataclass
class SessionMetricsResult(ApiResponse):
    success: bool = False
    metrics: SessionMetrics | None = None
    error_message: str = ""
    raw: dict | None = None


@dataclass
class McpTool:
    name: str = ""
    description: str = ""
    input_schema: dict = field(default_factory=dict)
    server: str = ""
    tool: str = ""


@dataclass
class McpToolsResult(ApiResponse):
    tools: list[McpTool] = field(default_factory=list)
    success: bool = False
    error_message: str = ""


@dataclass
class McpToolResult(ApiResponse):
    success: bool = False
    data: str = ""
    error_message: str = ""


@dataclass
class SessionPauseResult(ApiResponse):
    success: bool = False
    error_message: str = ""
    code: str = ""
    message: str = ""
    http_status_code: int = 0
    status: str | None = None


@dataclass
class SessionResumeResult(SessionPauseResult):
    pass


@dataclass
class AgentExecutionResult(ApiResponse):
    """AgentBay's agent ExecutionResult (exported under that name)."""
    success: bool = False
    error_message: str = ""
    task_id: str = ""
    task_status: str = ""
    task_result: Any = ""


@dataclass
class QueryResult(ApiResponse):
    success: bool = False
    error_message: str = ""
    task_id: str = ""
    task_status: str = ""
    task_action: str = ""
    task_product: Any = ""
    stream: list = field(default_factory=list)
    error: str = ""
