"""Chat completions with tool calling over the `openai` SDK, streamed.

Reasoning arrives as `reasoning_content` deltas (DeepSeek, Qwen, vLLM) and content as
`content` deltas; both are handed to callbacks as they come. Each answer is capped
(`max_tokens`) and one cut at the cap comes back marked truncated. Rate limits,
overload and lost connections are retried with exponential backoff as long as nothing
was streamed yet (a retry after that would repeat text); configuration errors are not,
and say what the server said. A server that cannot take tools or images is asked again
without them (tools then described in the prompt and read back from the text), and
after the retries the fallback model, if one is set, takes over.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai

from . import probe
from .config import LLMConfig
from .errors import (
    NO_TOOLS,
    ContextOverflow,
    LLMError,
    context_of,
    describe,
    hide,
    is_context_overflow,
    is_transient,
    refuses_images,
    refuses_tools,
    server_message,
)
from .messages import CHARS_PER_TOKEN, estimate_tokens, images_in, shape, without_images
from .text_tools import parse_tool_calls, strip_calls, tools_prompt

log = logging.getLogger("openbay.llm")
DeltaCallback = Callable[[str], Awaitable[None]] | None
MIN_OUTPUT_TOKENS = 256
PROMPT_MARGIN = 64  # tokens kept free besides the answer: estimates are estimates

__all__ = ["ChatClient", "ChatTurn", "ContextOverflow", "LLMError", "ToolCall", "Usage"]


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    estimated: bool = False  # the server sent no usage (or the answer was cut off): counted here

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.total_tokens += other.total_tokens
        self.estimated = self.estimated or other.estimated

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
    finish_reason: str = ""
    model: str = ""
    calls_from_text: bool = False  # the tool calls were read from the answer's text
    deltas: int = 0  # streamed pieces: about one token each, for counting a cut-off answer

    @property
    def truncated(self) -> bool:
        """The answer hit the output cap (finish_reason "length") and is cut off."""
        return self.finish_reason == "length"

    def assistant_message(self) -> dict:
        msg: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            msg["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}}
                                 for c in self.tool_calls]
        return msg


class ChatClient:
    def __init__(self, config: LLMConfig, *, retries: int = 4, backoff_s: float = 0.5,
                 request_timeout_s: float = 120.0):
        config.check()
        if config.endpoints is not None:  # the admin's list holds here too, whoever made the config
            config.endpoints.check(config.base_url)
        self.config = config
        self.retries = retries
        self.backoff_s = backoff_s
        self.request_timeout_s = request_timeout_s
        self.info = probe.ModelInfo()
        self.notices: list[str] = []  # what the agent should tell the person (switches, drops)
        self.partial: ChatTurn | None = None  # the answer being streamed: counted even when cut off
        self.messages_sent = 0  # messages of every request sent, as the server got them (message_count)
        self._prepared = False
        self._forced_text = False
        self._cap_param = "max_tokens"
        self._client = self._open(config)

    def _open(self, config: LLMConfig) -> openai.AsyncOpenAI:
        # our own retry loop (below) knows whether text was already streamed
        return openai.AsyncOpenAI(base_url=config.base_url, api_key=config.api_key or "none",
                                  max_retries=0, timeout=self.request_timeout_s)

    @property
    def url(self) -> str:
        """Where answers come from, as said in messages (a user:password in the URL left out)."""
        parts = urlsplit(self.config.base_url.rstrip("/"))
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])) + "/chat/completions"

    async def close(self) -> None:
        await self._client.close()

    async def prepare(self) -> probe.ModelInfo:
        """Ask the server about the model (once per endpoint and model, then cached)."""
        if not self._prepared:
            self.info = await probe.probe(self.config.base_url, self.config.model, self.config.api_key)
            self._prepared = True
        return self.info

    # -- what the model can take -------------------------------------------------------------

    @property
    def text_tools(self) -> bool:
        """Tools described in the prompt and read from the text, not sent as `tools`."""
        mode = self.config.tool_mode
        return mode == "text" or (mode == "auto" and (self._forced_text or self.info.supports_tools is False))

    @property
    def context_tokens(self) -> int | None:
        return self.config.context_tokens or self.info.context_tokens

    def output_cap(self) -> int:
        """max_tokens of one answer: the setting, and at most a quarter of a known context."""
        cap = self.config.max_output_tokens
        if self.context_tokens:
            cap = min(cap, max(MIN_OUTPUT_TOKENS, self.context_tokens // 4))
        return cap

    def prompt_budget(self, tools: list[dict]) -> int | None:
        """How many tokens the messages may take (None: the context is unknown)."""
        if not self.context_tokens:
            return None
        described = int(len(tools_prompt(tools)) / CHARS_PER_TOKEN) if self.text_tools and tools else \
            estimate_tokens([], tools)
        return self.context_tokens - self.output_cap() - described - PROMPT_MARGIN

    def learn_context(self, e: ContextOverflow, messages: list[dict], tools: list[dict]) -> None:
        """After an overflow: the size the server named, else less than what did not fit."""
        sent = estimate_tokens(messages, tools) + self.output_cap()
        smaller = e.n_ctx if e.n_ctx and (not self.context_tokens or e.n_ctx < self.context_tokens) \
            else int(min(sent, self.context_tokens or sent) * 0.75)
        self.info.context_tokens = smaller
        self.config = replace(self.config, context_tokens=None)  # what the server said beats the setting
        self.notices.append(f"the request did not fit the model's context; the history is trimmed to "
                            f"about {smaller} tokens")

    def switch_to_fallback(self, reason: str) -> bool:
        """Hand over to the fallback model; False when there is none (or it already took over)."""
        fallback = self.config.fallback()
        if fallback is None:
            return False
        self.notices.append(f"switching to the fallback model {fallback.model!r}: {reason}"[:1000])
        log.warning("model %s: %s; the fallback model %s takes over", self.config.model, reason, fallback.model)
        self.config = fallback
        self._prepared = False
        self._forced_text = False
        return True

    # -- one answer ---------------------------------------------------------------------------

    async def complete(self, messages: list[dict], tools: list[dict], *,
                       on_reasoning: DeltaCallback = None, on_content: DeltaCallback = None) -> ChatTurn:
        attempt = 0
        while True:
            await self.prepare()
            wire = shape(messages, tools, text_tools=self.text_tools, system_role=self.info.system_role)
            if self.info.supports_vision is False:
                wire = without_images(wire)
            turn = self.partial = ChatTurn(model=self.config.model)
            self.messages_sent += len(wire)
            turn.usage = Usage(prompt_tokens=estimate_tokens(wire, None if self.text_tools else tools),
                               estimated=True)
            try:
                await self._stream(wire, [] if self.text_tools else tools, turn, on_reasoning, on_content)
                break
            except openai.OpenAIError as e:
                if turn.content or turn.reasoning or not await self._adapt(e, wire):
                    if is_context_overflow(e):
                        raise ContextOverflow(self._why(e), context_of(e)) from None
                    if not is_transient(e) or turn.content or turn.reasoning:
                        raise LLMError(self._why(e)) from None
                    if attempt >= self.retries:
                        if self.switch_to_fallback(self._why(e)):
                            attempt = 0
                            continue
                        raise LLMError(self._why(e), transient=True) from None
                    delay = self.backoff_s * 2 ** attempt
                    log.warning("model call failed (%s); retry %d in %.1fs", type(e).__name__, attempt + 1, delay)
                    attempt += 1
                    await asyncio.sleep(delay)
        self.partial = None
        self._finish(turn, tools)
        return turn

    def _why(self, e: openai.OpenAIError) -> str:
        """What went wrong, in words that never carry the key (servers do echo it back)."""
        return hide(describe(e, self.url), self.config.api_key)

    async def _adapt(self, e: openai.OpenAIError, wire: list[dict]) -> bool:
        """Change how we ask after an error that says how (True: ask again at once)."""
        if refuses_tools(e) and not self.text_tools and self.config.tool_mode == "auto":
            self._forced_text = True
            probe.remember(self.config.base_url, self.config.model, supports_tools=False)
            self.notices.append(f"{NO_TOOLS}: tools are described in the prompt and read from the answer instead")
            return True
        if refuses_images(e) and images_in(wire):
            self.info.supports_vision = False
            probe.remember(self.config.base_url, self.config.model, supports_vision=False)
            self.notices.append("the model cannot take images; screenshots are left out")
            return True
        if isinstance(e, openai.BadRequestError) and self._cap_param == "max_tokens" \
                and "max_completion_tokens" in server_message(e):
            self._cap_param = "max_completion_tokens"  # OpenAI's reasoning models
            return True
        return False

    async def _stream(self, messages, tools, turn: ChatTurn, on_reasoning, on_content) -> None:
        kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages, "stream": True,
                                  "stream_options": {"include_usage": True}, self._cap_param: self.output_cap()}
        if tools:
            kwargs["tools"] = tools
        stream = await self._client.chat.completions.create(**kwargs)
        calls: dict[int, dict] = {}
        async for chunk in stream:
            if chunk.usage is not None:
                turn.usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0,
                                   chunk.usage.total_tokens or 0)
            for choice in chunk.choices or ():
                turn.finish_reason = choice.finish_reason or turn.finish_reason
                delta = choice.delta
                if delta is None:
                    continue
                reasoning = getattr(delta, "reasoning_content", None) or \
                    (delta.model_extra or {}).get("reasoning_content")
                if reasoning or delta.content or delta.tool_calls:
                    turn.deltas += 1
                    if turn.usage.estimated:
                        turn.usage.completion_tokens = turn.deltas
                        turn.usage.total_tokens = turn.usage.prompt_tokens + turn.deltas
                if reasoning:
                    turn.reasoning += reasoning
                    if on_reasoning:
                        await on_reasoning(reasoning)
                if delta.content:
                    turn.content += delta.content
                    if on_content:
                        await on_content(delta.content)
                for tc in delta.tool_calls or ():
                    slot = calls.setdefault(tc.index if tc.index is not None else len(calls),
                                            {"id": "", "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
        turn.tool_calls = [ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
                           for i, c in sorted(calls.items())]

    def _finish(self, turn: ChatTurn, tools: list[dict]) -> None:
        if turn.tool_calls or not turn.content:
            return
        names = {t.get("function", t).get("name") for t in tools}
        found = parse_tool_calls(turn.content, names)
        if found:
            turn.tool_calls = [ToolCall(id=f"call_t{i}", name=c.name, arguments=json.dumps(c.arguments))
                               for i, c in enumerate(found)]
            turn.content = strip_calls(turn.content, found)
            turn.calls_from_text = True
