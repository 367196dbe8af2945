"""Tool calls written as text, for models and servers without native tool calling.

Read back from an answer's text, in the shapes models write: a bare JSON object
`{"name": ..., "arguments": {...}}` (also "parameters", or wrapped as {"tool_call": ...} /
{"function": ...}), a list of them, the same inside a fenced code block or
`<tool_call>...</tool_call>` tags, and Gemma's `tool_name(key=value)` calls. Only names
of the tools offered count, so prose that happens to hold JSON is left alone.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_FENCED = re.compile(r"```[\w-]*\s*\n?(.*?)```", re.S)
_PY_CALL = re.compile(r"\b([A-Za-z_]\w*)\((.*?)\)\s*$", re.M)


@dataclass
class TextCall:
    name: str
    arguments: dict
    span: tuple[int, int]  # where in the text it was written


def parse_tool_calls(text: str, tool_names: set[str]) -> list[TextCall]:
    """The tool calls written in `text` (in order), or [] when there are none."""
    if not text or not tool_names:
        return []
    for pattern in (_TAGGED, _FENCED):
        found = [c for m in pattern.finditer(text) for c in _from_json(m.group(1), tool_names, m.span())]
        if found:
            return found
    found = [c for start, obj, end in _json_values(text) for c in _calls_in(obj, tool_names, (start, end))]
    if found:
        return found
    return _python_calls(text, tool_names)


def _from_json(raw: str, names: set[str], span: tuple[int, int]) -> list[TextCall]:
    values = [obj for _, obj, _ in _json_values(raw)]
    calls = [c for obj in values for c in _calls_in(obj, names, span)]
    return calls or _python_calls(raw, names, span)


def _json_values(text: str):
    """(start, value, end) of every top-level JSON object or array in the text."""
    decoder = json.JSONDecoder()
    i = 0
    while True:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p >= 0]
        if not starts:
            return
        start = min(starts)
        try:
            obj, end = decoder.raw_decode(text, start)
        except ValueError:
            i = start + 1
            continue
        yield start, obj, end
        i = end


def _calls_in(obj, names: set[str], span: tuple[int, int]) -> list[TextCall]:
    if isinstance(obj, list):
        return [c for item in obj for c in _calls_in(item, names, span)]
    if not isinstance(obj, dict):
        return []
    for wrapper in ("tool_call", "function_call", "function"):
        if isinstance(obj.get(wrapper), dict):
            return _calls_in(obj[wrapper], names, span)
    if isinstance(obj.get("tool_calls"), list):
        return _calls_in(obj["tool_calls"], names, span)
    name = obj.get("name") or obj.get("tool") or obj.get("action")
    if not isinstance(name, str) or name not in names:
        return []
    args = next((obj[k] for k in ("arguments", "parameters", "args", "input") if k in obj), {})
    if isinstance(args, str):
        try:
            args = json.loads(args or "{}")
        except ValueError:
            return []
    return [TextCall(name, args, span)] if isinstance(args, dict) else []


def _python_calls(text: str, names: set[str], span: tuple[int, int] | None = None) -> list[TextCall]:
    """`click_element(index=3)` lines (how Gemma writes tool calls), literal arguments only."""
    calls = []
    for m in _PY_CALL.finditer(text):
        if m.group(1) not in names:
            continue
        try:
            node = ast.parse(f"f({m.group(2)})", mode="eval").body
            args = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        except (SyntaxError, ValueError):
            continue
        calls.append(TextCall(m.group(1), args, span or m.span()))
    return calls


def strip_calls(text: str, calls: list[TextCall]) -> str:
    """The text without the parts the calls were read from (what the model said besides)."""
    out, last = [], 0
    for start, end in sorted({c.span for c in calls}):
        out.append(text[last:start])
        last = max(last, end)
    out.append(text[last:])
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()


def tools_prompt(tools: list[dict]) -> str:
    """How to call the tools by writing them, for the system prompt of a text-only model."""
    lines = []
    for t in tools:
        f = t.get("function", t)
        params = f.get("parameters") or {}
        required = set(params.get("required") or ())
        args = ", ".join(f"{k}{'' if k in required else '?'}: {_type_of(v)}"
                         for k, v in (params.get("properties") or {}).items())
        lines.append(f"- {f['name']}({args}): {f.get('description', '')}")
    return ("You can use these tools:\n" + "\n".join(lines) + "\n\nTo use a tool, answer with one line per "
            "call, exactly like this:\n<tool_call>{\"name\": \"tool_name\", \"arguments\": {\"key\": \"value\"}}"
            "</tool_call>\nWrite nothing but tool calls; the results come back in the next message.")


def _type_of(schema: dict) -> str:
    if "enum" in schema:
        return "|".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type_of(schema.get('items') or {})}"
    if kind == "object" and schema.get("properties"):
        return "{" + ", ".join(f"{k}: {_type_of(v)}" for k, v in schema["properties"].items()) + "}"
    return kind if isinstance(kind, str) else "|".join(kind)


def render_call(name: str, arguments: str) -> str:
    """A call as the text-only model is asked to write it (for replaying its own turns)."""
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        args = arguments
    return "<tool_call>" + json.dumps({"name": name, "arguments": args}, ensure_ascii=False) + "</tool_call>"
