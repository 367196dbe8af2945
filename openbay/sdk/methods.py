"""How a call (calls.py) becomes a method: `blocking(call)` for the classes of `OpenBay`,
`awaited(call)` (a real `async def`) for those of `AsyncOpenBay`. A sub-API's calls are
written once, in a class of generator methods; its two public classes list them:

    class CommandApi(Part):         execute_command = blocking(CommandCalls.execute_command)
    class AsyncCommandApi(AsyncPart): execute_command = awaited(CommandCalls.execute_command)

Type checkers see each method's own parameters and its result (or a coroutine of it)."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from .calls import Call
from .transport import AsyncRunner, SyncRunner

P = ParamSpec("P")
T = TypeVar("T")


class Part:
    """A sub-API of the blocking client: a runner and the path it works under."""

    def __init__(self, runner: SyncRunner, path: str):
        self._runner = runner
        self._path = path


class AsyncPart:
    """A sub-API of the asyncio client."""

    def __init__(self, runner: AsyncRunner, path: str):
        self._runner = runner
        self._path = path


def _describe(method: Any, call: Callable) -> None:
    method.__name__, method.__qualname__, method.__doc__ = call.__name__, call.__qualname__, call.__doc__
    sig = inspect.signature(call)
    method.__signature__ = sig.replace(return_annotation=inspect.Signature.empty)


def blocking(call: Callable[Concatenate[Any, P], Call[T]]) -> Callable[Concatenate[Part, P], T]:
    def method(self: Part, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._runner.run(call(self, *args, **kwargs))
    _describe(method, call)
    return method


def awaited(call: Callable[Concatenate[Any, P], Call[T]]
            ) -> Callable[Concatenate[AsyncPart, P], Coroutine[Any, Any, T]]:
    async def method(self: AsyncPart, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._runner.run(call(self, *args, **kwargs))
    _describe(method, call)
    return method


U = TypeVar("U")


def blocking_as(call: Callable[Concatenate[Any, P], Call[T]],
                finish: Callable[[Any, T], U]) -> Callable[Concatenate[Part, P], U]:
    """Like blocking, then `finish(self, value)` turns the call's value into the method's result."""
    def method(self: Part, *args: P.args, **kwargs: P.kwargs) -> U:
        return finish(self, self._runner.run(call(self, *args, **kwargs)))
    _describe(method, call)
    return method


def awaited_as(call: Callable[Concatenate[Any, P], Call[T]], finish: Callable[[Any, T], Awaitable[U]]
               ) -> Callable[Concatenate[AsyncPart, P], Coroutine[Any, Any, U]]:
    """Like awaited, then `await finish(self, value)`."""
    async def method(self: AsyncPart, *args: P.args, **kwargs: P.kwargs) -> U:
        return await finish(self, await self._runner.run(call(self, *args, **kwargs)))
    _describe(method, call)
    return method
