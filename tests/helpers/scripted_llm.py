"""A scripted OpenAI-compatible model on loopback: the one part tests may fake.

It answers each chat-completions request with the next turn of a script
(tool calls, content, reasoning, usage, or an HTTP error), streamed as SSE or
not, and records every request so tests can assert on what the model was shown.
A turn may also be a function of the request, e.g. to click the element whose
visible text is "Accept" in the page state the agent just sent. `gets` answers GET
(and Ollama's POST /api/show) with fixed JSON, and `server` may answer a request in
place of the script, as a real server would (see model_servers.py).
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Turn:
    tool_calls: list[tuple[str, dict]] = field(default_factory=list)
    content: str = ""
    reasoning: str = ""
    status: int = 200            # not 200: answer with this HTTP error instead
    hold_s: float = 0.0          # think this long first (ended early by close())
    usage: tuple[int, int] | None = (100, 20)  # None: no usage sent (as some servers when streaming)
    finish: str = ""             # finish_reason instead of stop / tool_calls (e.g. "length")
    error: dict | None = None    # the whole error body, for an error status
    piece_s: float = 0.0         # pause between streamed pieces


Script = list["Turn | Callable[[dict], Turn]"]


def call(name: str, reasoning: str = "", **args) -> Turn:
    return Turn(tool_calls=[(name, args)], reasoning=reasoning)


def done(text: str = "done", data: Any = None, **kw) -> Turn:
    args = {"text": text, **({"data": data} if data is not None else {}), **kw}
    return Turn(tool_calls=[("done", args)])


_ELEMENT = re.compile(r"^\s*\[(\d+)\](.*)$")


def text_of(content) -> str:
    """A message's text, whether its content is a string or parts (text and images)."""
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
    return content or ""


def page_state_of(body: dict) -> str:
    """The text of the newest user message: the page state the agent sent."""
    for msg in reversed(body.get("messages", [])):
        if msg.get("role") == "user":
            return text_of(msg.get("content"))
    return ""


class TargetNotFound(Exception):
    pass


def index_of(body: dict, text: str) -> int:
    """The index of the element whose line in the page state shows `text`."""
    for line in page_state_of(body).splitlines():
        m = _ELEMENT.match(line)
        if m and text in m.group(2):
            return int(m.group(1))
    raise TargetNotFound(f"no element shows {text!r}")


def on_text(name: str, text: str, **args) -> Callable[[dict], Turn]:
    """A turn that calls `name` on the element that shows `text`."""
    return lambda body: call(name, index=index_of(body, text), **args)


class ScriptedLLM:
    def __init__(self, script: Script | None = None, *, gets: dict[str, Any] | None = None,
                 server: Callable[[dict], Turn | None] | None = None):
        self.script: Script = list(script or [])
        self.gets: dict[str, Any] = dict(gets or {})  # path -> JSON answered to GET
        self.server = server  # answers a request before the script (a real server's own checks)
        self.requests: list[dict] = []
        self.auth: list[str] = []  # the Authorization header of each request
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def set_script(self, script: Script) -> None:
        with self._lock:
            self.script = list(script)
            self.requests.clear()

    def close(self) -> None:
        self._closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ScriptedLLM:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _next_turn(self, body: dict) -> Turn:
        with self._lock:
            self.requests.append(body)
            own = self.server(body) if self.server else None
            if own is not None:
                return own
            step = self.script.pop(0) if self.script else None
        if step is None:
            return Turn(status=400, content="the script is exhausted")
        try:
            return step(body) if callable(step) else step
        except TargetNotFound as e:
            return Turn(status=400, content=str(e))

    def _handler(self):
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                answer = llm.gets.get(self.path.rstrip("/"))
                if answer is None:
                    return self._json(404, {"error": {"message": "File Not Found", "type": "not_found_error"}})
                return self._json(200, answer)

            def do_POST(self):
                if self.path == "/api/show" and "/api/show" in llm.gets:
                    return self._json(200, llm.gets["/api/show"])
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return self._json(404, {"error": {"message": "not found"}})
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                llm.auth.append(self.headers.get("authorization", ""))
                turn = llm._next_turn(body)
                if turn.hold_s:
                    llm._closing.wait(turn.hold_s)
                if turn.status != 200:
                    return self._json(turn.status, turn.error or {
                        "error": {"message": turn.content or "scripted error", "type": "scripted"}})
                try:
                    if body.get("stream"):
                        return self._stream(turn, body.get("model", ""))
                    return self._json(200, _completion(turn, body.get("model", ""), llm._ids))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the agent stopped listening (terminated, timed out)

            def _json(self, status: int, obj: dict):
                raw = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, turn: Turn, model: str):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for chunk in _chunks(turn, model, f"chatcmpl-{next(llm._ids)}"):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if turn.piece_s and llm._closing.wait(turn.piece_s):
                        return
                self.wfile.write(b"data: [DONE]\n\n")

        return Handler


def _tool_calls(turn: Turn) -> list[dict]:
    return [{"index": i, "id": f"call_{i}_{abs(hash((name, json.dumps(args)))) % 10**8}",
             "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            for i, (name, args) in enumerate(turn.tool_calls)]


def _usage(turn: Turn) -> dict:
    p, c = turn.usage or (0, 0)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _chunks(turn: Turn, model: str, cid: str):
    base = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def chunk(delta: dict, finish=None):
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant"})
    for piece in _pieces(turn.reasoning):
        yield chunk({"reasoning_content": piece})
    for piece in _pieces(turn.content):
        yield chunk({"content": piece})
    for tc in _tool_calls(turn):
        yield chunk({"tool_calls": [tc]})
    yield chunk({}, _finish(turn))
    if turn.usage is not None:
        yield {**base, "choices": [], "usage": _usage(turn)}


def _finish(turn: Turn) -> str:
    return turn.finish or ("tool_calls" if turn.tool_calls else "stop")


def _pieces(text: str, size: int = 8):
    return [text[i:i + size] for i in range(0, len(text), size)]


def _completion(turn: Turn, model: str, ids) -> dict:
    message: dict = {"role": "assistant", "content": turn.content or None}
    if turn.reasoning:
        message["reasoning_content"] = turn.reasoning
    if turn.tool_calls:
        message["tool_calls"] = [{k: v for k, v in tc.items() if k != "index"} for tc in _tool_calls(turn)]
    return {"id": f"chatcmpl-{next(ids)}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "usage": _usage(turn),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": _finish(turn)}]}
