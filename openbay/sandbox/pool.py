"""A warm pool: sandboxes started (and prepared, e.g. Chromium up) before anyone asks.

A create that fits the pool's spec takes one, which makes it a hand-over; the
pool refills in the background, one sandbox at a time (starting Chromium is CPU
heavy and the machine is shared). A sandbox leaves the pool once and never comes
back: after a user had it, it is stopped with its session.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable

from .backend import Backend, NetworkPolicy, ResourceLimits, Sandbox, SandboxError, SandboxSpec
from .envd.client import EnvdError

log = logging.getLogger("openbay.pool")
RETRY_MAX_S = 30.0
REFILL_DELAY_S = 1.0


def new_session_id() -> str:
    return "s-" + secrets.token_hex(6)


class WarmPool:
    def __init__(self, backend: Backend, *, image_id: str, size: int, limits: ResourceLimits,
                 prepare: Callable[[Sandbox], Awaitable[None]] | None = None, disk_bytes: int = 10 * 1024 ** 3,
                 is_ready: Callable[[Sandbox], Awaitable[bool]] | None = None,
                 refill_delay_s: float = REFILL_DELAY_S):
        self.backend = backend
        self.image_id = image_id
        self.size = size
        self.limits = limits
        self.disk_bytes = disk_bytes
        self._prepare = prepare
        self._is_ready = is_ready
        self.refill_delay_s = refill_delay_s
        self._ready: deque[Sandbox] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.handed_over = 0

    def fits(self, spec: SandboxSpec) -> bool:
        """Only a plain create of the pool's image can take a pooled sandbox."""
        return (spec.image_id == self.image_id and not spec.envs and spec.network
                and spec.limits == self.limits and spec.disk_bytes == self.disk_bytes
                and spec.network_policy == NetworkPolicy() and spec.restore_disk is None)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._refill_forever())

    @property
    def ready(self) -> int:
        return len(self._ready)

    async def take(self, spec: SandboxSpec) -> Sandbox | None:
        """A started, prepared sandbox (with an id of its own), or None to start one cold."""
        if not self.fits(spec):
            return None
        while self._ready:
            sandbox = self._ready.popleft()
            self._wake.set()
            if self.backend.is_alive(sandbox.session_id) and await self._still_ready(sandbox):
                self.handed_over += 1
                return sandbox
            await self.backend.stop(sandbox.session_id)
        return None

    async def _still_ready(self, sandbox: Sandbox) -> bool:
        if self._is_ready is None:
            return True
        try:
            return await self._is_ready(sandbox)
        except (EnvdError, OSError):
            return False

    async def _refill_forever(self) -> None:
        delay = 1.0
        while True:
            while len(self._ready) < self.size:
                try:
                    self._ready.append(await self._start_one())
                    delay = 1.0
                except (SandboxError, EnvdError) as e:
                    log.warning("warm pool could not start a sandbox: %s; retrying in %.0f s", e, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
            self._wake.clear()
            await self._wake.wait()
            # give the session just handed over its first moments: starting Chromium is a
            # CPU burst that would slow the user's first page on a small machine
            await asyncio.sleep(self.refill_delay_s)

    async def _start_one(self) -> Sandbox:
        spec = SandboxSpec(session_id=new_session_id(), image_id=self.image_id, limits=self.limits,
                           disk_bytes=self.disk_bytes)
        sandbox = await self.backend.start(spec)
        try:
            if self._prepare is not None:
                await self._prepare(sandbox)
        except BaseException:
            await self.backend.stop(spec.session_id)
            raise
        return sandbox

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        while self._ready:
            await self.backend.stop(self._ready.popleft().session_id)
