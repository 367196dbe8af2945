"""The server's side of the envd socket (any backend: unix socket or TCP)."""
import asyncio
import errno
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable

from . import wire

Connector = Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
NO_ANSWER = "sandbox closed the connection without an answer"


class EnvdError(Exception):
    """envd could not be reached or answered with an error."""

    def __init__(self, message: str, code: str = "sandbox_error"):
        super().__init__(message)
        self.code = code


def raise_for_error(obj: dict) -> dict:
    if "error" in obj:
        raise EnvdError(obj.get("message", "envd error"), obj["error"])
    return obj


async def next_frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """The next answer frame, or None once envd closed; a broken stream is an EnvdError."""
    try:
        return await wire.read_frame(reader)
    except (wire.WireError, ConnectionError) as e:
        raise EnvdError(f"sandbox connection broke: {e}") from None


async def read_answer(reader: asyncio.StreamReader) -> dict:
    """The next frame as envd's JSON answer; its error as an EnvdError."""
    frame = await next_frame(reader)
    if frame is None:
        raise EnvdError(NO_ANSWER)
    try:
        obj = wire.decode_json(*frame)
    except (wire.WireError, ValueError) as e:
        raise EnvdError(f"sandbox connection broke: {e}") from None
    return raise_for_error(obj)


class EnvdClient:
    def __init__(self, connect: Connector):
        self._connect = connect

    @classmethod
    def unix(cls, path: str) -> "EnvdClient":
        return cls(lambda: asyncio.open_unix_connection(path, limit=wire.READ_LIMIT))

    @classmethod
    def unix_beneath(cls, directory_fd: int, name: str) -> "EnvdClient":
        """envd's socket `name` in the folder open as `directory_fd` (O_PATH, opened once): the
        way there is never looked up again, and what is connected to must be a socket the
        server itself made there, never a link."""
        via = f"/proc/self/fd/{directory_fd}/{name}"

        async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            st = os.stat(name, dir_fd=directory_fd, follow_symlinks=False)
            if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.geteuid():
                raise OSError(errno.EPERM, f"{name} is not the server's envd socket")
            return await asyncio.open_unix_connection(via, limit=wire.READ_LIMIT)
        return cls(connect)

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A new connection to envd (one request each)."""
        try:
            return await self._connect()
        except OSError as e:
            raise EnvdError(f"sandbox is not reachable: {e}") from None

    async def stream(self, request: dict) -> AsyncIterator[tuple[bytes, bytes]]:
        """Send one request; yield the raw answer frames until envd closes."""
        reader, writer = await self.open()
        try:
            writer.write(wire.encode_json(request))
            await writer.drain()
            while (frame := await next_frame(reader)) is not None:
                if frame[0] == wire.JSON:
                    raise_for_error(wire.decode_json(*frame))
                yield frame
        finally:
            writer.close()

    async def call(self, request: dict) -> dict:
        """A request answered by JSON frames; returns the last one."""
        last: dict | None = None
        async for kind, payload in self.stream(request):
            last = wire.decode_json(kind, payload)
        if last is None:
            raise EnvdError(NO_ANSWER)
        return last

    async def read(self, path: str, offset: int = 0, length: int = 0) -> tuple[dict, AsyncIterator[bytes]]:
        """fs.read: its head (size, file_size) first, so a bad path fails before any byte is
        promised to a client, then the bytes as they come (length 0: to the end)."""
        frames = self.stream({"op": "fs.read", "path": path, "offset": offset, "length": length})
        try:
            head = wire.decode_json(*await anext(frames))
        except StopAsyncIteration:
            raise EnvdError("the sandbox closed the connection") from None

        async def body() -> AsyncIterator[bytes]:
            try:
                async for kind, payload in frames:
                    if kind == wire.BYTES:
                        yield payload
            finally:
                await frames.aclose()
        return head, body()

    async def ping(self) -> dict:
        return await self.call({"op": "ping"})

    async def exec_stream(self, request: dict) -> AsyncIterator[dict]:
        async for frame in self.stream({**request, "op": "exec", "stream": True}):
            yield wire.decode_json(*frame)

    async def exec(self, request: dict) -> dict:
        """Run to the end; large output arrives in chunks first and is joined here."""
        parts = {"stdout": [], "stderr": []}
        async for frame in self.stream({**request, "op": "exec", "stream": False}):
            obj = wire.decode_json(*frame)
            if obj.get("type") in parts:
                parts[obj["type"]].append(obj.get("data", ""))
            elif obj.get("type") == "exit":
                obj["output"] = "".join(parts["stdout"]) + obj.get("output", "")
                obj["stderr"] = "".join(parts["stderr"]) + obj.get("stderr", "")
                return obj
        raise EnvdError(NO_ANSWER)
