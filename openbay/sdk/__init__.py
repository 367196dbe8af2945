"""The Python SDK: OpenBay / AsyncOpenBay clients and Session with its sub-APIs."""
from .client import AsyncOpenBay, OpenBay
from .code import CodeApi, CodeExecutionResult
from .contexts import ContextApi, ContextListResult, ContextResult, ContextSyncResult, SessionContextApi
from .errors import (
                     APIError,
                     AuthenticationError,
                     NotFoundError,
                     OpenBayConnectionError,
                     OpenBayError,
                     OpenBayTimeoutError,
                     PermissionDeniedError,
                     RateLimitError,
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
from .files import FileSystemApi
from .results import ApiResult, CommandResult, DeleteResult, OperationResult, SessionListResult, SessionResult
from .session import CommandApi, Session
from .watch import DirectoryWatch

__all__ = ["AsyncOpenBay", "OpenBay", "APIError", "AuthenticationError", "NotFoundError",
           "OpenBayConnectionError", "OpenBayError", "OpenBayTimeoutError", "PermissionDeniedError",
           "RateLimitError", "ApiResult", "CommandResult", "DeleteResult", "OperationResult",
           "SessionListResult", "SessionResult", "CommandApi", "Session",
           "BoolResult", "DirectoryListResult", "DownloadResult", "EditFileResult", "FileChangeEvent",
           "FileContentResult", "FileInfoResult", "FileSearchResult", "FileWriteResult",
           "MultipleFileContentResult", "UploadResult", "FileSystemApi", "DirectoryWatch",
           "CodeApi", "CodeExecutionResult", "ContextApi", "ContextListResult", "ContextResult",
           "ContextSyncResult", "SessionContextApi"]

from .agent import AgentApi, ExecutionResult, QueryResult, TaskAgent  # noqa: E402
from .task_execution import AsyncTaskExecution, TaskExecution  # noqa: E402
from .task_stream import AgentEvent  # noqa: E402

__all__ += ["AgentApi", "ExecutionResult", "QueryResult", "TaskAgent", "AsyncTaskExecution",
            "TaskExecution", "AgentEvent"]

from .conversations import FileUploadApi, MessageFilter, SessionMessagesApi  # noqa: E402
from .task_runner import TaskExecutionOptions, TaskMode, TaskResult, TaskRunner  # noqa: E402

__all__ += ["FileUploadApi", "MessageFilter", "SessionMessagesApi", "TaskExecutionOptions", "TaskMode",
            "TaskResult", "TaskRunner"]

from .computer import ApplicationApi, ComputerApi, WindowApi  # noqa: E402
from .mobile import KeyCode, MobileApi  # noqa: E402

__all__ += ["ApplicationApi", "ComputerApi", "WindowApi", "KeyCode", "MobileApi"]

from .mcp_tools import McpTool, McpToolResult, McpToolsResult  # noqa: E402

__all__ += ["McpTool", "McpToolResult", "McpToolsResult"]

from .errors import ExtractError  # noqa: E402
from .operator import BrowserOperatorApi  # noqa: E402

__all__ += ["ExtractError", "BrowserOperatorApi"]
