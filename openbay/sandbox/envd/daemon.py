"""envd entry point: listens on a unix socket and serves ops.

Run as a script under the sandbox's /usr/bin/python3 (`python3 -S -E daemon.py
[SOCKET]`); its sibling modules import as top-level names. The local backend makes the
listening socket itself, at a path no session can reach, and hands it over as the fd in
ENVD_LISTEN_FD: nothing inside the sandbox can move, replace or redirect it. Each
connection carries one request frame and the answer frames that follow it.
"""
import asyncio
import hashlib
import hmac
import importlib
import os
import signal
import socket
import sys

import commands
import ports
import wire

VERSION = "1"
# a secret only the backend knows: a restarted server asks envd to prove it is this
# session's (a reused socket path or pid must not pass for it); commands never see it
_IDENTITY = os.environ.pop("OPENBAY_ENVD_IDENTITY", "").encode()
HANDLERS = {"exec": commands.handle_exec, **ports.HANDLERS}
# The modules of every other op load on the first op that is not in HANDLERS: a
# session that only runs commands starts sooner and stays smaller without them.
_LAZY_MODULES = ["browser", "file_content", "dir_archive", "fs_entries", "code_runner", "computer_ops",
                 "mcp_stdio", "pty"]


def handler_for(op):
    if op not in HANDLERS and _LAZY_MODULES:
        load_all_handlers()
    return HANDLERS.get(op)


def load_all_handlers() -> None:
    while _LAZY_MODULES:
        HANDLERS.update(importlib.import_module(_LAZY_MODULES.pop(0)).HANDLERS)


class Reply:
    """What a handler writes back on its connection."""

    def __init__(self, writer: asyncio.StreamWriter):
        self._writer = writer

    async def json(self, obj: dict) -> None:
        self._writer.write(wire.encode_json(obj))
        await self._writer.drain()

    async def data(self, chunk: bytes) -> None:
        self._writer.write(wire.encode(wire.BYTES, chunk))
        await self._writer.drain()

    async def file_data(self, file, offset: int, count: int) -> None:
        """`count` bytes of a file from `offset` as one BYTES frame, sent by the kernel
        (sendfile: no copy through Python). A file that shrank meanwhile breaks the frame,
        so the connection is dropped: the caller sees a broken stream, never short data."""
        self._writer.write(wire.frame_header(wire.BYTES, count))
        sent = await asyncio.get_running_loop().sendfile(self._writer.transport, file, offset, count)
        if sent != count:
            raise ConnectionAbortedError(f"the file shrank while it was sent ({sent} of {count} bytes)")


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    reply = Reply(writer)
    wire.widen_send_buffer(writer)
    try:
        frame = await wire.read_frame(reader)
        if frame is None:
            return
        req = wire.decode_json(*frame)
        op = req.get("op")
        if op == "ping":
            answer = {"ok": True, "version": VERSION, "pid": os.getpid()}
            nonce = req.get("nonce")
            if isinstance(nonce, str) and _IDENTITY:
                answer["proof"] = hmac.new(_IDENTITY, nonce.encode(), hashlib.sha256).hexdigest()
            await reply.json(answer)
            return
        handler = handler_for(op)
        if handler is None:
            await reply.json({"error": "bad_request", "message": f"unknown op {op!r}"})
            return
        await handler(req, reader, reply)
    except (wire.WireError, ValueError) as e:
        await _try_send(reply, {"error": "bad_request", "message": str(e)})
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    except Exception as e:  # a handler bug must not take envd down
        await _try_send(reply, {"error": "internal", "message": f"{type(e).__name__}: {e}"})
    finally:
        writer.close()


async def _try_send(reply: Reply, obj: dict) -> None:
    try:
        await reply.json(obj)
    except ConnectionError:
        pass


async def main(socket_path: str | None) -> None:
    listen_fd = os.environ.pop("ENVD_LISTEN_FD", None)
    if listen_fd:
        sock = socket.socket(fileno=int(listen_fd))
        sock.set_inheritable(False)  # commands never get it
        server = await asyncio.start_unix_server(serve_connection, sock=sock, limit=wire.READ_LIMIT)
    else:
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        server = await asyncio.start_unix_server(serve_connection, path=socket_path, limit=wire.READ_LIMIT)
        os.chmod(socket_path, 0o600)
    await serve_until_stopped(server)


async def serve_until_stopped(server: asyncio.AbstractServer) -> None:
    """What every listener (this unix socket, tls_listen's TCP) does once it listens."""
    ready_fd = os.environ.pop("ENVD_READY_FD", None)
    if ready_fd:  # tell the backend we listen, without it polling the socket
        os.write(int(ready_fd), b"ready\n")
        os.close(int(ready_fd))
    if os.environ.get("OPENBAY_DESKTOP"):  # the computer's screen comes up with envd, not on first use
        load_all_handlers()
        importlib.import_module("computer_ops").autostart()
    if os.environ.get("OPENBAY_BROWSER_AUTOSTART"):  # Chromium starts while the create answers
        load_all_handlers()
        importlib.import_module("browser").autostart()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
