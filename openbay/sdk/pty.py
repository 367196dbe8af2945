"""An interactive terminal in the session (`session.command.pty(...)`): a shell on a
pseudo-terminal, over the server's /pty WebSocket. Keystrokes go in with write(), the
screen's bytes come back to on_output (decoded as UTF-8 text), resize() changes the
terminal's size (programs get SIGWINCH), and wait() gives the shell's exit code."""
from __future__ import annotations

import asyncio
import codecs
import json
import threading
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as sync_connect

from .callbacks import settle
from .errors import AuthenticationError, OpenBayConnectionError
from .streamed_output import OutputCallback


def pty_url(base_url: str, session_path: str, cols: int, rows: int, cwd: str | None) -> str:
    ws_base = "ws" + base_url[len("http"):] if base_url.startswith("http") else base_url
    q = {"cols": cols, "rows": rows, **({"cwd": cwd} if cwd else {})}
    return f"{ws_base}{session_path}/pty?{urlencode(q)}"


def _check_size(cols: int, rows: int) -> None:
    if not all(isinstance(v, int) and 1 <= v <= 1000 for v in (cols, rows)):
        raise ValueError("cols and rows are whole numbers from 1 to 1000")


def _refused(e: Exception) -> Exception:
    if isinstance(e, InvalidStatus) and e.response.status_code in (401, 403):
        return AuthenticationError(f"the terminal was refused: {e}")
    return OpenBayConnectionError(f"the terminal did not open: {e}")


class _Screen:
    """What both handles share: decoding output, remembering it, the exit code."""

    def __init__(self, on_output: OutputCallback | None):
        self.on_output = on_output
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._parts: list[str] = []
        self.exit_code: int | None = None

    def take(self, message: bytes | str):
        """A message from the server; returns what on_output returned (maybe awaitable)."""
        if isinstance(message, str):
            msg = json.loads(message)
            if msg.get("type") == "exit":
                self.exit_code = int(msg.get("exit_code", -1))
            return None
        text = self._decoder.decode(message)
        self._parts.append(text)
        return self.on_output(text) if (text and self.on_output) else None

    @property
    def output(self) -> str:
        return "".join(self._parts)


class PtyHandle:
    """For the blocking client: a reader thread calls on_output as the screen changes."""

    def __init__(self, url: str, headers: dict, on_output: OutputCallback | None):
        self._screen = _Screen(on_output)
        try:
            # entered by hand: the handle outlives this call and closes it in kill()
            self._ws = sync_connect(url, additional_headers=headers, max_size=None).__enter__()
        except (OSError, InvalidStatus) as e:
            raise _refused(e) from None
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True, name="openbay pty")
        self._thread.start()

    def _read(self) -> None:
        try:
            for message in self._ws:
                self._screen.take(message)
        except ConnectionClosed:
            pass
        finally:
            self._ended.set()

    @property
    def output(self) -> str:
        """Everything the terminal showed so far."""
        return self._screen.output

    @property
    def exit_code(self) -> int | None:
        return self._screen.exit_code

    def write(self, data: str | bytes) -> None:
        self._ws.send(data.encode() if isinstance(data, str) else data)

    def resize(self, cols: int, rows: int) -> None:
        _check_size(cols, rows)
        self._ws.send(json.dumps({"type": "resize", "cols": cols, "rows": rows}))

    def wait(self, timeout: float | None = None) -> int | None:
        """The shell's exit code once it has exited (None if it did not within `timeout`)."""
        self._ended.wait(timeout)
        return self._screen.exit_code

    def kill(self) -> None:
        """Close the terminal: the shell and what it started get SIGHUP."""
        self._ws.close()
        self._thread.join(timeout=10)

    close = kill

    def __enter__(self) -> PtyHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


class AsyncPtyHandle:
    """For the asyncio client; on_output may be a coroutine function."""

    def __init__(self, on_output: OutputCallback | None):
        self._screen = _Screen(on_output)
        self._ws: Any = None  # a websockets ClientConnection once opened
        self._reader: Any = None  # the asyncio.Task that reads its output

    async def _open(self, url: str, headers: dict) -> AsyncPtyHandle:
        try:
            self._ws = await async_connect(url, additional_headers=headers, max_size=None)
        except (OSError, InvalidStatus) as e:
            raise _refused(e) from None
        self._reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                await settle(self._screen.take(message))
        except ConnectionClosed:
            pass

    @property
    def output(self) -> str:
        return self._screen.output

    @property
    def exit_code(self) -> int | None:
        return self._screen.exit_code

    async def write(self, data: str | bytes) -> None:
        await self._ws.send(data.encode() if isinstance(data, str) else data)

    async def resize(self, cols: int, rows: int) -> None:
        _check_size(cols, rows)
        await self._ws.send(json.dumps({"type": "resize", "cols": cols, "rows": rows}))

    async def wait(self, timeout: float | None = None) -> int | None:
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        except asyncio.TimeoutError:
            pass
        return self._screen.exit_code

    async def kill(self) -> None:
        await self._ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)

    close = kill

    async def __aenter__(self) -> AsyncPtyHandle:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.kill()


def open_pty(runner, session_path: str, *, cols: int, rows: int, cwd: str | None,
             on_output: OutputCallback | None, asynchronous: bool):
    """A PtyHandle, or (asynchronous) an awaitable of an AsyncPtyHandle."""
    _check_size(cols, rows)
    url = pty_url(runner.base_url, session_path, cols, rows, cwd)
    if asynchronous:
        return AsyncPtyHandle(on_output)._open(url, runner.auth_headers)
    return PtyHandle(url, runner.auth_headers, on_output)
