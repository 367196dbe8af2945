"""The conversation the model sees, kept compact: the task, one line per older
step, the last few steps in full (tool calls and results), and only the current
page state (older states are dropped: they are stale and the biggest part).

Given a token budget (the model's context less its answer), older steps go first:
whole steps become summary lines, then the oldest lines go, then the current state is
cut short. The task is never dropped. The model's own text is clipped like tool
results, so a runaway answer is not replayed in full.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .llm.messages import CHARS_PER_TOKEN, estimate_tokens

RECENT_STEPS = 6
MAX_RESULT_CHARS = 1_500      # tool results and the model's text of earlier steps
MAX_LAST_RESULT_CHARS = 20_000  # the previous step's results (e.g. extract_content) in full
MAX_LAST_TEXT_CHARS = 4_000   # the model's own text of the previous step
SUMMARY_CHARS = 150
MIN_STATE_CHARS = 600


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

    def messages(self, state_message: dict, budget: int | None = None) -> list[dict]:
        """The messages for this step; within `budget` tokens when one is given."""
        recent = min(RECENT_STEPS, len(self.exchanges))
        dropped = 0
        out = self._build(state_message, recent, dropped)
        while budget is not None and estimate_tokens(out) > budget:
            if recent > 0:
                recent -= 1
            elif dropped < len(self.exchanges):
                dropped += 1
            else:
                return self._build(_clipped_state(state_message, out, budget), 0, dropped)
            out = self._build(state_message, recent, dropped)
        return out

    def _build(self, state_message: dict, recent: int, dropped: int) -> list[dict]:
        split = len(self.exchanges) - recent
        old, new = self.exchanges[dropped:split], self.exchanges[split:]
        intro = f"Task: {self.task}"
        if self.earlier:
            intro += ("\n\nSteps already done before the task was interrupted and resumed (the page or "
                      "screen may have changed since):\n" + "\n".join(self.earlier))
        lines = [f"step {e.step}: {summary} -> {_clip(text, SUMMARY_CHARS)}"
                 for e in old for _, summary, text in e.results]
        if old or dropped:
            gone = f"({dropped} earlier steps left out)\n" if dropped else ""
            intro += "\n\nEarlier steps (summarised):\n" + gone + "\n".join(lines)
        out = [{"role": "system", "content": self.system}, {"role": "user", "content": intro}]
        for i, e in enumerate(new):
            last = i == len(new) - 1
            out.append(_clipped_text(e.assistant, MAX_LAST_TEXT_CHARS if last else MAX_RESULT_CHARS))
            limit = MAX_LAST_RESULT_CHARS if last else MAX_RESULT_CHARS
            out.extend({"role": "tool", "tool_call_id": cid, "content": _clip(text, limit)}
                       for cid, _, text in e.results)
        out.append(state_message)
        return out


def _clipped_text(assistant: dict, limit: int) -> dict:
    content = assistant.get("content")
    if isinstance(content, str) and len(content) > limit:
        return {**assistant, "content": _clip(content, limit)}
    return assistant


def _clipped_state(state_message: dict, built: list[dict], budget: int) -> dict:
    """The state message cut so that the whole fits `budget` (never below a few hundred chars)."""
    over = estimate_tokens(built) - budget
    content = state_message["content"]
    text = content if isinstance(content, str) else "\n".join(
        p.get("text", "") for p in content if p.get("type") == "text")
    keep = max(MIN_STATE_CHARS, len(text) - int(over * CHARS_PER_TOKEN) - 40)
    clipped = _clip(text, keep)
    if isinstance(content, str):
        return {**state_message, "content": clipped}
    parts = [p for p in content if p.get("type") != "text"]
    return {**state_message, "content": [{"type": "text", "text": clipped}, *parts]}


def summary(name: str, args: dict) -> str:
    return f"{name}({json.dumps(args, ensure_ascii=False)[:200]})"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…(cut)"
