"""envd's computer operations, each named once, for whoever acts on a `computer` sandbox's
screen: the server's routes (ComputerService) and the computer agent (EnvdComputer).

The computer itself (Xvfb, window manager, xdotool, wmctrl, x11vnc) lives in envd inside the
sandbox; its ops keep their wire names (`desktop_*`). Failures are EnvdError, and a screenshot
that cannot be had is a ScreenshotError; each caller says them in its own words."""
from __future__ import annotations

from . import wire
from .channel import EnvdChannel, open_channel
from .client import EnvdClient

MAX_SCREENSHOT = 64 * 1024 * 1024


class ScreenshotError(Exception):
    """The computer sent no screenshot, or one too large to take."""


class ComputerClient:
    def __init__(self, envd: EnvdClient):
        self.envd = envd

    async def status(self, start: bool = True) -> dict:
        return await self.envd.call({"op": "desktop_status", "start": start})

    async def screenshot(self) -> bytes:
        """The whole screen as PNG bytes."""
        parts, size = [], 0
        async for kind, payload in self.envd.stream({"op": "desktop_screenshot"}):
            if kind != wire.JSON:
                size += len(payload)
                if size > MAX_SCREENSHOT:
                    raise ScreenshotError("the screenshot is too large")
                parts.append(payload)
        if not parts:
            raise ScreenshotError("the computer sent no screenshot")
        return b"".join(parts)

    async def screen(self) -> dict:
        return await self.envd.call({"op": "desktop_screen"})

    async def cursor(self) -> dict:
        return await self.envd.call({"op": "desktop_cursor"})

    async def input(self, action: str, **args) -> None:
        """action: move, click, drag, scroll (screen pixels), type, keys, keys_down, keys_up."""
        await self.envd.call({"op": "desktop_input", "action": action, **args})

    async def windows(self, action: str = "list", **args) -> dict:
        """action: list, active, or one on a window_id (activate, maximize, close, resize, ...)."""
        return await self.envd.call({"op": "desktop_windows", "action": action, **args})

    async def apps(self, action: str, **args) -> dict:
        """action: installed, start (start_cmd, work_directory), running, stop (pid or pname)."""
        return await self.envd.call({"op": "desktop_apps", "action": action, **args})

    async def open_vnc(self, view_only: bool = False) -> EnvdChannel:
        """An RFB stream to the screen (x11vnc inside the sandbox, no port anywhere)."""
        return await open_channel(self.envd, {"op": "vnc", "view_only": view_only})
