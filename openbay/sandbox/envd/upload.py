"""Host side of envd's upload ops (fs.write, fs.untar): a request, then a byte stream."""
from collections.abc import AsyncIterator

from . import wire
from .client import EnvdClient, read_answer

UPLOAD_FRAME = 4 * 1024 * 1024


async def upload(envd: EnvdClient, request: dict, chunks: AsyncIterator[bytes]) -> dict:
    """Send `request`, wait for envd's `ready` (a bad target fails before any data
    moves), stream `chunks` as BYTES frames and return the answer. If `chunks`
    raises, the connection drops without the end frame and envd keeps nothing."""
    reader, writer = await envd.open()
    wire.widen_send_buffer(writer)
    try:
        writer.write(wire.encode_json(request))
        await writer.drain()
        await read_answer(reader)
        try:
            async for chunk in chunks:
                for i in range(0, len(chunk), UPLOAD_FRAME):
                    piece = chunk[i:i + UPLOAD_FRAME]  # the whole chunk, uncopied, when it fits
                    # header and payload as they are (a loop with writev sends both without joining them)
                    writer.writelines((wire.frame_header(wire.BYTES, len(piece)), piece))
                await writer.drain()
            writer.write(wire.encode_json({"end": True}))
            await writer.drain()
        except ConnectionError:
            pass  # envd stopped reading: its answer says why
        return await read_answer(reader)
    finally:
        writer.close()
