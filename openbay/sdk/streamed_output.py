"""Output of a streamed call (commands, code): lines of {"type": "stdout"|"stderr", "data"},
each passed to its callback as it arrives and kept for the result."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

OutputCallback = Callable[[str], Any]


class StreamedOutput:
    def __init__(self, on_stdout: OutputCallback | None, on_stderr: OutputCallback | None):
        self.seen: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.handlers = {"stdout": on_stdout, "stderr": on_stderr}

    def on_line(self, chunk: dict) -> Any:
        """The runner's on_line: what a callback returns (a coroutine, with AsyncOpenBay) goes back."""
        kind = chunk.get("type")
        if kind in self.seen:
            self.seen[kind].append(chunk.get("data", ""))
            handler = self.handlers[kind]
            if handler is not None:
                return handler(chunk.get("data", ""))
        return None

    def text(self, kind: str) -> str:
        return "".join(self.seen[kind])
