"""The conversation the model sees, kept compact: the task, one line per older
step, the last few steps in full (tool calls and results), and only the current
page state (older states are dropped: they are stale and the biggest part)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

RECENT_STEPS = 6
MAX_RESULT_CHARS = 1_500      # tool results of earlier steps
MAX_LAST_RESULT_CHARS = 20_000  # the previous step's results (e.g. extract_content) in full


@dataclass
class Exchange:
    step: int
    assistant: dict
    results: list[tuple[str, str, str]]  # (tool_call_id, call summary, result text)


@dataclass
class History:
    system: str
    task: str
    exchanges: list[Exchange] = field(default_factory=list)
    earlier: list[str] = field(default_factory=list)  # steps of a run before this one (a resumed task)

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def messages(self, state_message: dict) -> list[dict]:
        old, recent = self.exchanges[:-RECENT_STEPS], self.exchanges[-RECENT_STEPS:]
        intro = f"Task: {self.task}"
        if self.earlier:
            intro += ("\n\nSteps already done before the task was interrupted and resumed (the page or "
                      "screen may have changed since):\n" + "\n".join(self.earlier))
        if old:
            lines = [f"step {e.step}: {summary} -> {_clip(text, 150)}"
                     for e in old for _, summary, text in e.results]
            intro += "\n\nEarlier steps (summarised):\n" + "\n".join(lines)
        out = [{"role": "system", "content": self.system}, {"role": "user", "content": intro}]
        for i, e in enumerate(recent):
            limit = MAX_LAST_RESULT_CHARS if i == len(recent) - 1 else MAX_RESULT_CHARS
            out.append(e.assistant)
            out.extend({"role": "tool", "tool_call_id": cid, "content": _clip(text, limit)}
                       for cid, _, text in e.results)
        out.append(state_message)
        return out


def summary(name: str, args: dict) -> str:
    return f"{name}({json.dumps(args, ensure_ascii=False)[:200]})"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…(cut)"
