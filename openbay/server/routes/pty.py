"""A terminal in the session: a WebSocket bridged to a shell on a pseudo-terminal (envd's `pty` op).

Client → server: binary messages are keystrokes; text messages are JSON,
{"type": "resize", "cols": C, "rows": R} or {"type": "input", "data": "text"}.
Server → client: binary messages are what the terminal shows; one text message
{"type": "exit", "exit_code": N} when the shell has exited (then the socket closes).
"""
import json

from fastapi import APIRouter, WebSocket

from openbay.sandbox import EnvdError
from openbay.sandbox.envd import wire
from openbay.sandbox.envd.channel import MAX_MESSAGE, EnvdChannel, open_channel

from ..errors import ApiError
from ..wiring import services
from ..ws_bridge import pump_both_ways
from .browser import POLICY_VIOLATION, websocket_principal
from .live_view import PAGE_PURPOSE

router = APIRouter(include_in_schema=False)
MAX_DIMENSION = 1000


class PtyChannel(EnvdChannel):
    """The envd channel of a terminal: BYTES messages are output, a JSON frame says the exit."""

    async def recv_any(self) -> tuple[bytes, bytes] | None:
        try:
            return await wire.read_message(self._reader, MAX_MESSAGE)
        except (wire.WireError, ConnectionError):
            return None

    async def send_json(self, obj: dict) -> None:
        self._writer.write(wire.encode_json(obj))
        await self._writer.drain()


def _dimension(raw: str, default: int) -> int | None:
    if not raw:
        return default
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_DIMENSION else None


@router.websocket("/v1/sessions/{session_id}/pty")
async def pty_socket(ws: WebSocket, session_id: str, token: str = ""):
    """Query: cols, rows (the terminal's size), cwd (default /home/user)."""
    who = await websocket_principal(ws, session_id, token, PAGE_PURPOSE)
    if who is None:
        await ws.close(code=POLICY_VIOLATION, reason="a session link token, an API key or a console sign-in is needed")
        return
    cols = _dimension(ws.query_params.get("cols", ""), 80)
    rows = _dimension(ws.query_params.get("rows", ""), 24)
    if cols is None or rows is None:
        await ws.close(code=POLICY_VIOLATION, reason=f"cols and rows are whole numbers from 1 to {MAX_DIMENSION}")
        return
    sessions = services(ws).sessions
    try:
        sandbox = await sessions.require_running(who, session_id)
        request = {"op": "pty", "cols": cols, "rows": rows, "cwd": ws.query_params.get("cwd", "") or None}
        opened = await open_channel(sandbox.envd, request)
    except EnvdError as e:
        await ws.close(code=POLICY_VIOLATION, reason=f"the terminal did not start: {e}"[:120])
        return
    except ApiError as e:  # the session is not this owner's, or has ended
        await ws.close(code=POLICY_VIOLATION, reason=e.message[:120])
        return
    channel = PtyChannel(opened._reader, opened._writer)
    await ws.accept()

    async def to_terminal():
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            sessions.sandbox(who, session_id)  # someone typing keeps the session alive
            if msg.get("bytes") is not None:
                await channel.send(msg["bytes"])
                continue
            try:
                control = json.loads(msg.get("text") or "")
            except ValueError:
                continue
            if not isinstance(control, dict):
                continue
            if control.get("type") == "input" and isinstance(control.get("data"), str):
                await channel.send(control["data"].encode())
            elif control.get("type") == "resize":
                c, r = control.get("cols"), control.get("rows")
                if all(isinstance(v, int) and 1 <= v <= MAX_DIMENSION for v in (c, r)):
                    await channel.send_json({"resize": {"cols": c, "rows": r}})

    async def to_viewer():
        while (frame := await channel.recv_any()) is not None:
            kind, payload = frame
            if kind == wire.BYTES:
                await ws.send_bytes(payload)
            else:
                await ws.send_text(json.dumps(wire.decode_json(kind, payload)))
                return

    await pump_both_ways(ws, channel, (to_terminal, to_viewer))
