"""What the computer agent acts on: a computer's screen, with a shell and files, in screen coordinates.

`Computer` is the interface; `EnvdComputer` is the real one, talking to envd inside a
`computer` sandbox (Xvfb, xdotool, wmctrl, the sandbox's shell and files). Every
failure of an action is a `ComputerError` whose text is fit for the model.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from openbay.sandbox.envd import wire
from openbay.sandbox.envd.client import EnvdClient, EnvdError
from openbay.sandbox.envd.computer_client import ComputerClient, ScreenshotError
from openbay.sandbox.envd.upload import upload

MAX_READ = 256 * 1024  # of a file, for the model
MAX_OUTPUT = 64 * 1024  # of a command, for the model


class ComputerError(Exception):
    """An action on the computer failed (the text says why)."""


class ComputerGone(ComputerError):
    """The computer's screen cannot be seen any more (its sandbox ended): the task cannot go on."""


@dataclass(frozen=True)
class WindowInfo:
    window_id: int
    title: str
    x: int
    y: int
    width: int
    height: int
    pname: str = ""
    active: bool = False


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output: str
    timed_out: bool = False


class Computer(Protocol):
    async def screenshot(self) -> bytes:
        """The whole screen as PNG."""

    async def windows(self) -> list[WindowInfo]: ...

    async def mouse(self, action: str, **args) -> None:
        """action: move (x, y), click (x, y, button: left|right|middle|double_left),
        drag (from_x, from_y, to_x, to_y), scroll (x, y, direction, amount); screen pixels."""

    async def type_text(self, text: str) -> None: ...

    async def press_keys(self, keys: list[str]) -> None: ...

    async def activate_window(self, window_id: int) -> None: ...

    async def start_app(self, command: str) -> int:
        """The started app's pid."""

    async def run_command(self, command: str, timeout_s: float) -> CommandResult: ...

    async def read_file(self, path: str) -> str: ...

    async def write_file(self, path: str, content: str) -> None: ...


class EnvdComputer:
    """The computer of a `computer` sandbox, through its envd."""

    def __init__(self, envd: EnvdClient):
        self.envd = envd
        self.client = ComputerClient(envd)

    async def screenshot(self) -> bytes:
        try:
            return await self.client.screenshot()
        except ScreenshotError as e:
            raise ComputerGone(str(e)) from None
        except EnvdError as e:
            raise ComputerGone(f"the screen cannot be seen: {e}") from None

    async def windows(self) -> list[WindowInfo]:
        # the focus from one xdotool run (envd's `active` op would list all windows again)
        listed, active = await asyncio.gather(_said(self.client.windows("list")),
                                              self.run_command("xdotool getactivewindow", 10))
        active_id = int(active.output.strip()) if active.exit_code == 0 and active.output.strip().isdigit() else None
        return [WindowInfo(window_id=w["window_id"], title=w.get("title", ""),
                           x=w.get("absolute_upper_left_x", 0), y=w.get("absolute_upper_left_y", 0),
                           width=w.get("width", 0), height=w.get("height", 0), pname=w.get("pname", ""),
                           active=w["window_id"] == active_id) for w in listed["windows"]]

    async def mouse(self, action: str, **args) -> None:
        await _said(self.client.input(action, **args))

    async def type_text(self, text: str) -> None:
        await _said(self.client.input("type", text=text))

    async def press_keys(self, keys: list[str]) -> None:
        await _said(self.client.input("keys", keys=keys))

    async def activate_window(self, window_id: int) -> None:
        await _said(self.client.windows("activate", window_id=window_id))

    async def start_app(self, command: str) -> int:
        answer = await _said(self.client.apps("start", start_cmd=command))
        return answer["processes"][0]["pid"]

    async def run_command(self, command: str, timeout_s: float) -> CommandResult:
        try:
            answer = await self.envd.exec({"command": command, "timeout_ms": int(timeout_s * 1000),
                                           "max_output": MAX_OUTPUT})
        except EnvdError as e:
            raise ComputerError(str(e)) from None
        output = answer.get("output", "") + answer.get("stderr", "")
        if answer.get("error_message"):
            output += answer["error_message"]
        return CommandResult(answer.get("exit_code", -1), output, bool(answer.get("timed_out")))

    async def read_file(self, path: str) -> str:
        data = bytearray()
        try:
            async for kind, payload in self.envd.stream({"op": "fs.read", "path": path, "offset": 0,
                                                         "length": MAX_READ}):
                if kind == wire.BYTES:
                    data += payload
        except EnvdError as e:
            raise ComputerError(str(e)) from None
        return data.decode(errors="replace")

    async def write_file(self, path: str, content: str) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield content.encode()
        try:
            await upload(self.envd, {"op": "fs.write", "path": path, "mode": "overwrite"}, chunks())
        except EnvdError as e:
            raise ComputerError(str(e)) from None


async def _said(call):
    """The answer of an envd call; its failure as a ComputerError, in words fit for the model."""
    try:
        return await call
    except EnvdError as e:
        raise ComputerError(str(e)) from None
