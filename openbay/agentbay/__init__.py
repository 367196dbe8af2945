"""AgentBay's Python API on OpenBay: change `from agentbay import ...` to
`from openbay.agentbay import ...` and an AgentBay program runs against your own server.

Results keep AgentBay's shape (success, request_id, error_message); what only Alibaba's
cloud offers answers success=False with a message that says so. See docs/migrating.md."""
from openbay.sdk.mobile import KeyCode

from .agent import AsyncTaskExecution, TaskExecution
from .browser import BrowserFingerprint, BrowserOption, BrowserProxy, BrowserScreen, BrowserViewport
from .client import AgentBay, AsyncAgentBay
from .computer import (
    AppOperationResult,
    InstalledAppListResult,
    MouseButton,
    ProcessListResult,
    ScrollDirection,
    UIElementListResult,
    WindowInfoResult,
    WindowListResult,
)
from .config import Config
from .context import (
    Context,
    ContextBinding,
    ContextBindingsResult,
    ContextInfoResult,
    ContextListParams,
    ContextListResult,
    ContextResult,
    ContextStatusData,
    ContextSyncResult,
)
from .errors import (
    AgentBayError,
    AgentError,
    APIError,
    AuthenticationError,
    BrowserError,
    ClearanceTimeoutError,
    CommandError,
    FileError,
    OssError,
    SessionError,
)
from .params import (
    BrowserContext,
    BrowserSyncMode,
    BWList,
    ContextSync,
    CreateSessionParams,
    DeletePolicy,
    DownloadPolicy,
    DownloadStrategy,
    ExtractPolicy,
    Lifecycle,
    LifecyclePolicy,
    ListSessionParams,
    MappingPolicy,
    RecyclePolicy,
    SyncPolicy,
    UploadMode,
    UploadPolicy,
    UploadStrategy,
    WhiteList,
)
from .results import AgentExecutionResult as ExecutionResult
from .results import (
    ApiResponse,
    BinaryFileContentResult,
    BoolResult,
    CommandResult,
    DeleteResult,
    DirectoryListResult,
    DownloadResult,
    EnhancedCodeExecutionResult,
    FileChangeEvent,
    FileContentResult,
    FileInfoResult,
    FileSearchResult,
    McpToolResult,
    McpToolsResult,
    MultipleFileContentResult,
    OperationResult,
    QueryResult,
    SessionListResult,
    SessionMetrics,
    SessionMetricsResult,
    SessionPauseResult,
    SessionResult,
    SessionResumeResult,
    UploadResult,
)
from .session import AsyncSession, Session, SessionInfo

__all__ = [
    "KeyCode",
    "AsyncTaskExecution", "TaskExecution", "BrowserFingerprint", "BrowserOption", "BrowserProxy", "BrowserScreen",
    "BrowserViewport", "AgentBay", "AsyncAgentBay", "AppOperationResult", "InstalledAppListResult", "MouseButton",
    "ProcessListResult", "ScrollDirection", "UIElementListResult", "WindowInfoResult", "WindowListResult",
    "Config", "Context", "ContextBinding", "ContextBindingsResult", "ContextInfoResult", "ContextListParams",
    "ContextListResult", "ContextResult", "ContextStatusData", "ContextSyncResult", "AgentBayError", "AgentError",
    "APIError", "AuthenticationError", "BrowserError", "ClearanceTimeoutError", "CommandError", "FileError",
    "OssError", "SessionError", "BrowserContext", "BrowserSyncMode", "BWList", "ContextSync",
    "CreateSessionParams", "DeletePolicy", "DownloadPolicy", "DownloadStrategy", "ExtractPolicy", "Lifecycle",
    "LifecyclePolicy", "ListSessionParams", "MappingPolicy", "RecyclePolicy", "SyncPolicy", "UploadMode",
    "UploadPolicy", "UploadStrategy", "WhiteList", "ExecutionResult", "ApiResponse", "BinaryFileContentResult",
    "BoolResult", "CommandResult", "DeleteResult", "DirectoryListResult", "DownloadResult",
    "EnhancedCodeExecutionResult", "FileChangeEvent", "FileContentResult", "FileInfoResult", "FileSearchResult",
    "McpToolResult", "McpToolsResult", "MultipleFileContentResult", "OperationResult", "QueryResult",
    "SessionListResult", "SessionMetrics", "SessionMetricsResult", "SessionPauseResult", "SessionResult",
    "SessionResumeResult", "UploadResult", "AsyncSession", "Session", "SessionInfo",
]
