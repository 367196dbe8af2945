"""Chat completions with tool calling over the `openai` SDK, streamed.

Reasoning arrives as `reasoning_content` deltas (DeepSeek, Qwen, vLLM) and
content as `content` deltas; both are handed to callbacks as they come. 429,
5xx and connection failures are retried with exponential backoff as long as
nothing has been streamed yet (a retry after that would repeat text).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import openai

from .config import LLMConfig

log = logging.getLogger("openbay.llm")
DeltaCallback = Callable[[str], Awaitable[None]] | None


class LLMError(Exception):
    """The model endpoint failed or answered with something unusable."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.total_tokens += other.total_tokens

    def as_dict(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens}


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text as the model wrote it

    def args(self) -> dict[str, Any]:
        """The arguments as an object; raises ValueError when they are not a JSON object."""
        parsed = json.loads(self.arguments or "{}")
        if not isinstance(parsed, dict):
            raise ValueError("tool arguments must be a JSON object")
        return parsed


@dataclass
class ChatTurn:
    content: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)

    def assistant_message(self) -> dict:
        msg: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            msg["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}}
                                 for c in self.tool_calls]
        return msg


def _retryable(e: Exception) -> bool:
    if isinstance(e, (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError)):
        return True
    return isinstance(e, openai.APIStatusError) and e.status_code >= 500


def _describe(e: Exception) -> str:
    if isinstance(e, openai.APIStatusError):
        return f"model endpoint answered HTTP {e.status_code}: {e.message}"[:500]
    return f"model endpoint failed: {type(e).__name__}: {e}"[:500]


class ChatClient:
    def __init__(self, config: LLMConfig, *, retries: int = 4, backoff_s: float = 0.5,
                 request_timeout_s: float = 120.0):
        config.check()
        self.config = config
        self.retries = retries
        self.backoff_s = backoff_s
        # our own retry loop (below) knows whether text was already streamed
        self._client = openai.AsyncOpenAI(base_url=config.base_url, api_key=config.api_key or "none",
                                          max_retries=0, timeout=request_timeout_s)

    async def close(self) -> None:
        await self._client.close()

    async def complete(self, messages: list[dict], tools: list[dict], *,
                       on_reasoning: DeltaCallback = None, on_content: DeltaCallback = None) -> ChatTurn:
        for attempt in range(self.retries + 1):
            turn = ChatTurn()
            try:
                await self._stream(messages, tools, turn, on_reasoning, on_content)
                return turn
            except openai.OpenAIError as e:
                streamed = bool(turn.content or turn.reasoning)
                if streamed or not _retryable(e) or attempt == self.retries:
                    raise LLMError(_describe(e)) from None
                delay = self.backoff_s * 2 ** attempt
                log.warning("model call failed (%s); retry %d in %.1fs", type(e).__name__,
                            attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _stream(self, messages, tools, turn: ChatTurn, on_reasoning, on_content) -> None:
        kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages, "stream": True,
                                  "stream_options": {"include_usage": True}}
        if tools:
            kwargs["tools"] = tools
        stream = await self._client.chat.completions.create(**kwargs)
        calls: dict[int, dict] = {}
        async for chunk in stream:
            if chunk.usage is not None:
                turn.usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0,
                                   chunk.usage.total_tokens or 0)
            for choice in chunk.choices or ():
                delta = choice.delta
                reasoning = getattr(delta, "reasoning_content", None) or \
                    (delta.model_extra or {}).get("reasoning_content")
                if reasoning:
                    turn.reasoning += reasoning
                    if on_reasoning:
                        await on_reasoning(reasoning)
                if delta.content:
                    turn.content += delta.content
                    if on_content:
                        await on_content(delta.content)
                for tc in delta.tool_calls or ():
                    slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
        turn.tool_calls = [ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
                           for i, c in sorted(calls.items())]
