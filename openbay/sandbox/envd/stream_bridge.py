"""One byte stream inside the sandbox (a TCP or a socketpair connection) carried over an
envd connection: each BYTES message either way is a piece of the stream. Used by the ops
that hand the server a raw stream (`vnc`, `port`). Standard library only."""
import asyncio

import wire

READ_CHUNK = 256 * 1024


async def bridge_stream(reader: asyncio.StreamReader, reply, peer_reader: asyncio.StreamReader,
                        peer_writer: asyncio.StreamWriter, max_message: int) -> None:
    """Copy both ways until either side ends, then close the peer."""
    out = reply._writer

    async def to_server() -> None:
        while chunk := await peer_reader.read(READ_CHUNK):
            out.write(wire.encode_message(chunk))
            await out.drain()

    async def to_peer() -> None:
        while True:
            frame = await wire.read_message(reader, max_message)
            if frame is None:
                return
            if frame[0] != wire.BYTES:
                raise ValueError("a stream connection carries its bytes as BYTES messages")
            peer_writer.write(frame[1])
            await peer_writer.drain()

    tasks = [asyncio.ensure_future(to_server()), asyncio.ensure_future(to_peer())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        peer_writer.close()
