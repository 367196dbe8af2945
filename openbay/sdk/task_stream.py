"""The task event WebSocket, for both clients: one EventDispatcher holds the logic
(order, resume point, which callback, replies to call_for_user); a blocking
driver and an asyncio driver only move messages. A dropped connection is
resumed from the last sequence number seen, so no event is lost or repeated, and it is
reopened for up to RECONNECT_WINDOW_S, so a stream outlives a server restart."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection as AsyncConnection
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection as SyncConnection
from websockets.sync.client import connect as sync_connect

from openbay.protocol.tasks import TERMINAL_STATUS_NAMES

from .callbacks import settle

log = logging.getLogger("openbay.sdk")
TERMINAL = TERMINAL_STATUS_NAMES
# a dropped stream is reopened (from the last event seen) for this long, e.g. across a server restart
RECONNECT_WINDOW_S = 120.0
RECONNECT_BACKOFF_S = 0.2
MAX_BACKOFF_S = 2.0


@dataclass
class AgentEvent:
    """One event of a task: reasoning, content, tool_call, tool_result, error, call_for_user, status."""
    type: str
    seq: int
    task_id: str
    timestamp: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> str:
        p = self.payload
        if self.type == "tool_call":
            return f"{p.get('name')}({json.dumps(p.get('args', {}), ensure_ascii=False)})"
        if self.type == "tool_result":
            return p.get("output", "")
        if self.type in ("error",):
            return p.get("message", "")
        if self.type == "status":
            return p.get("status", "")
        return p.get("content", "")

    @classmethod
    def from_wire(cls, msg: dict) -> AgentEvent:
        ts = msg.get("timestamp")
        return cls(type=msg["type"], seq=int(msg["seq"]), task_id=msg.get("task_id", ""),
                   timestamp=datetime.fromisoformat(ts) if ts else None, payload=msg.get("payload") or {})


class EventDispatcher:
    def __init__(self, callbacks: dict[str, Callable | None]):
        self.callbacks = {k: v for k, v in callbacks.items() if v is not None}
        self.last_seq = 0
        self.final_status: str | None = None
        self.error: str = ""  # the server refused the stream
        self.events: list[AgentEvent] = []

    @property
    def ended(self) -> bool:
        return self.final_status is not None or bool(self.error)

    def accept(self, raw: str | bytes) -> AgentEvent | None:
        """A new event from a message, or None (a duplicate, an ack, an error)."""
        msg = json.loads(raw)
        if msg.get("type") == "error" and "seq" not in msg:  # the server refused (an event has a seq)
            self.error = (msg.get("error") or {}).get("message", "stream refused")
            return None
        if "seq" not in msg or int(msg["seq"]) <= self.last_seq:
            return None
        event = AgentEvent.from_wire(msg)
        self.last_seq = event.seq
        self.events.append(event)
        if event.type == "status" and event.payload.get("status") in TERMINAL:
            self.final_status = event.payload["status"]
        return event

    def callback(self, event: AgentEvent) -> Callable | None:
        return self.callbacks.get(f"on_{event.type}")

    @staticmethod
    def reply(event: AgentEvent, answer: Any) -> str | None:
        """The message that answers a call_for_user, if the callback gave an answer."""
        if event.type != "call_for_user" or answer is None:
            return None
        return json.dumps({"type": "reply", "content": str(answer)})


def stream_url(base_url: str, task_id: str, after_seq: int) -> str:
    ws_base = "ws" + base_url[len("http"):] if base_url.startswith("http") else base_url
    return f"{ws_base}/v1/tasks/{quote(task_id)}/events?after_seq={after_seq}"


def _refused(e: Exception) -> str | None:
    """A close the server meant (4xxx: refused), as opposed to a dropped connection."""
    if isinstance(e, ConnectionClosed) and e.rcvd is not None and 4000 <= e.rcvd.code < 5000:
        return e.rcvd.reason or f"refused ({e.rcvd.code})"
    if isinstance(e, InvalidStatus):
        return f"refused with HTTP {e.response.status_code}"
    return None


def _safe_call(fn: Callable[[AgentEvent], object], event: AgentEvent) -> object:
    try:
        return fn(event)
    except Exception:  # a broken callback must not stop the stream
        log.exception("on_%s callback failed", event.type)
        return None


STREAM_ERRORS = (OSError, ConnectionClosed, InvalidHandshake, TimeoutError)  # a dropped stream


class Reconnects:
    """When to reopen a dropped stream: after a growing pause, for up to RECONNECT_WINDOW_S
    without a new event (long enough for a server to restart)."""

    def __init__(self, d: EventDispatcher):
        self.d, self.failures, self.since, self.seen = d, 0, 0.0, d.last_seq

    def delay(self, why: object) -> float | None:
        """Seconds to wait before the next attempt; None (and the dispatcher's error set) to give up."""
        now = time.monotonic()
        if self.d.last_seq > self.seen or not self.since:  # progress: a fresh window
            self.failures, self.since, self.seen = 0, now, self.d.last_seq
        self.failures += 1
        if now - self.since > RECONNECT_WINDOW_S:
            self.d.error = self.d.error or f"event stream lost: {why}"
            return None
        return min(RECONNECT_BACKOFF_S * self.failures, MAX_BACKOFF_S)


def _stream(url_after: Callable[[int], str], d: EventDispatcher, stop: Callable[[], bool]) -> Generator:
    """The stream's logic, once for both clients: what to do next, as steps a runner performs,
    ("open", url), ("recv",) -> a message or None at a clean close, ("call", fn, event) -> the
    callback's answer, ("send", message), ("close",), ("sleep", seconds); a runner's
    connection error comes back into it as the exception."""
    retry = Reconnects(d)
    while not d.ended and not stop():
        why: object = "the server closed the stream before the task ended"
        try:
            yield ("open", url_after(d.last_seq))
            while (raw := (yield ("recv",))) is not None:
                event = d.accept(raw)
                fn = d.callback(event) if event else None
                if event is not None and fn is not None:
                    if (msg := d.reply(event, (yield ("call", fn, event)))) is not None:
                        yield ("send", msg)
                if d.ended or stop():
                    return
            yield ("close",)
        except STREAM_ERRORS as e:
            if (reason := _refused(e)) is not None:
                d.error = d.error or reason
                return
            why = e
        if d.ended or (pause := retry.delay(why)) is None:
            return
        yield ("sleep", pause)


def _advance(steps: Generator, answer: Any, error: Exception | None) -> tuple | None:
    """The stream's next step, given the last one's answer or error; None once it ended."""
    try:
        return steps.throw(error) if error is not None else steps.send(answer)
    except StopIteration:
        return None


class _BlockingSteps:
    """Performs the stream's steps with the blocking WebSocket client."""

    def __init__(self, headers: dict):
        self.headers = headers
        self.ws: SyncConnection | None = None

    def _open(self) -> SyncConnection:
        if self.ws is None:
            raise ConnectionError("the event stream is not open")
        return self.ws

    def open(self, url: str) -> None:
        # entered as its context manager says (close() is its exit): websockets warns otherwise
        self.ws = sync_connect(url, additional_headers=self.headers, open_timeout=15, max_size=2**24).__enter__()

    def recv(self) -> str | bytes | None:
        try:
            return self._open().recv()
        except ConnectionClosedOK:
            return None

    def call(self, fn: Callable, event: AgentEvent) -> object:
        return _safe_call(fn, event)

    def send(self, message: str) -> None:
        self._open().send(message)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            ws.close()


class _AsyncSteps:
    """Performs the stream's steps with the asyncio WebSocket client."""

    def __init__(self, headers: dict):
        self.headers = headers
        self.ws: AsyncConnection | None = None

    def _open(self) -> AsyncConnection:
        if self.ws is None:
            raise ConnectionError("the event stream is not open")
        return self.ws

    async def open(self, url: str) -> None:
        self.ws = await async_connect(url, additional_headers=self.headers, open_timeout=15, max_size=2**24)

    async def recv(self) -> str | bytes | None:
        try:
            return await self._open().recv()
        except ConnectionClosedOK:
            return None

    async def call(self, fn: Callable, event: AgentEvent) -> object:
        try:
            return await settle(_safe_call(fn, event))
        except Exception:  # raised by the coroutine a coroutine function gave
            log.exception("on_%s callback failed", event.type)
            return None

    async def send(self, message: str) -> None:
        await self._open().send(message)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            await ws.close()


def run_blocking(base_url: str, headers: dict, task_id: str, d: EventDispatcher,
                 stop: Callable[[], bool] = lambda: False) -> None:
    steps, io = _stream(lambda seq: stream_url(base_url, task_id, seq), d, stop), _BlockingSteps(headers)
    answer, error = None, None
    try:
        while (step := _advance(steps, answer, error)) is not None:
            try:
                answer, error = getattr(io, step[0])(*step[1:]), None
            except STREAM_ERRORS as e:
                io.close()
                answer, error = None, e
    finally:
        io.close()


async def run_async(base_url: str, headers: dict, task_id: str, d: EventDispatcher) -> None:
    steps, io = _stream(lambda seq: stream_url(base_url, task_id, seq), d, lambda: False), _AsyncSteps(headers)
    answer, error = None, None
    try:
        while (step := _advance(steps, answer, error)) is not None:
            try:
                answer, error = await getattr(io, step[0])(*step[1:]), None
            except STREAM_ERRORS as e:
                await io.close()
                answer, error = None, e
    finally:
        await io.close()


__all__ = ["AgentEvent", "EventDispatcher", "run_blocking", "run_async"]
