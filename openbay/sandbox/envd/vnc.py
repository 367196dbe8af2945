"""The `vnc` op: one RFB connection to the computer's screen, carried over the envd socket.

Each connection gets its own x11vnc in inetd mode, which speaks RFB on its stdin (a
socketpair end) and opens no listening socket at all: the sandbox shares the host network,
so a VNC port would be reachable by every other session. The server bridges this
channel to its authenticated WebSocket (noVNC). After an `ok` frame, each BYTES
message either way is a piece of the RFB stream. Standard library only.
"""
import asyncio
import socket

from computer import COMPUTER, DISPLAY, answer_errors
from stream_bridge import bridge_stream
from supervisor import Supervised

MAX_MESSAGE = 4 * 1024 * 1024
X11VNC = ["x11vnc", "-inetd", "-quiet", "-display", DISPLAY, "-nopw", "-shared", "-norc",
          "-noremote", "-nolookup", "-noxdamage", "-nossl", "-noipv6", "-rfbport", "0"]


@answer_errors
async def handle_vnc(req: dict, reader, reply) -> None:
    await COMPUTER.ensure_running()
    view_only = bool(req.get("view_only"))
    argv = X11VNC + (["-viewonly"] if view_only else [])
    # inetd mode reads and writes the client on fd 0, so it needs a socket, not two pipes
    ours, theirs = socket.socketpair()
    vnc = Supervised("x11vnc")
    try:
        vnc.process = await asyncio.create_subprocess_exec(
            *argv, stdin=theirs.fileno(), stdout=theirs.fileno(), stderr=asyncio.subprocess.DEVNULL,
            env=COMPUTER.env(), start_new_session=True)
    finally:
        theirs.close()
    rfb_reader, rfb_writer = await asyncio.open_connection(sock=ours)
    await reply.json({"ok": True})
    try:
        await bridge_stream(reader, reply, rfb_reader, rfb_writer, MAX_MESSAGE)
    finally:
        await vnc.stop()


HANDLERS = {"vnc": handle_vnc}
