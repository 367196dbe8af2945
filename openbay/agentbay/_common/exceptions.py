"""`agentbay._common.exceptions`: AgentBay's errors."""
from openbay.agentbay import (  # noqa: F401
    AgentBayError,
    AgentError,
    APIError,
    AuthenticationError,
    BrowserError,
    ClearanceTimeoutError,
    CommandError,
    FileError,
    GitAuthError,
    GitConflictError,
    GitError,
    GitNotARepoError,
    GitNotFoundError,
    OssError,
    SessionError,
)
