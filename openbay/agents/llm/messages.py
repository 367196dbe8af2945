"""The conversation as strict chat templates accept it, and its size in tokens.

Gemma's and Mistral's templates raise "Conversation roles must alternate
user/assistant/..." on two user or two assistant messages in a row; some have no
system role; a server without tool calling cannot render `tool` messages. `shape`
merges neighbours of one role, folds the system prompt into the first user turn when
asked, and in text mode writes tool calls and results as plain text, so the roles
alternate strictly: system?, user, assistant, user, ..., user.
"""
from __future__ import annotations

import json

from .text_tools import render_call, tools_prompt

CHARS_PER_TOKEN = 3.0  # conservative: page states and JSON tokenize worse than prose
IMAGE_TOKENS = 1_000   # a screenshot, roughly, in the vision models we meet
MESSAGE_OVERHEAD = 6   # role markers and separators of a chat template


def shape(messages: list[dict], tools: list[dict], *, text_tools: bool = False,
          system_role: bool = True) -> list[dict]:
    out: list[dict] = []
    names: dict[str, str] = {}  # tool_call_id -> tool name, for text-mode results
    for msg in messages:
        msg = dict(msg)
        role = msg["role"]
        if role == "assistant":
            for c in msg.get("tool_calls") or ():
                names[c["id"]] = c["function"]["name"]
            if text_tools and msg.get("tool_calls"):
                calls = "\n".join(render_call(c["function"]["name"], c["function"]["arguments"])
                                  for c in msg.pop("tool_calls"))
                msg["content"] = f"{msg['content']}\n{calls}" if msg.get("content") else calls
            if msg.get("content") is None and not msg.get("tool_calls"):
                msg["content"] = ""
        elif role == "tool" and text_tools:
            msg = {"role": "user", "content": f"Result of {names.get(msg.get('tool_call_id'), 'the tool')}: "
                                              f"{_text(msg.get('content'))}"}
        _append(out, msg)
    if text_tools and tools:
        prompt = tools_prompt(tools)
        if out and out[0]["role"] == "system":
            out[0] = {**out[0], "content": f"{_text(out[0]['content'])}\n\n{prompt}"}
        else:
            out.insert(0, {"role": "system", "content": prompt})
    if not system_role and out and out[0]["role"] == "system":
        system = out.pop(0)
        rest, out = out, []
        _append(out, {"role": "user", "content": _text(system["content"])})
        for msg in rest:
            _append(out, msg)
    return out


def _append(out: list[dict], msg: dict) -> None:
    prev = out[-1] if out else None
    if prev is None or prev["role"] != msg["role"] or msg["role"] == "tool":
        out.append(msg)
        return
    if msg["role"] == "assistant" and prev.get("tool_calls"):
        out.append(msg)  # an answer with tool calls must stay followed by their results
        return
    merged = {**prev, "content": _join(prev.get("content"), msg.get("content"))}
    if msg.get("tool_calls"):
        merged["tool_calls"] = msg["tool_calls"]
    out[-1] = merged


def _join(a, b):
    if isinstance(a, list) or isinstance(b, list):
        out: list[dict] = []
        for part in _parts(a) + _parts(b):  # neighbouring texts become one: [text, image] stays so
            if out and part.get("type") == "text" and out[-1].get("type") == "text":
                out[-1] = {"type": "text", "text": f"{out[-1]['text']}\n\n{part['text']}"}
            else:
                out.append(part)
        return out
    return "\n\n".join(t for t in (a, b) if t)


def _parts(content) -> list[dict]:
    if isinstance(content, list):
        return list(content)
    return [{"type": "text", "text": content}] if content else []


def _text(content) -> str:
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
    return content or ""


def images_in(messages: list[dict]) -> int:
    return sum(1 for m in messages if isinstance(m.get("content"), list)
               for p in m["content"] if p.get("type") == "image_url")


def estimate_tokens(messages: list[dict], tools: list[dict] | None = None) -> int:
    """A generous estimate of the prompt's size (no tokenizer at hand for every model)."""
    chars = sum(len(_text(m.get("content"))) + len(json.dumps(m.get("tool_calls") or "")) for m in messages)
    chars += len(json.dumps(tools)) if tools else 0
    return int(chars / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD * len(messages) + IMAGE_TOKENS * images_in(messages)


def without_images(messages: list[dict]) -> list[dict]:
    """The messages with screenshots left out (for a model that cannot see)."""
    out = []
    for m in messages:
        if isinstance(m.get("content"), list):
            m = {**m, "content": _text(m["content"])}
        out.append(m)
    return out
