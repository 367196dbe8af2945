"""The `port` op: one TCP connection to a port inside the sandbox, carried over the envd socket.

The server's signed links reach a session's web servers this way, never through the host
network. envd answers {"ok": true} once the connection is up, or an error with code
`port_closed` when nothing listens there; then each BYTES message either way is a piece of
the TCP stream. With "ok_with_answer" the request comes with the op and "ok" waits for the
app's first bytes. Standard library only.
"""
import asyncio
import socket

import wire
from stream_bridge import READ_CHUNK, bridge_stream

MAX_MESSAGE = 16 * 1024 * 1024
BUFFER = 1024 * 1024  # reads of this size keep a large download from ping-ponging


async def handle_port(req: dict, reader, reply) -> None:
    port = req.get("port")
    if type(port) is not int or not 1 <= port <= 65535:
        await reply.json({"error": "bad_request", "message": "port must be a whole number from 1 to 65535"})
        return
    try:
        peer_reader, peer_writer = await asyncio.open_connection("127.0.0.1", port, limit=BUFFER)
    except OSError as e:
        await reply.json({"error": "port_closed",
                          "message": f"nothing listens on port {port} inside the session ({e.strerror or e})"})
        return
    sock = peer_writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if req.get("ok_with_answer"):
        if not await _answer_first(reader, reply, peer_reader, peer_writer):
            return
    else:
        await reply.json({"ok": True})
    await bridge_stream(reader, reply, peer_reader, peer_writer, MAX_MESSAGE)


async def _answer_first(reader, reply, peer_reader, peer_writer) -> bool:
    """The request came with the op: pass it on, and send "ok" in one write with the app's
    first bytes (the server then wakes once, not twice, per proxied request)."""
    frame = await wire.read_message(reader, MAX_MESSAGE)
    if frame is None or frame[0] != wire.BYTES:
        raise ValueError("ok_with_answer needs the request as the next BYTES message")
    peer_writer.write(frame[1])
    await peer_writer.drain()
    first = await peer_reader.read(READ_CHUNK)
    reply._writer.write(wire.encode_json({"ok": True}) + (wire.encode_message(first) if first else b""))
    await reply._writer.drain()
    if not first:  # the app closed without an answer: the server sees the end after "ok"
        peer_writer.close()
    return bool(first)


HANDLERS = {"port": handle_port}
