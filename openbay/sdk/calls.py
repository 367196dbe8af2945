"""The call layer: API calls as plain generators. Each yields the HTTP request it needs
and turns the answer into a typed value, raising an `APIError` subclass on an error
answer. A runner (transport.py) drives them, blocking or awaited, so every call is
written once for `OpenBay` and `AsyncOpenBay`."""
from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, fields
from typing import Any, Protocol, TypeVar

from .errors import APIError, error_class

T = TypeVar("T")


class ByteSource(Protocol):
    """A request body read afresh on every attempt (local_files.LocalFileChunks)."""

    def sync_chunks(self) -> Any: ...

    def async_chunks(self) -> Any: ...


@dataclass
class Request:
    method: str
    path: str
    json: Any = None
    params: Any = None
    timeout_s: float | None = None
    # stream: the answer is NDJSON; each line goes to on_line as it arrives, and the last one
    # (the result, which on_line lets pass) is the answer too
    on_line: Callable[[dict], Any] | None = None
    # a raw body instead of json: bytes, or a ByteSource
    content: bytes | ByteSource | None = None
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


def api_error(resp: Response) -> APIError:
    """The exception an error answer stands for."""
    err = resp.error
    return error_class(resp.status)(str(err.get("message", "")), status=resp.status, code=str(err.get("code", "")),
                                    request_id=str(err.get("request_id") or resp.request_id))


def send(request: Request) -> Call[Response]:
    """The answer to `request`; raises the APIError of an error answer."""
    resp = yield request
    if not resp.ok:
        raise api_error(resp)
    return resp


def value(request: Request, build: Callable[[Any], T]) -> Call[T]:
    """A call that returns build(body)."""
    resp = yield from send(request)
    return build(resp.body)


def result(request: Request, cls: Callable[..., T], build: Callable[[Any], dict]) -> Call[T]:
    """A call that returns cls(request_id=..., **build(body)): a result dataclass."""
    resp = yield from send(request)
    return cls(request_id=resp.request_id, **build(resp.body))


def model_fields(cls: type, body: dict) -> dict:
    """The keys of `body` that `cls` (a result dataclass) has fields for."""
    names = {f.name for f in fields(cls)} - {"request_id"}
    return {k: v for k, v in body.items() if k in names}


__all__ = ["Request", "Response", "Call", "send", "value", "result", "model_fields", "api_error"]
