"""The Python SDK: OpenBay / AsyncOpenBay clients and Session / AsyncSession with their sub-APIs.

One rule: every call returns a typed value, and every failure raises an OpenBayError subclass."""
from .agent import AgentApi, AsyncAgentApi, AsyncTaskAgent, TaskAgent
from .browser import AsyncBrowserApi, BrowserApi
from .client import AsyncOpenBay, OpenBay
from .code import AsyncCodeApi, CodeApi, CodeExecutionResult
from .command import AsyncCommandApi, CommandApi
from .computer import (
    ApplicationApi,
    AsyncApplicationApi,
    AsyncComputerApi,
    AsyncWindowApi,
    ComputerApi,
    WindowApi,
)
from .contexts import (
    AsyncContextApi,
    AsyncSessionContextApi,
    ContextApi,
    ContextListResult,
    ContextResult,
    ContextSyncResult,
    SessionContextApi,
)
from .conversations import (
    AsyncFileUploadApi,
    AsyncSessionMessagesApi,
    FileUploadApi,
    MessageFilter,
    SessionMessagesApi,
)
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContextSyncError,
    ExtractError,
    GoneError,
    NotFoundError,
    NotSupportedError,
    OpenBayConnectionError,
    OpenBayError,
    OpenBayTimeoutError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    TaskTimeoutError,
)
from .file_results import (
    BoolResult,
    DirectoryListResult,
    DownloadResult,
    EditFileResult,
    FileChangeEvent,
    FileContentResult,
    FileInfoResult,
    FileSearchResult,
    FileWriteResult,
    MultipleFileContentResult,
    UploadResult,
)
from .files import AsyncFileSystemApi, FileSystemApi
from .mcp_tools import McpTool, McpToolResult, McpToolsResult
from .mobile import AsyncMobileApi, KeyCode, MobileApi
from .network_policies import AsyncNetworkPolicyApi, NetworkPolicyApi
from .operator import AsyncBrowserOperatorApi, BrowserOperatorApi
from .results import ApiResult, CommandResult, DeleteResult, OperationResult, SessionListResult, SessionResult
from .session import AsyncSession, Session
from .task_execution import AsyncTaskExecution, TaskExecution
from .task_results import ExecutionResult, QueryResult
from .task_stream import AgentEvent
from .watch import DirectoryWatch

__all__ = [
    "OpenBay", "AsyncOpenBay", "Session", "AsyncSession",
    # errors
    "OpenBayError", "OpenBayConnectionError", "OpenBayTimeoutError", "TaskTimeoutError", "APIError",
    "BadRequestError", "AuthenticationError", "PermissionDeniedError", "NotFoundError", "GoneError",
    "ConflictError", "PayloadTooLargeError", "RateLimitError", "ServiceUnavailableError", "ServerError",
    "NotSupportedError", "ContextSyncError", "ExtractError",
    # results
    "ApiResult", "CommandResult", "DeleteResult", "OperationResult", "SessionListResult", "SessionResult",
    "BoolResult", "DirectoryListResult", "DownloadResult", "EditFileResult", "FileChangeEvent",
    "FileContentResult", "FileInfoResult", "FileSearchResult", "FileWriteResult", "MultipleFileContentResult",
    "UploadResult", "CodeExecutionResult", "ContextListResult", "ContextResult", "ContextSyncResult",
    "ExecutionResult", "QueryResult", "AgentEvent",
    # sub-APIs, blocking and asyncio
    "CommandApi", "AsyncCommandApi", "FileSystemApi", "AsyncFileSystemApi", "DirectoryWatch",
    "CodeApi", "AsyncCodeApi", "ContextApi", "AsyncContextApi", "SessionContextApi", "AsyncSessionContextApi",
    "BrowserApi", "AsyncBrowserApi", "AgentApi", "AsyncAgentApi", "TaskAgent", "AsyncTaskAgent",
    "TaskExecution", "AsyncTaskExecution", "ComputerApi", "AsyncComputerApi", "WindowApi", "AsyncWindowApi",
    "ApplicationApi", "AsyncApplicationApi", "MobileApi", "AsyncMobileApi", "KeyCode",
    "SessionMessagesApi", "AsyncSessionMessagesApi", "FileUploadApi", "AsyncFileUploadApi", "MessageFilter",
    "BrowserOperatorApi", "AsyncBrowserOperatorApi",
    "McpTool", "McpToolResult", "McpToolsResult",
    "NetworkPolicyApi", "AsyncNetworkPolicyApi",
]
