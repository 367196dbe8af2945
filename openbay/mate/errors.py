"""WyseOS Mate's exception classes, raised by openbay.mate as Mate's SDK raises them."""
from __future__ import annotations


class MateError(Exception):
    """The base of every openbay.mate error."""

    def __init__(self, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.message = message
        self.cause = cause


class APIError(MateError):
    """The server refused or failed a call: `status_code` is the HTTP status, `code` the
    server's error code (OpenBay's, e.g. "not_found")."""

    def __init__(self, message: str, status_code: int | None = None, code: str | int | None = None,
                 cause: BaseException | None = None):
        super().__init__(message, cause)
        self.status_code = status_code
        self.code = code


class ValidationError(MateError):
    """A value the client refused before sending anything."""


class NetworkError(MateError):
    """The server could not be reached."""


class WebSocketError(MateError):
    """The task's event stream failed."""


class ConfigError(MateError):
    """mate.yaml is missing, unreadable or not valid."""


class SessionExecutionError(MateError):
    """A task could not be run in the session."""
