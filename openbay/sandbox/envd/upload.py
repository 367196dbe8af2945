"""Host side of envd's upload ops (fs.write, fs.untar): a request, then a byte stream."""
import asyncio
from collections.abc import AsyncIterator

from . import wire
from .client import EnvdClient, EnvdError

UPLOAD_FRAME = 4 * 1024 * 1024


async def _answer(reader: asyncio.StreamReader) -> dict:
    try:
        frame = await wire.read_frame(reader)
    except (wire.WireError, ConnectionError) as e:
        raise EnvdError(f"sandbox connection broke: {e}") from None
    if frame is None:
        raise EnvdError("sandbox closed the connection without an answer")
    obj = wire.decode_json(*frame)
    if "error" in obj:
        raise EnvdError(obj.get("message", "envd error"), obj["error"])
    return obj


async def upload(envd: EnvdClient, request: dict, chunks: AsyncIterator[bytes]) -> dict:
    """Send `request`, wait for envd's `ready` (a bad target fails before any data
    moves), stream `chunks` as BYTES frames and return the answer. If `chunks`
    raises, the connection drops without the end frame and envd keeps nothing."""
    try:
        reader, writer = await envd._connect()
    except OSError as e:
        raise EnvdError(f"sandbox is not reachable: {e}") from None
    wire.widen_send_buffer(writer)
    try:
        writer.write(wire.encode_json(request))
        await writer.drain()
        await _answer(reader)
        try:
            async for chunk in chunks:
                for i in range(0, len(chunk), UPLOAD_FRAME):
                    writer.write(wire.encode(wire.BYTES, chunk[i:i + UPLOAD_FRAME]))
                await writer.drain()
            writer.write(wire.encode_json({"end": True}))
            await writer.drain()
        except ConnectionError:
            pass  # envd stopped reading: its answer says why
        return await _answer(reader)
    finally:
        writer.close()
