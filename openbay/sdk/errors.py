"""Exceptions the SDK raises: transport and auth failures, and API errors of value-returning calls."""


class OpenBayError(Exception):
    """Base of every error the SDK raises."""

    def __init__(self, message: str, *, status: int = 0, code: str = "", request_id: str = ""):
        super().__init__(message)
        self.message, self.status, self.code, self.request_id = message, status, code, request_id

    def __str__(self) -> str:
        tail = f" [{self.code}, request {self.request_id}]" if self.request_id else ""
        return f"{self.message}{tail}"


class OpenBayConnectionError(OpenBayError):
    """The server could not be reached (after retries, for idempotent calls)."""


class OpenBayTimeoutError(OpenBayError):
    """The server did not answer in time."""


class AuthenticationError(OpenBayError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(OpenBayError):
    """403: the key may not do this."""


class APIError(OpenBayError):
    """Any other error answer, raised by calls that return plain values (info, get_labels, ...)."""


class NotFoundError(APIError):
    """404."""


class RateLimitError(APIError):
    """429."""


class ExtractError(APIError):
    """browser.agent.extract: the model's answer never fitted the schema; .last_answer is what it gave."""

    def __init__(self, message: str, *, last_answer=None, **kw):
        super().__init__(message, **kw)
        self.last_answer = last_answer
