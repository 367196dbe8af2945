"""AgentBay's exception classes, by AgentBay's names. Most calls answer failures as a
result with `success=False`; these are raised where AgentBay raises (a missing API key,
an agent task that cannot start on a mobile device)."""
from __future__ import annotations

from typing import Any


class AgentBayError(Exception):
    """Base of AgentBay's errors."""

    def __init__(self, message: Any = None, *args: Any, **kwargs: Any):
        super().__init__(message, *args)
        self.message = message
        self.extra = kwargs


class AuthenticationError(AgentBayError):
    def __init__(self, message: Any = "Authentication failed", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)


class APIError(AgentBayError):
    def __init__(self, message: Any = "API error", status_code: int | None = None, *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)
        self.status_code = status_code


class FileError(AgentBayError):
    def __init__(self, message: Any = "File operation error", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)


class CommandError(AgentBayError):
    def __init__(self, message: Any = "Command execution error", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)


class SessionError(AgentBayError):
    def __init__(self, message: Any = "Session error", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)


class OssError(AgentBayError):
    def __init__(self, message: Any = "OSS operation error", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)


class BrowserError(AgentBayError):
    def __init__(self, message: Any = "Browser error", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)


class AgentError(AgentBayError):
    def __init__(self, message: Any = "Agent action error", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)


class ClearanceTimeoutError(AgentBayError):
    def __init__(self, message: Any = "Context clearing operation timed out", *args: Any, **kwargs: Any):
        super().__init__(message, *args, **kwargs)
