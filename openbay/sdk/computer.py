"""`session.computer`, `session.window`, `session.application`: the desktop of a
`computer` session. Each method is one call (see calls.py), shared by OpenBay and
AsyncOpenBay; results carry success, request_id, error_message and data."""
from __future__ import annotations

from typing import TYPE_CHECKING

from openbay.protocol.computer import (
    ActiveWindow,
    ClickMouse,
    CursorPosition,
    DragMouse,
    InputText,
    InstalledAppList,
    MoveMouse,
    PressKeys,
    ProcessList,
    ReleaseKeys,
    ResizeWindow,
    ScreenSize,
    Scroll,
    StartApp,
    StopApp,
    StoppedApps,
    WindowList,
)

from . import calls
from .calls import Request
from .results import OperationResult

if TYPE_CHECKING:
    from .session import Session


class _DesktopPart:
    def __init__(self, session: Session):
        self._session = session

    def _get(self, path: str, build) -> OperationResult:
        req = Request("GET", f"{self._session._path}{path}")
        return self._session._run(calls.result(req, OperationResult, lambda b: {"data": build(b)}))

    def _post(self, path: str, body=None, build=lambda b: True) -> OperationResult:
        req = Request("POST", f"{self._session._path}{path}",
                      json=body.model_dump(mode="json", exclude_none=True) if body is not None else None)
        return self._session._run(calls.result(req, OperationResult, lambda b: {"data": build(b)}))


class ComputerApi(_DesktopPart):
    """Screen, mouse and keyboard."""

    def screenshot(self) -> bytes:
        """The whole screen as PNG bytes (raises OpenBayError on failure)."""
        buffer = bytearray()
        req = Request("GET", f"{self._session._path}/computer/screenshot", on_bytes=buffer.extend,
                      timeout_s=60)
        return self._session._run(calls.value(req, lambda _: bytes(buffer)))

    def move_mouse(self, x: int, y: int) -> OperationResult:
        return self._post("/computer/mouse/move", MoveMouse(x=x, y=y))

    def click_mouse(self, x: int, y: int, button: str = "left") -> OperationResult:
        """button: left, right, middle or double_left."""
        return self._post("/computer/mouse/click", ClickMouse(x=x, y=y, button=button))

    def drag_mouse(self, from_x: int, from_y: int, to_x: int, to_y: int,
                   button: str = "left") -> OperationResult:
        return self._post("/computer/mouse/drag", DragMouse(from_x=from_x, from_y=from_y, to_x=to_x,
                                                            to_y=to_y, button=button))

    def scroll(self, x: int, y: int, direction: str = "down", amount: int = 1) -> OperationResult:
        """direction: up, down, left or right; amount: wheel clicks."""
        return self._post("/computer/mouse/scroll", Scroll(x=x, y=y, direction=direction, amount=amount))

    def input_text(self, text: str) -> OperationResult:
        return self._post("/computer/keyboard/text", InputText(text=text))

    def press_keys(self, keys: list[str], hold: bool = False) -> OperationResult:
        """Press keys together, e.g. ["ctrl", "s"]; hold=True keeps them down until release_keys."""
        return self._post("/computer/keyboard/keys", PressKeys(keys=keys, hold=hold))

    def release_keys(self, keys: list[str]) -> OperationResult:
        return self._post("/computer/keyboard/release", ReleaseKeys(keys=keys))

    def get_screen_size(self) -> OperationResult:
        """data: ScreenSize (width, height, dpi_scaling_factor)."""
        return self._get("/computer/screen", ScreenSize.model_validate)

    def get_cursor_position(self) -> OperationResult:
        """data: CursorPosition (x, y)."""
        return self._get("/computer/cursor", CursorPosition.model_validate)


class WindowApi(_DesktopPart):
    """The seed's WindowManager: windows of the desktop, by window_id."""

    def list_root_windows(self, timeout_ms: int = 3000) -> OperationResult:
        """data: list of Window (window_id, title, position, size, pid, pname).
        timeout_ms is accepted for the seed's signature; the listing does not wait."""
        return self._get("/windows", lambda b: WindowList.model_validate(b).windows)

    list_windows = list_root_windows

    def get_active_window(self) -> OperationResult:
        """data: the focused Window, or None."""
        return self._get("/windows/active", lambda b: ActiveWindow.model_validate(b).window)

    def activate_window(self, window_id: int) -> OperationResult:
        return self._post(f"/windows/{int(window_id)}/activate")

    def maximize_window(self, window_id: int) -> OperationResult:
        return self._post(f"/windows/{int(window_id)}/maximize")

    def minimize_window(self, window_id: int) -> OperationResult:
        return self._post(f"/windows/{int(window_id)}/minimize")

    def restore_window(self, window_id: int) -> OperationResult:
        return self._post(f"/windows/{int(window_id)}/restore")

    def close_window(self, window_id: int) -> OperationResult:
        return self._post(f"/windows/{int(window_id)}/close")

    def fullscreen_window(self, window_id: int) -> OperationResult:
        return self._post(f"/windows/{int(window_id)}/fullscreen")

    def resize_window(self, window_id: int, width: int, height: int) -> OperationResult:
        return self._post(f"/windows/{int(window_id)}/resize", ResizeWindow(width=width, height=height))

    # the names without `_window`, as the issue spells them
    activate, maximize, minimize, restore = (activate_window, maximize_window, minimize_window,
                                             restore_window)
    close, fullscreen, resize = close_window, fullscreen_window, resize_window


class ApplicationApi(_DesktopPart):
    """The seed's ApplicationManager: installed apps, start, list running, stop."""

    def get_installed_apps(self) -> OperationResult:
        """data: list of InstalledApp (name, start_cmd, ...) from the desktop entries."""
        return self._get("/applications", lambda b: InstalledAppList.model_validate(b).apps)

    def start_app(self, start_cmd: str, work_directory: str = "") -> OperationResult:
        """Start a command on the desktop; data: list of Process (pid, pname, cmdline)."""
        return self._post("/applications/start", StartApp(start_cmd=start_cmd, work_directory=work_directory),
                          lambda b: ProcessList.model_validate(b).processes)

    def list_visible_apps(self) -> OperationResult:
        """data: list of Process that own a window or were started by start_app."""
        return self._get("/applications/running", lambda b: ProcessList.model_validate(b).processes)

    list_running_apps = list_visible_apps

    def stop_app_by_pid(self, pid: int) -> OperationResult:
        return self._post("/applications/stop", StopApp(pid=pid),
                          lambda b: StoppedApps.model_validate(b).stopped)

    def stop_app_by_pname(self, pname: str) -> OperationResult:
        return self._post("/applications/stop", StopApp(pname=pname),
                          lambda b: StoppedApps.model_validate(b).stopped)

    def stop_app_by_cmd(self, stop_cmd: str):
        """Run the app's own stop command (e.g. "pkill -x xterm"); a CommandResult."""
        return self._session.command.execute_command(stop_cmd)
