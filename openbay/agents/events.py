"""How an agent reports to whoever runs it: events, steps and questions to the person."""
from __future__ import annotations

import time
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
    """Streams model text as events without one store commit per token: flushes
    every `max_chars` characters or `max_age_s` seconds, and at the end."""
    hooks: AgentHooks
    type: str
    step: int
    max_chars: int = 256
    max_age_s: float = 0.25
    _parts: list[str] = field(default_factory=list)
    _size: int = 0
    _since: float = 0.0

    async def add(self, text: str) -> None:
        if not self._parts:
            self._since = time.monotonic()
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.max_chars or time.monotonic() - self._since >= self.max_age_s:
            await self.flush()

    async def flush(self) -> None:
        if self._parts:
            text, self._parts, self._size = "".join(self._parts), [], 0
            await self.hooks.emit(self.type, {"content": text, "step": self.step})
