"""The `port` op: one TCP connection to a port inside the sandbox, carried over the envd socket.

The server's signed links reach a session's web servers this way, never through the host
network. envd answers {"ok": true} once the connection is up, or an error with code
`port_closed` when nothing listens there; then each BYTES message either way is a piece of
the TCP stream. Standard library only.
"""
import asyncio
import socket

from stream_bridge import bridge_stream

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
    await reply.json({"ok": True})
    await bridge_stream(reader, reply, peer_reader, peer_writer, MAX_MESSAGE)


HANDLERS = {"port": handle_port}
