"""Waiting for what must happen, the one way tests do it: poll the condition itself, bounded only
against a hang. A loaded 2-core CI machine is slow, never wrong, so no test sleeps and hopes."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

PATIENCE_S = 120.0  # how long something that must happen may take before a test calls it a hang
PATIENCE_MS = int(PATIENCE_S * 1000)  # the same, for Playwright's timeouts


def wait_for(predicate: Callable[[], T], timeout_s: float = PATIENCE_S, interval_s: float = 0.05,
             what: str = "condition") -> T:
    """Poll predicate() until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:g} s for {what} in vain")
        time.sleep(interval_s)


async def async_wait_for(predicate: Callable[[], T | Awaitable[T]], timeout_s: float = PATIENCE_S,
                         interval_s: float = 0.05, what: str = "condition") -> T:
    """The same in an event loop; predicate may be a coroutine function."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:g} s for {what} in vain")
        await asyncio.sleep(interval_s)
