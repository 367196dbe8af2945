"""A WebSocket to a port inside a session, spoken over an envd `port` channel.

The client's WebSocket ends at the server (ASGI hands it over as messages), so the server
opens a second one to the app with websockets' sans-I/O client and copies messages between
them. Pings from the app are answered by the protocol object itself.
"""
from __future__ import annotations

from fastapi import WebSocket
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from openbay.sandbox.envd.channel import EnvdChannel

from .port_proxy import UpstreamError
from .ws_bridge import pump_both_ways

MAX_MESSAGE = 64 * 1024 * 1024


class UpstreamSocket:
    def __init__(self, channel: EnvdChannel, port: int, target: str, subprotocols: list[str]):
        self.channel = channel
        self.proto = ClientProtocol(parse_uri(f"ws://localhost:{port}{target}"), max_size=MAX_MESSAGE,
                                    subprotocols=[Subprotocol(s) for s in subprotocols] or None)
        self._pending: list = []

    async def flush(self) -> None:
        for data in self.proto.data_to_send():
            if data:
                await self.channel.send(data)

    async def handshake(self, headers: list[tuple[str, str]]) -> str | None:
        """Open the app's WebSocket; the subprotocol it chose."""
        request = self.proto.connect()
        for name, value in headers:
            request.headers[name] = value
        self.proto.send_request(request)
        await self.flush()
        while not self._pending:
            data = await self.channel.recv()
            if data is None:
                raise UpstreamError("the app closed the connection during the WebSocket handshake")
            self.proto.receive_data(data)
            self._pending = self.proto.events_received()
        response = self._pending.pop(0)
        if self.proto.handshake_exc is not None or not isinstance(response, Response):
            raise UpstreamError(f"the app refused the WebSocket: {self.proto.handshake_exc}")
        return response.headers.get("Sec-WebSocket-Protocol")

    async def frames(self):
        """Frames from the app until it closes."""
        while True:
            while self._pending:
                yield self._pending.pop(0)
            data = await self.channel.recv()
            if data is None:
                return
            self.proto.receive_data(data)
            await self.flush()  # pongs and the answer to a close
            self._pending = self.proto.events_received()


async def bridge(ws: WebSocket, upstream: UpstreamSocket, on_message=None) -> None:
    """Copy whole messages both ways until either side ends."""
    proto = upstream.proto

    async def to_app():
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                proto.send_close(1000)
                await upstream.flush()
                return
            if on_message is not None:
                on_message()
            if msg.get("text") is not None:
                proto.send_text(msg["text"].encode())
            else:
                proto.send_binary(msg.get("bytes") or b"")
            await upstream.flush()

    async def to_client():
        parts: list[bytes] = []
        kind = Opcode.TEXT
        async for frame in upstream.frames():
            if not isinstance(frame, Frame):
                continue
            if frame.opcode == Opcode.CLOSE:
                return
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                kind, parts = frame.opcode, [frame.data]
            elif frame.opcode == Opcode.CONT:
                parts.append(frame.data)
            else:
                continue  # ping and pong
            if frame.fin:
                data = b"".join(parts)
                parts = []
                if kind == Opcode.TEXT:
                    await ws.send_text(data.decode())
                else:
                    await ws.send_bytes(data)

    await pump_both_ways(ws, upstream.channel, (to_app, to_client))
