"""The exceptions of the native SDK: every failure raises one of these (one rule).

An error answer of the server becomes the `APIError` subclass of its status, with the
server's `code`, `message` and `request_id`; transport failures are their own classes."""
from __future__ import annotations


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


class TaskTimeoutError(OpenBayTimeoutError):
    """wait() ran out of time; the task goes on (terminate_task stops it). `task_id` names it."""

    def __init__(self, message: str, *, task_id: str, task_status: str):
        super().__init__(message)
        self.task_id, self.task_status = task_id, task_status


class APIError(OpenBayError):
    """An error answer of the server; the subclasses below name the common statuses."""


class BadRequestError(APIError):
    """400 or 422: the request is not valid (the message says what)."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIError):
    """403: the key may not do this."""


class NotFoundError(APIError):
    """404: no such thing (or another owner's)."""


class GoneError(NotFoundError):
    """410: the session has ended."""


class ConflictError(APIError):
    """409: the thing is in a state that does not allow this (exists, busy, not empty)."""


class PayloadTooLargeError(APIError):
    """413: the body is over the server's limit."""


class RateLimitError(APIError):
    """429: too many requests, or too many sessions."""


class ServiceUnavailableError(APIError):
    """503: a part the call needs is not there (a device, a model)."""


class NotSupportedError(ServiceUnavailableError):
    """501: the server's sandbox backend cannot do this (`.code` is "not_supported"; the message
    names the backend and the ability it lacks)."""


class ServerError(APIError):
    """5xx: the server failed."""


class ExtractError(APIError):
    """browser.agent.extract: the model's answer never fitted the schema; .last_answer is what it gave."""

    def __init__(self, message: str, *, last_answer: object = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.last_answer = last_answer


class ContextSyncError(APIError):
    """A context of the session could not be saved; `syncs` says which and why."""

    def __init__(self, message: str, *, syncs: list, request_id: str = ""):
        super().__init__(message, code="sync_failed", request_id=request_id)
        self.syncs = syncs


BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
    409: ConflictError, 410: GoneError, 413: PayloadTooLargeError, 422: BadRequestError,
    429: RateLimitError, 501: NotSupportedError, 503: ServiceUnavailableError,
}


def error_class(status: int) -> type[APIError]:
    return BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
