"""AgentBay's Python API on OpenBay: change `from agentbay import ...` to
`from openbay.agentbay import ...` and an AgentBay program runs against your own server.

Results keep AgentBay's shape (success, request_id, error_message); what only Alibaba's
cloud offers answers success=False with a message that says so. See docs/migrating.md."""
from openbay.sdk.mobile import KeyCode

from .agent import Agent, AsyncAgent, AsyncTaskExecution, TaskExecution
from .browser import (
    AsyncBrowser,
    Browser,
    BrowserFingerprint,
    BrowserOption,
    BrowserProxy,
    BrowserScreen,
    BrowserViewport,
)
from .client import AgentBay, AsyncAgentBay
from .cloud_only import AsyncBetaNetwork, AsyncMobileSimulateService, BetaNetwork, MobileSimulateService
from .computer import (
    AppOperationResult,
    AsyncComputer,
    Computer,
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
    AsyncContextManager,
    AsyncContextService,
    ClearContextResult,
    Context,
    ContextBinding,
    ContextBindingsResult,
    ContextFileEntry,
    ContextFileListResult,
    ContextInfoResult,
    ContextListParams,
    ContextListResult,
    ContextManager,
    ContextResult,
    ContextService,
    ContextStatusData,
    ContextSyncResult,
    FileUrlResult,
)
from .env import AsyncEnv, Env
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
from .extensions import AsyncExtensionsService, Extension, ExtensionOption, ExtensionsService
from .fingerprint import (
    AsyncBrowserFingerprintGenerator,
    BrowserFingerprintContext,
    BrowserFingerprintGenerator,
    BrowserNotifyMessage,
    FingerprintFormat,
)
from .git import GitAuthError, GitConflictError, GitError, GitNotARepoError, GitNotFoundError
from .logger import AgentBayLogger, get_logger, log
from .mobile import AsyncMobile, Mobile
from .models import (
    AdbUrlResult,
    AgentEvent,
    AppManagerRule,
    BaseResult,
    BetaContextMount,
    BetaContextMountAccessMode,
    BetaContextMountStrategy,
    ContextBindResult,
    EnvResult,
    ExtraConfigs,
    FileChangeResult,
    GetSessionData,
    GetSessionResult,
    MobileExtraConfig,
    MobileSimulateConfig,
    MobileSimulateMode,
    MobileSimulateUploadResult,
    ScreenshotMode,
    ScreenshotResult,
    SessionStatus,
    extract_request_id,
)
from .operator import (
    ActOptions,
    ActResult,
    AsyncBrowserOperator,
    BrowserOperator,
    ExtractOptions,
    ObserveOptions,
    ObserveResult,
)
from .oss import AsyncOss, Oss, OSSClientResult, OSSDownloadResult, OSSUploadResult
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
    ExecutionError,
    ExecutionLogs,
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
from .results import ExecutionResult as CodeExecutionResult
from .services import AsyncCode, AsyncCommand, AsyncFileSystem, Code, Command, FileSystem
from .session import AsyncSession, Session, SessionInfo
from .transfer import AsyncFileTransfer, FileTransfer

__all__ = [
    "GitError", "GitAuthError", "GitNotFoundError", "GitConflictError", "GitNotARepoError",
    "APIError", "ActOptions", "ActResult", "AdbUrlResult", "Agent", "AgentBay", "AgentBayError", "AgentBayLogger",
    "AgentError", "AgentEvent", "ApiResponse", "AppManagerRule", "AppOperationResult", "AsyncAgent",
    "AsyncAgentBay", "AsyncBetaNetwork", "AsyncBrowser", "AsyncBrowserFingerprintGenerator", "AsyncBrowserOperator",
    "AsyncCode", "AsyncCommand", "AsyncComputer", "AsyncContextManager", "AsyncContextService", "AsyncEnv",
    "AsyncExtensionsService", "AsyncFileSystem", "AsyncFileTransfer", "AsyncMobile", "AsyncMobileSimulateService",
    "AsyncOss", "AsyncSession", "AsyncTaskExecution", "AuthenticationError", "BWList", "BaseResult",
    "BetaContextMount", "BetaContextMountAccessMode", "BetaContextMountStrategy", "BetaNetwork",
    "BinaryFileContentResult", "BoolResult", "Browser", "BrowserContext", "BrowserError", "BrowserFingerprint",
    "BrowserFingerprintContext", "BrowserFingerprintGenerator", "BrowserNotifyMessage", "BrowserOperator",
    "BrowserOption", "BrowserProxy", "BrowserScreen", "BrowserSyncMode", "BrowserViewport", "ClearContextResult",
    "ClearanceTimeoutError", "Code", "CodeExecutionResult", "Command", "CommandError", "CommandResult", "Computer",
    "Config", "Context", "ContextBindResult", "ContextBinding", "ContextBindingsResult", "ContextFileEntry",
    "ContextFileListResult", "ContextInfoResult", "ContextListParams", "ContextListResult", "ContextManager",
    "ContextResult", "ContextService", "ContextStatusData", "ContextSync", "ContextSyncResult",
    "CreateSessionParams", "DeletePolicy", "DeleteResult", "DirectoryListResult", "DownloadPolicy",
    "DownloadResult", "DownloadStrategy", "EnhancedCodeExecutionResult", "Env", "EnvResult", "ExecutionError",
    "ExecutionLogs", "ExecutionResult", "Extension", "ExtensionOption", "ExtensionsService", "ExtraConfigs",
    "ExtractOptions", "ExtractPolicy", "FileChangeEvent", "FileChangeResult", "FileContentResult", "FileError",
    "FileInfoResult", "FileSearchResult", "FileSystem", "FileTransfer", "FileUrlResult", "FingerprintFormat",
    "GetSessionData", "GetSessionResult", "InstalledAppListResult", "KeyCode", "Lifecycle", "LifecyclePolicy",
    "ListSessionParams", "MappingPolicy", "McpToolResult", "McpToolsResult", "Mobile", "MobileExtraConfig",
    "MobileSimulateConfig", "MobileSimulateMode", "MobileSimulateService", "MobileSimulateUploadResult",
    "MouseButton", "MultipleFileContentResult", "OSSClientResult", "OSSDownloadResult", "OSSUploadResult",
    "ObserveOptions", "ObserveResult", "OperationResult", "Oss", "OssError", "ProcessListResult", "QueryResult",
    "RecyclePolicy", "ScreenshotMode", "ScreenshotResult", "ScrollDirection", "Session", "SessionError",
    "SessionInfo", "SessionListResult", "SessionMetrics", "SessionMetricsResult", "SessionPauseResult",
    "SessionResult", "SessionResumeResult", "SessionStatus", "SyncPolicy", "TaskExecution", "UIElementListResult",
    "UploadMode", "UploadPolicy", "UploadResult", "UploadStrategy", "WhiteList", "WindowInfoResult",
    "WindowListResult", "extract_request_id", "get_logger", "log",
]
