"""Mate's WebSocketClient, as its TaskRunner takes it. OpenBay's TaskRunner follows a task over
OpenBay's own event WebSocket (/v1/tasks/{id}/events, resumable), so this object only carries
the connection settings and handlers a Mate program sets; Mate's raw wire protocol (start,
plan, input, rich messages sent by hand) is not spoken: use TaskRunner."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import WebSocketError


class MessageType:
    START = "start"
    TEXT = "text"
    PLAN = "plan"
    INPUT = "input"
    RICH = "rich"
    TASK_RESULT = "task_result"
    PROGRESS = "progress"
    WARNING = "warning"
    ERROR = "error"
    PING = "ping"
    PONG = "pong"
    STOP = "stop"
    PAUSE = "pause"


class WebSocketClient:
    def __init__(self, base_url: str, api_key: str = "", session_id: str = "", heartbeat_interval: int = 30,
                 jwt_token: str = ""):
        self.base_url, self.api_key, self.jwt_token = base_url, api_key, jwt_token
        self.session_id, self.heartbeat_interval = session_id, heartbeat_interval
        self.connected = False
        self.handlers: dict[str, Callable[..., Any] | None] = {}

    def set_message_handler(self, fn: Callable[[dict], Any]) -> None:
        self.handlers["message"] = fn

    def set_connect_handler(self, fn: Callable[[], Any]) -> None:
        self.handlers["connect"] = fn

    def set_disconnect_handler(self, fn: Callable[[], Any]) -> None:
        self.handlers["disconnect"] = fn

    def set_error_handler(self, fn: Callable[[Exception], Any]) -> None:
        self.handlers["error"] = fn

    @staticmethod
    def get_message_type(message: dict) -> str:
        return message.get("type", "")

    def _raw(self, *_: Any) -> None:
        raise WebSocketError("OpenBay does not speak Mate's raw WebSocket protocol; run tasks with "
                             "create_task_runner(ws_client, client, session_info).run_task(...)")

    connect = send_message = send_stop = send_pause = _raw

    def disconnect(self) -> None:
        self.connected = False
