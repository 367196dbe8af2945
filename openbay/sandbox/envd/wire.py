"""Frames on the envd socket: 4-byte big-endian length, 1 kind byte, payload.

Kind b"J" carries one JSON object, kind b"B" raw bytes (file data), so large
payloads move without base64. Standard library only (runs inside the sandbox).
"""
import asyncio
import json
import socket
import struct

JSON = b"J"
BYTES = b"B"
MORE = b"M"  # a piece of a message too big for one frame; the next frames continue it
MAX_FRAME = 8 * 1024 * 1024
# the StreamReader limit on envd connections: a frame of file data buffers whole instead of
# the socket pausing and resuming every 128 KiB (the default limit is 64 KiB)
READ_LIMIT = 4 * 1024 * 1024
_HEADER = struct.Struct(">Ic")


class WireError(Exception):
    """The peer sent something that is not a frame."""


def frame_header(kind: bytes, size: int) -> bytes:
    """The header of a frame whose `size` bytes of payload follow it separately."""
    return _HEADER.pack(size, kind)


def encode(kind: bytes, payload: bytes) -> bytes:
    return _HEADER.pack(len(payload), kind) + payload


def encode_json(obj: dict) -> bytes:
    return encode(JSON, json.dumps(obj, separators=(",", ":")).encode())


async def read_frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One (kind, payload), or None at a clean end of stream."""
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            return None
        raise WireError("stream ended inside a frame header") from None
    size, kind = _HEADER.unpack(header)
    if size > MAX_FRAME or kind not in (JSON, BYTES, MORE):
        raise WireError(f"bad frame: kind {kind!r}, {size} bytes")
    try:
        payload = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        raise WireError("stream ended inside a frame") from None
    return kind, payload


def encode_message(payload: bytes) -> bytes:
    """Raw bytes of any size as MORE frames ending in one BYTES frame."""
    pieces = [payload[i:i + MAX_FRAME] for i in range(0, len(payload), MAX_FRAME)] or [b""]
    return b"".join(encode(MORE, p) for p in pieces[:-1]) + encode(BYTES, pieces[-1])


async def read_message(reader: asyncio.StreamReader, limit: int) -> tuple[bytes, bytes] | None:
    """The next JSON frame, or the next whole BYTES message (joined from its MORE frames)."""
    parts: list[bytes] = []
    size = 0
    while True:
        frame = await read_frame(reader)
        if frame is None:
            if parts:
                raise WireError("stream ended inside a message")
            return None
        kind, payload = frame
        if kind == JSON and not parts:
            return frame
        size += len(payload)
        if size > limit:
            raise WireError(f"message over {limit} bytes")
        parts.append(payload)
        if kind == BYTES:
            return BYTES, b"".join(parts)
        if kind != MORE:
            raise WireError("a JSON frame inside a split message")


def widen_send_buffer(writer: asyncio.StreamWriter, size: int = 4 * 1024 * 1024) -> None:
    """Let more bytes be in flight: with the default (about 200 KB) a large transfer
    ping-pongs between the two processes and runs several times slower."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        except OSError:
            pass


def decode_json(kind: bytes, payload: bytes) -> dict:
    if kind != JSON:
        raise WireError("expected a JSON frame")
    obj = json.loads(payload)
    if not isinstance(obj, dict):
        raise WireError("a JSON frame must hold an object")
    return obj
