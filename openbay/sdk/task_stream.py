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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
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


def run_blocking(base_url: str, headers: dict, task_id: str, d: EventDispatcher,
                 stop: Callable[[], bool] = lambda: False) -> None:
    retry = Reconnects(d)
    while not d.ended and not stop():
        why: object = "the server closed the stream before the task ended"
        try:
            with sync_connect(stream_url(base_url, task_id, d.last_seq), additional_headers=headers,
                              open_timeout=15, max_size=2**24) as ws:
                for raw in ws:
                    event = d.accept(raw)
                    fn = d.callback(event) if event else None
                    if event is not None and fn is not None:
                        answer = d.reply(event, _safe_call(fn, event))
                        if answer:
                            ws.send(answer)
                    if d.ended or stop():
                        return
        except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as e:
            if (reason := _refused(e)) is not None:
                d.error = d.error or reason
                return
            why = e
        if d.ended or (pause := retry.delay(why)) is None:
            return
        time.sleep(pause)


async def run_async(base_url: str, headers: dict, task_id: str, d: EventDispatcher) -> None:
    retry = Reconnects(d)
    while not d.ended:
        why: object = "the server closed the stream before the task ended"
        try:
            async with async_connect(stream_url(base_url, task_id, d.last_seq), additional_headers=headers,
                                     open_timeout=15, max_size=2**24) as ws:
                async for raw in ws:
                    event = d.accept(raw)
                    fn = d.callback(event) if event else None
                    if event is not None and fn is not None:
                        try:
                            answer = await settle(_safe_call(fn, event))
                        except Exception:  # raised by the coroutine a coroutine function gave
                            log.exception("on_%s callback failed", event.type)
                            answer = None
                        if (msg := d.reply(event, answer)) is not None:
                            await ws.send(msg)
                    if d.ended:
                        return
        except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as e:
            if (reason := _refused(e)) is not None:
                d.error = d.error or reason
                return
            why = e
        if d.ended or (pause := retry.delay(why)) is None:
            return
        await asyncio.sleep(pause)


__all__ = ["AgentEvent", "EventDispatcher", "run_blocking", "run_async"]
