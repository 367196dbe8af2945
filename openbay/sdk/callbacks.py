"""Callbacks of the asyncio client may be plain functions or coroutine functions: the type of
such a callback, and the one place that tells the two apart."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# A callback that answers T, either at once or awaited: MaybeAsync[[str], None] takes
# `print` as well as `async def show(text): ...`.
MaybeAsync = Callable[P, T | Awaitable[T]]


async def settle(out: T | Awaitable[T]) -> T:
    """What a callback answered: `out` itself, or awaited when a coroutine function gave it."""
    if inspect.isawaitable(out):
        return await out
    return out
