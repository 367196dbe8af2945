"""The computer of a `computer` session, for the server's routes.

Every method but `sandbox` takes the session's Sandbox and says envd's failures as API errors;
the operations themselves are envd's ComputerClient (the computer agent uses it too).
"""
from __future__ import annotations

import contextlib

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
from openbay.sandbox.envd.channel import EnvdChannel
from openbay.sandbox.envd.computer_client import ComputerClient, ScreenshotError

from ..errors import ApiError
from .envd_calls import envd_api_error
from .keys import Principal
from .sessions import SessionService


@contextlib.contextmanager
def _as_api_errors():
    try:
        yield
    except ScreenshotError as e:
        raise ApiError(ErrorCode.SANDBOX_ERROR, str(e)) from None
    except EnvdError as e:
        raise envd_api_error(e) from None


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

    # the screen

    async def status(self, sandbox: Sandbox, start: bool = True) -> ComputerStatus:
        with _as_api_errors():
            return ComputerStatus.model_validate(await ComputerClient(sandbox.envd).status(start))

    async def screenshot(self, sandbox: Sandbox) -> bytes:
        """The whole screen as PNG bytes."""
        with _as_api_errors():
            return await ComputerClient(sandbox.envd).screenshot()

    async def screen_size(self, sandbox: Sandbox) -> ScreenSize:
        with _as_api_errors():
            return ScreenSize.model_validate(await ComputerClient(sandbox.envd).screen())

    async def cursor_position(self, sandbox: Sandbox) -> CursorPosition:
        with _as_api_errors():
            return CursorPosition.model_validate(await ComputerClient(sandbox.envd).cursor())

    # mouse and keyboard

    async def _input(self, sandbox: Sandbox, action: str, **args) -> None:
        with _as_api_errors():
            await ComputerClient(sandbox.envd).input(action, **args)

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

    async def _windows(self, sandbox: Sandbox, action: str, **args) -> dict:
        with _as_api_errors():
            return await ComputerClient(sandbox.envd).windows(action, **args)

    async def list_windows(self, sandbox: Sandbox) -> list[Window]:
        answer = await self._windows(sandbox, "list")
        return [Window.model_validate(w) for w in answer["windows"]]

    async def active_window(self, sandbox: Sandbox) -> Window | None:
        answer = await self._windows(sandbox, "active")
        return Window.model_validate(answer["window"]) if answer.get("window") else None

    async def window_action(self, sandbox: Sandbox, window_id: int, action: str, **args) -> None:
        """action: activate, maximize, minimize, restore, close, fullscreen, or resize (width, height)."""
        await self._windows(sandbox, action, window_id=window_id, **args)

    # applications

    async def _apps(self, sandbox: Sandbox, action: str, **args) -> dict:
        with _as_api_errors():
            return await ComputerClient(sandbox.envd).apps(action, **args)

    async def installed_apps(self, sandbox: Sandbox) -> list[InstalledApp]:
        answer = await self._apps(sandbox, "installed")
        return [InstalledApp.model_validate(a) for a in answer["apps"]]

    async def start_app(self, sandbox: Sandbox, start_cmd: str, work_directory: str = "") -> list[Process]:
        answer = await self._apps(sandbox, "start", start_cmd=start_cmd, work_directory=work_directory)
        return [Process.model_validate(p) for p in answer["processes"]]

    async def running_apps(self, sandbox: Sandbox) -> list[Process]:
        answer = await self._apps(sandbox, "running")
        return [Process.model_validate(p) for p in answer["processes"]]

    async def stop_app(self, sandbox: Sandbox, *, pid: int | None = None,
                       pname: str | None = None) -> list[int]:
        which = {"pid": pid} if pid is not None else {"pname": pname}
        return (await self._apps(sandbox, "stop", **which))["stopped"]

    # live view

    async def open_vnc(self, sandbox: Sandbox, view_only: bool = False) -> EnvdChannel:
        """An RFB stream to the computer's screen (x11vnc inside the sandbox, no port anywhere)."""
        with _as_api_errors():
            return await ComputerClient(sandbox.envd).open_vnc(view_only)
