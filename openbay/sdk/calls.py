"""API calls as plain generators: each yields the HTTP request it needs and turns
the answer into a result. The sync and async clients only differ in how they
drive them (see transport.py), so every call is written once.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from .errors import APIError, AuthenticationError, NotFoundError, OpenBayError, PermissionDeniedError, RateLimitError
from .results import ApiResult

T = TypeVar("T")
R = TypeVar("R", bound=ApiResult)


@dataclass
class Request:
    method: str
    path: str
    json: Any = None
    params: Any = None
    timeout_s: float | None = None
    # stream: the answer is NDJSON; every line but the last goes to on_line
    on_line: Callable[[dict], Any] | None = None
    # a raw body instead of json: bytes, or an object iterable both sync and async
    content: Any = None
    headers: dict[str, str] | None = None
    # a raw 2xx answer goes to on_bytes chunk by chunk; the Response body is its headers
    on_bytes: Callable[[bytes], Any] | None = None

    @property
    def idempotent(self) -> bool:
        # a half-delivered download is not safe to repeat: on_bytes already saw part of it
        return self.method in ("GET", "PUT", "DELETE", "HEAD") and self.on_bytes is None


@dataclass
class Response:
    status: int
    body: Any
    request_id: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> dict:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"]
        return {"code": "http_error", "message": f"HTTP {self.status}: {str(self.body)[:200]}"}


Call = Generator[Request, Response, T]

_RAISE_ALWAYS = {401: AuthenticationError, 403: PermissionDeniedError}
_RAISE_BY_STATUS = {404: NotFoundError, 410: NotFoundError, 429: RateLimitError}


def raise_for_auth(resp: Response) -> None:
    """Auth failures raise from every call, result-returning ones included."""
    if resp.status in _RAISE_ALWAYS:
        raise _error(_RAISE_ALWAYS[resp.status], resp)


def _error(cls: type[OpenBayError], resp: Response) -> OpenBayError:
    err = resp.error
    return cls(err.get("message", ""), status=resp.status, code=err.get("code", ""),
               request_id=err.get("request_id") or resp.request_id)


def value(request: Request, build: Callable[[Any], T]) -> Call[T]:
    """A call that returns a plain value and raises APIError on an error answer."""
    resp = yield request
    raise_for_auth(resp)
    if not resp.ok:
        raise _error(_RAISE_BY_STATUS.get(resp.status, APIError), resp)
    return build(resp.body)


def result(request: Request, cls: type[R], build: Callable[[Any], dict]) -> Call[R]:
    """A call that returns a result object; error answers become success=False."""
    resp = yield request
    raise_for_auth(resp)
    if not resp.ok:
        err = resp.error
        return cls(success=False, request_id=err.get("request_id") or resp.request_id,
                   error_message=err.get("message", ""), error_code=err.get("code", ""))
    return cls(success=True, request_id=resp.request_id, **build(resp.body))


def model_fields(cls: type, body: dict) -> dict:
    """The keys of `body` that `cls` (a result dataclass) has fields for."""
    names = {f.name for f in fields(cls)} - {"success", "request_id", "error_code"}
    return {k: v for k, v in body.items() if k in names}


__all__ = ["Request", "Response", "Call", "value", "result", "model_fields"]
