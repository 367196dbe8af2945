"""AgentBay's failure shape: a result with success=False, the request id and a message,
never an exception. `guarded` turns a native call (which raises) into one that answers so;
`unavailable` answers for what only Alibaba's cloud has."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

from openbay.sdk.calls import Call
from openbay.sdk.errors import OpenBayError

R = TypeVar("R")

CLOUD_ONLY = ("{feature} is a feature of Alibaba Cloud's hosted AgentBay and is not available on "
              "OpenBay: {why}")


def failure(cls: Callable[..., R], message: str, request_id: str = "", **extra: Any) -> R:
    kwargs: dict[str, Any] = {"success": False, "error_message": message, **extra}
    if is_dataclass(cls) and "request_id" in {f.name for f in fields(cls)}:
        kwargs["request_id"] = request_id
    return cls(**kwargs)


def from_error(cls: Callable[..., R], e: OpenBayError, **extra: Any) -> R:
    code = {"code": e.code} if is_dataclass(cls) and "code" in {f.name for f in fields(cls)} else {}
    return failure(cls, e.message or str(e), e.request_id, **code, **extra)


def unavailable(cls: Callable[..., R], feature: str, why: str) -> R:
    return failure(cls, CLOUD_ONLY.format(feature=feature, why=why))


def guarded(call: Call[R], cls: Callable[..., R]) -> Call[R]:
    """`call`, with any OpenBayError (API or transport) answered as cls(success=False, ...)."""
    try:
        return (yield from call)
    except OpenBayError as e:
        return from_error(cls, e)
