"""Task events in the shape of Baidu Qianfan's browser-use agent stream: thoughts
(/thought/thought_agent), browser tool calls (/toolcall/browser_use), the answer
(/chat/chat_agent), and a last message with the conversation and message ids."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from openbay.protocol.tasks import TERMINAL_STATUSES, TaskEvent

from .tasks import TaskService, event_of

THOUGHT, TOOL, CHAT = "/thought/thought_agent", "/toolcall/browser_use", "/chat/chat_agent"
_TERMINAL = {s.value for s in TERMINAL_STATUSES}
PAGE = 1000
KEEPALIVE_S = 15.0  # a comment line this often when the agent is quiet, so idle proxies keep the stream
KEEPALIVE = b": keep-alive\n\n"


EARLIER_TURNS = 5
TURN_CHARS = 1000


async def conversation_so_far(repo, owner_id: str, session_id: str) -> str | None:
    """The earlier turns of a conversation, for the agent to read with the new query."""
    turns = await repo.turns(owner_id, session_id, EARLIER_TURNS)
    if not turns:
        return None
    lines = ["Earlier in this conversation (oldest first):"]
    for task, result, status in turns:
        lines.append(f"User: {task[:TURN_CHARS]}")
        lines.append(f"Agent: {(result or f'(no answer: the task {status})')[:TURN_CHARS]}")
    return "\n".join(lines)


def sse(obj: dict, event_id: int | None = None, event: str | None = None) -> bytes:
    """One Server-Sent Event; `event_id` is what a reconnecting client sends back as Last-Event-ID."""
    head = (f"id: {event_id}\n" if event_id is not None else "") + (f"event: {event}\n" if event else "")
    return f"{head}data: {json.dumps(obj, ensure_ascii=False)}\n\n".encode()


def last_event_id(header: str | None, after_seq: int) -> int:
    """Where a (re)connecting SSE client resumes: its Last-Event-ID header, else after_seq."""
    header = (header or "").strip()
    return int(header) if header.isdigit() else after_seq


async def follow(tasks: TaskService, task_id: str, after: int = 0) -> AsyncIterator[TaskEvent | None]:
    """Every event of the task after seq `after`, in order, until its end, and None after each
    KEEPALIVE_S without one. The store is the source (events are committed before they are
    published); the bus only says when to look again."""
    runner, last = tasks.runner, after
    wake = runner.bus.subscribe(task_id)
    try:
        while True:
            rows = await tasks.repo.events(task_id, last, PAGE)
            for row in rows:
                event = event_of(row)
                last = event.seq
                yield event
                if event.type == "status" and event.payload.get("status") in _TERMINAL:
                    return
            if len(rows) == PAGE:
                continue
            if not await tasks.is_active(task_id):
                if not rows:
                    return  # ended, and the store has nothing more
                continue
            try:
                await asyncio.wait_for(wake.get(), KEEPALIVE_S)
            except TimeoutError:
                yield None
    finally:
        runner.bus.unsubscribe(task_id, wake)


ANSWER_CHUNK = 64  # characters of the answer per message: it streams in pieces, as Qianfan's does


def chunks(text: str, size: int = ANSWER_CHUNK) -> list[str]:
    """The text in pieces of about `size` characters, cut after a space where one is near."""
    out = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size) + 1 or size
        out.append(text[:cut])
        text = text[cut:]
    return out + [text]


class QianfanStream:
    """Turns one task's events into Qianfan messages. `screenshot_url(step)` is a signed URL of
    a step's screenshot (None: no screenshots); `browser_url` is where a person can watch the
    session's browser, given with the first tool call (its "preparing" message)."""

    def __init__(self, conversation_id: str, task_id: str, screenshot_url=None, browser_url: str = ""):
        self.conversation_id = conversation_id
        self.task_id = task_id
        self.screenshot_url = screenshot_url
        self.browser_url = browser_url
        self._ids: dict[tuple, str] = {}
        self._thought: dict[int, str] = {}  # step -> what the model said it was about to do
        self._args: dict[str, dict] = {}  # tool call id -> its arguments, for its result

    def _id(self, key: tuple) -> str:
        """An event's id: the same for all messages of one event, unique in the conversation
        (the run's task id, then a counter)."""
        return self._ids.setdefault(key, f"{self.task_id}.{len(self._ids) + 1}")

    def _message(self, role: str, name: str, type: str, text: dict, key: tuple, status: str) -> dict:
        return {"role": role, "status": "running", "content": [{
            "name": name, "type": type, "text": text,
            "event": {"id": self._id(key), "status": status, "name": name}}]}

    def replay(self, events: list[TaskEvent]) -> None:
        """Take in events a client already has (it reconnected), so later messages keep their ids."""
        for e in events:
            self.messages(e)

    def messages(self, e: TaskEvent) -> list[dict]:
        p, step = e.payload, e.payload.get("step", 0)
        if e.type in ("reasoning", "content"):
            self._thought[step] = self._thought.get(step, "") + p.get("content", "")
            return [self._message("assistant", THOUGHT, "text", {"info": p.get("content", "")},
                                  (THOUGHT, step), "running")]
        if e.type == "tool_call":
            return [self._tool_call(p, step)]
        if e.type == "tool_result" and p.get("name") != "done":
            return [self._tool_result(p, step)]
        if e.type == "answer":
            return [self._message("assistant", CHAT, "text", {"info": piece}, (CHAT,), "running")
                    for piece in chunks(p.get("content", ""))]
        if e.type == "call_for_user":
            return [self._message("assistant", CHAT, "call_for_user",
                                  {"info": p.get("content", ""), "task_id": e.task_id,
                                   "reply_url": f"/v1/tasks/{e.task_id}/reply"}, (CHAT, "ask", e.seq), "waiting")]
        if e.type == "error":
            return [self._message("assistant", CHAT, "error", {"info": p.get("message", ""),
                                                               "fatal": bool(p.get("fatal"))},
                                  (CHAT, "error", e.seq), "error")]
        if e.type == "status" and p.get("status") in _TERMINAL:
            return [self.final(e)]
        return []

    def _thinking(self, step: int) -> dict:
        goal = self._thought.get(step, "").strip()
        return {"next_goal": goal[:1000]} if goal else {}

    def _screenshot(self, step: int) -> dict:
        if not (self.screenshot_url and step):
            return {}
        return {"url": self.screenshot_url(step), "file_id": f"{self.task_id}.{step}"}

    def _tool_call(self, p: dict, step: int) -> dict:
        name, args = p.get("name", ""), p.get("args") or {}
        key = (TOOL, step, p.get("id"))
        self._args[str(p.get("id"))] = args
        if name == "done":
            action = {"done": {"text": args.get("text", ""), "success": args.get("success", True) is not False}}
            return {"role": "tool", "status": "running", "content": [{
                "name": TOOL, "type": "browser", "text": {"status": "success", "action": [action]},
                "event": {"id": self._id(key), "status": "done", "name": TOOL}}]}
        text: dict[str, Any] = {"status": "preparing", "thought": self._thinking(step), "action": [{name: args}]}
        if self.browser_url:
            text["browser_url"], self.browser_url = self.browser_url, ""  # once, with the first call
        return self._message("tool", TOOL, "browser", text, key, "preparing")

    def _tool_result(self, p: dict, step: int) -> dict:
        name = p.get("name", "")
        text = {"status": "success" if p.get("ok") else "failed", "thought": self._thinking(step),
                "action": [{name: self._args.get(str(p.get("id")), {})}],
                "result": str(p.get("output", ""))[:2000], "screenshot": self._screenshot(step)}
        return self._message("tool", TOOL, "browser", text, (TOOL, step, p.get("id")), "running")

    def final(self, e: TaskEvent) -> dict:
        status = e.payload.get("status", "")
        out: dict[str, Any] = {"role": "tool", "status": "done", "content": [],
                               "conversation_id": self.conversation_id, "end_user_id": "",
                               "message_id": f"{e.task_id}.{e.seq}", "task_id": e.task_id, "task_status": status}
        if status != "finished":
            out["error"] = {"code": f"task_{status}", "message": e.payload.get("error_message", "")}
        return out
