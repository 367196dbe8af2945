"""How an agent reports to whoever runs it: events, steps and questions to the person."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class StepRecord:
    step: int
    url: str
    title: str
    actions: list[dict[str, Any]]
    usage: dict[str, int]
    screenshot: str | None
    duration_s: float
    messages: int = 0  # messages sent to the model so far in the task (message_count)
    model: str = ""    # the model that answered this step (the fallback's name once it took over)


class AgentHooks(Protocol):
    async def emit(self, type: str, payload: dict[str, Any]) -> None:
        """Report an event (reasoning, content, tool_call, tool_result, error)."""

    async def ask_user(self, question: str, kind: str = "question") -> str | None:
        """Ask the person (kind: question, or plan for its approval); their answer, or
        None when none came in time."""

    async def record_step(self, step: StepRecord) -> None:
        """Keep what a step saw and did."""


@dataclass
class DeltaBuffer:
    """Streams model text as events without one store commit per token: the first
    flush comes after `first_age_s`, each later one waits twice as long as the one
    before (up to `max_age_s`) or for `max_chars` characters, and the rest at the
    end of the step. A long answer makes a handful of events, not hundreds."""
    hooks: AgentHooks
    type: str
    step: int
    max_chars: int = 8_000
    first_age_s: float = 0.5
    max_age_s: float = 8.0
    clock: Callable[[], float] = time.monotonic
    _parts: list[str] = field(default_factory=list)
    _size: int = 0
    _since: float = 0.0
    _age_s: float = 0.0

    async def add(self, text: str) -> None:
        if not self._parts:
            self._since = self.clock()
            self._age_s = self._age_s or self.first_age_s
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.max_chars or self.clock() - self._since >= self._age_s:
            self._age_s = min(self.max_age_s, self._age_s * 2)
            await self.flush()

    async def flush(self) -> None:
        if self._parts:
            text, self._parts, self._size = "".join(self._parts), [], 0
            await self.hooks.emit(self.type, {"content": text, "step": self.step})
