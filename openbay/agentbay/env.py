"""session.env as AgentBay has it: set() environment variables that every later command of
this session object sees (as AgentBay's shell tool does); get() reads them, and the session's
own environment for the rest."""
from __future__ import annotations

from typing import Any

from openbay.sdk.calls import Call
from openbay.sdk.command import CommandCalls
from openbay.sdk.errors import OpenBayError
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking

from .failures import failure, from_error
from .models import EnvResult
from .results import BoolResult

ENV_KEY_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


class EnvCalls:
    _path: str
    _envs: dict[str, str]

    def set(self, envs: dict[str, str]) -> Call[BoolResult]:
        if not envs:
            return failure(BoolResult, "envs cannot be empty")
        bad = [k for k in envs if not k or not set(k) <= ENV_KEY_CHARS or k[0].isdigit()]
        if bad:
            return failure(BoolResult, f"not an environment variable name: {bad[0]!r}")
        self._envs.update({k: str(v) for k, v in envs.items()})
        return BoolResult(success=True, data=True)
        yield  # a call like the others

    def get(self, keys: list[str] | None = None) -> Call[EnvResult]:
        """The variables named in `keys` (all of them when None) as commands of this session see them."""
        try:
            r = yield from CommandCalls.execute_command(self, "env -0", 30_000, None, dict(self._envs))  # type: ignore[arg-type]
        except OpenBayError as e:
            return from_error(EnvResult, e)
        seen = dict(item.split("=", 1) for item in r.output.split("\0") if "=" in item)
        return EnvResult(request_id=r.request_id, success=True,
                         envs={k: v for k, v in seen.items() if not keys or k in keys})


class Env(Part):
    def __init__(self, runner: Any, path: str, envs: dict[str, str]):
        super().__init__(runner, path)
        self._envs = envs

    set = blocking(EnvCalls.set)
    get = blocking(EnvCalls.get)


class AsyncEnv(AsyncPart):
    def __init__(self, runner: Any, path: str, envs: dict[str, str]):
        super().__init__(runner, path)
        self._envs = envs

    set = awaited(EnvCalls.set)
    get = awaited(EnvCalls.get)
