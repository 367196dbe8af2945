"""The computer of a `computer` session, for routes and for agents on the server.

Every method but `sandbox` takes the session's Sandbox, so the computer agent calls
them directly (`services.computer.click_mouse(sandbox, 10, 20)`) without HTTP.
The computer itself (Xvfb, window manager, x11vnc) lives in envd inside the sandbox; envd's
ops for it keep their wire names (`desktop_*`).
"""
from __future__ import annotations

from openbay.protocol import ErrorCode
from openbay.protocol.computer import (
    COMPUTER_IMAGES,
    ComputerStatus,
    CursorPosition,
    InstalledApp,
    Process,
    ScreenSize,
    Window,
)
from openbay.sandbox import EnvdError, Sandbox
from openbay.sandbox.envd import wire
from openbay.sandbox.envd.channel import EnvdChannel, open_channel

from ..errors import ApiError
from .envd_calls import envd_api_error
from .keys import Principal
from .sessions import SessionService

MAX_SCREENSHOT = 64 * 1024 * 1024


class ComputerService:
    def __init__(self, sessions: SessionService):
        self.sessions = sessions

    async def sandbox(self, who: Principal, session_id: str) -> Sandbox:
        """The sandbox of the caller's running computer session."""
        sandbox = await self.sessions.require_running(who, session_id)
        image = self.sessions.kind(session_id)
        if image not in COMPUTER_IMAGES:
            raise ApiError(ErrorCode.CONFLICT, f"session {session_id!r} runs image {image!r}, "
                           "which is not a computer; create one with image_id='computer'")
        return sandbox

    @staticmethod
    async def _call(sandbox: Sandbox, request: dict) -> dict:
        try:
            return await sandbox.envd.call(request)
        except EnvdError as e:
            raise envd_api_error(e) from None

    # the screen

    async def status(self, sandbox: Sandbox, start: bool = True) -> ComputerStatus:
        return ComputerStatus.model_validate(await self._call(sandbox, {"op": "desktop_status",
                                                                        "start": start}))

    async def screenshot(self, sandbox: Sandbox) -> bytes:
        """The whole screen as PNG bytes."""
        parts, size = [], 0
        try:
            async for kind, payload in sandbox.envd.stream({"op": "desktop_screenshot"}):
                if kind != wire.JSON:
                    size += len(payload)
                    if size > MAX_SCREENSHOT:
                        raise ApiError(ErrorCode.SANDBOX_ERROR, "the screenshot is too large")
                    parts.append(payload)
        except EnvdError as e:
            raise envd_api_error(e) from None
        if not parts:
            raise ApiError(ErrorCode.SANDBOX_ERROR, "the computer sent no screenshot")
        return b"".join(parts)

    async def screen_size(self, sandbox: Sandbox) -> ScreenSize:
        return ScreenSize.model_validate(await self._call(sandbox, {"op": "desktop_screen"}))

    async def cursor_position(self, sandbox: Sandbox) -> CursorPosition:
        return CursorPosition.model_validate(await self._call(sandbox, {"op": "desktop_cursor"}))

    # mouse and keyboard

    async def _input(self, sandbox: Sandbox, action: str, **args) -> None:
        await self._call(sandbox, {"op": "desktop_input", "action": action, **args})

    async def move_mouse(self, sandbox: Sandbox, x: int, y: int) -> None:
        await self._input(sandbox, "move", x=x, y=y)

    async def click_mouse(self, sandbox: Sandbox, x: int, y: int, button: str = "left") -> None:
        await self._input(sandbox, "click", x=x, y=y, button=button)

    async def drag_mouse(self, sandbox: Sandbox, from_x: int, from_y: int, to_x: int, to_y: int,
                         button: str = "left") -> None:
        await self._input(sandbox, "drag", from_x=from_x, from_y=from_y, to_x=to_x, to_y=to_y,
                          button=button)

    async def scroll(self, sandbox: Sandbox, x: int, y: int, direction: str = "down",
                     amount: int = 1) -> None:
        await self._input(sandbox, "scroll", x=x, y=y, direction=direction, amount=amount)

    async def input_text(self, sandbox: Sandbox, text: str) -> None:
        await self._input(sandbox, "type", text=text)

    async def press_keys(self, sandbox: Sandbox, keys: list[str], hold: bool = False) -> None:
        await self._input(sandbox, "keys_down" if hold else "keys", keys=keys)

    async def release_keys(self, sandbox: Sandbox, keys: list[str]) -> None:
        await self._input(sandbox, "keys_up", keys=keys)

    # windows

    async def list_windows(self, sandbox: Sandbox) -> list[Window]:
        answer = await self._call(sandbox, {"op": "desktop_windows", "action": "list"})
        return [Window.model_validate(w) for w in answer["windows"]]

    async def active_window(self, sandbox: Sandbox) -> Window | None:
        answer = await self._call(sandbox, {"op": "desktop_windows", "action": "active"})
        return Window.model_validate(answer["window"]) if answer.get("window") else None

    async def window_action(self, sandbox: Sandbox, window_id: int, action: str, **args) -> None:
        """action: activate, maximize, minimize, restore, close, fullscreen, or resize (width, height)."""
        await self._call(sandbox, {"op": "desktop_windows", "action": action,
                                   "window_id": window_id, **args})

    # applications

    async def installed_apps(self, sandbox: Sandbox) -> list[InstalledApp]:
        answer = await self._call(sandbox, {"op": "desktop_apps", "action": "installed"})
        return [InstalledApp.model_validate(a) for a in answer["apps"]]

    async def start_app(self, sandbox: Sandbox, start_cmd: str, work_directory: str = "") -> list[Process]:
        answer = await self._call(sandbox, {"op": "desktop_apps", "action": "start",
                                            "start_cmd": start_cmd, "work_directory": work_directory})
        return [Process.model_validate(p) for p in answer["processes"]]

    async def running_apps(self, sandbox: Sandbox) -> list[Process]:
        answer = await self._call(sandbox, {"op": "desktop_apps", "action": "running"})
        return [Process.model_validate(p) for p in answer["processes"]]

    async def stop_app(self, sandbox: Sandbox, *, pid: int | None = None,
                       pname: str | None = None) -> list[int]:
        which = {"pid": pid} if pid is not None else {"pname": pname}
        return (await self._call(sandbox, {"op": "desktop_apps", "action": "stop", **which}))["stopped"]

    # live view

    async def open_vnc(self, sandbox: Sandbox, view_only: bool = False) -> EnvdChannel:
        """An RFB stream to the computer's screen (x11vnc inside the sandbox, no port anywhere)."""
        try:
            return await open_channel(sandbox.envd, {"op": "vnc", "view_only": view_only})
        except EnvdError as e:
            raise envd_api_error(e) from None
