"""A long-lived, two-way message channel to an envd op (the browser's `cdp` op).

envd answers the opening request with one JSON frame ({"ok": true} or an error);
after that each message either way is raw bytes (wire.encode_message).
"""
import asyncio

from . import wire
from .client import EnvdClient, EnvdError, read_answer

MAX_MESSAGE = 256 * 1024 * 1024


class EnvdChannel:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader, self._writer = reader, writer

    async def send(self, message: bytes) -> None:
        self._writer.write(wire.encode_message(message))
        await self._writer.drain()

    async def recv(self) -> bytes | None:
        """The next message, or None once envd ended the channel."""
        try:
            frame = await wire.read_message(self._reader, MAX_MESSAGE)
        except (wire.WireError, ConnectionError):
            return None
        if frame is None or frame[0] != wire.BYTES:
            return None
        return frame[1]

    async def close(self) -> None:
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def open_channel(envd: EnvdClient, request: dict, first: bytes = b"") -> EnvdChannel:
    """Open the op's channel; `first` is a message sent with the request, without waiting for
    the answer (saves a round trip; envd drops it when it answers with an error)."""
    reader, writer = await envd.open()
    try:
        writer.write(wire.encode_json(request) + (wire.encode_message(first) if first else b""))
        await writer.drain()
        await read_answer(reader)
    except ConnectionError as e:
        writer.close()
        raise EnvdError(f"sandbox connection broke: {e}") from None
    except BaseException:
        writer.close()
        raise
    return EnvdChannel(reader, writer)
