"""envd entry point: listens on a unix socket inside the sandbox and serves ops.

Run as a script under the sandbox's /usr/bin/python3 (`python3 -s -E daemon.py
SOCKET`); its sibling modules import as top-level names. Each connection carries
one request frame and the answer frames that follow it.
"""
import asyncio
import os
import signal
import sys

import browser
import code_runner
import commands
import desktop_ops
import files
import fsops
import wire

VERSION = "1"
HANDLERS = {"exec": commands.handle_exec, **browser.HANDLERS, **files.HANDLERS, **fsops.HANDLERS,
            **code_runner.HANDLERS}
HANDLERS.update(desktop_ops.HANDLERS)


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


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    reply = Reply(writer)
    try:
        frame = await wire.read_frame(reader)
        if frame is None:
            return
        req = wire.decode_json(*frame)
        op = req.get("op")
        if op == "ping":
            await reply.json({"ok": True, "version": VERSION, "pid": os.getpid()})
            return
        handler = HANDLERS.get(op)
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


async def main(socket_path: str) -> None:
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server = await asyncio.start_unix_server(serve_connection, path=socket_path)
    os.chmod(socket_path, 0o600)
    ready_fd = os.environ.pop("ENVD_READY_FD", None)
    if ready_fd:  # tell the backend we listen, without it polling the socket
        os.write(int(ready_fd), b"ready\n")
        os.close(int(ready_fd))
    desktop_ops.autostart()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
