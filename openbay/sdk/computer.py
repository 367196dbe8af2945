"""`session.computer`, `session.window`, `session.application`: the computer of a
`computer` session. Each method is one call (see calls.py), shared by OpenBay and
AsyncOpenBay; results carry request_id and typed data, failures raise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
from .calls import Call, Request
from .command import CommandCalls
from .methods import AsyncPart, Part, awaited, blocking
from .results import CommandResult, OperationResult

T = TypeVar("T")


def _done(body: Any) -> bool:
    return True


def _get(path: str, build: Callable[[Any], T]) -> Call[OperationResult[T]]:
    return (yield from calls.result(Request("GET", path), OperationResult, lambda b: {"data": build(b)}))


def _post(path: str, body: Any = None, build: Callable[[Any], Any] = _done) -> Call[OperationResult]:
    req = Request("POST", path, json=body.model_dump(mode="json", exclude_none=True) if body is not None else None)
    return (yield from calls.result(req, OperationResult, lambda b: {"data": build(b)}))


class _ComputerCalls:
    _path: str


class ComputerCalls(_ComputerCalls):
    """Screen, mouse and keyboard."""

    def screenshot(self) -> Call[bytes]:
        """The whole screen as PNG bytes."""
        buffer = bytearray()
        req = Request("GET", f"{self._path}/computer/screenshot", on_bytes=buffer.extend, timeout_s=60)
        return (yield from calls.value(req, lambda _: bytes(buffer)))

    def move_mouse(self, x: int, y: int) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/computer/mouse/move", MoveMouse(x=x, y=y)))

    def click_mouse(self, x: int, y: int, button: str = "left") -> Call[OperationResult]:
        """button: left, right, middle or double_left."""
        return (yield from _post(f"{self._path}/computer/mouse/click", ClickMouse(x=x, y=y, button=button)))

    def drag_mouse(self, from_x: int, from_y: int, to_x: int, to_y: int, button: str = "left") -> Call[OperationResult]:
        return (
            yield from _post(
                f"{self._path}/computer/mouse/drag",
                DragMouse(from_x=from_x, from_y=from_y, to_x=to_x, to_y=to_y, button=button),
            )
        )

    def scroll(self, x: int, y: int, direction: str = "down", amount: int = 1) -> Call[OperationResult]:
        """direction: up, down, left or right; amount: wheel clicks."""
        return (
            yield from _post(
                f"{self._path}/computer/mouse/scroll", Scroll(x=x, y=y, direction=direction, amount=amount)
            )
        )

    def input_text(self, text: str) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/computer/keyboard/text", InputText(text=text)))

    def press_keys(self, keys: list[str], hold: bool = False) -> Call[OperationResult]:
        """Press keys together, e.g. ["ctrl", "s"]; hold=True keeps them down until release_keys."""
        return (yield from _post(f"{self._path}/computer/keyboard/keys", PressKeys(keys=keys, hold=hold)))

    def release_keys(self, keys: list[str]) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/computer/keyboard/release", ReleaseKeys(keys=keys)))

    def get_screen_size(self) -> Call[OperationResult]:
        """data: ScreenSize (width, height, dpi_scaling_factor)."""
        return (yield from _get(f"{self._path}/computer/screen", ScreenSize.model_validate))

    def get_cursor_position(self) -> Call[OperationResult]:
        """data: CursorPosition (x, y)."""
        return (yield from _get(f"{self._path}/computer/cursor", CursorPosition.model_validate))


class WindowCalls(_ComputerCalls):
    """AgentBay's WindowManager: windows of the computer, by window_id."""

    def list_root_windows(self, timeout_ms: int = 3000) -> Call[OperationResult]:
        """data: list of Window (window_id, title, position, size, pid, pname).
        timeout_ms is accepted for AgentBay's signature; the listing does not wait."""
        return (yield from _get(f"{self._path}/windows", lambda b: WindowList.model_validate(b).windows))

    def get_active_window(self) -> Call[OperationResult]:
        """data: the focused Window, or None."""
        return (yield from _get(f"{self._path}/windows/active", lambda b: ActiveWindow.model_validate(b).window))

    def activate_window(self, window_id: int) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/windows/{int(window_id)}/activate"))

    def maximize_window(self, window_id: int) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/windows/{int(window_id)}/maximize"))

    def minimize_window(self, window_id: int) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/windows/{int(window_id)}/minimize"))

    def restore_window(self, window_id: int) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/windows/{int(window_id)}/restore"))

    def close_window(self, window_id: int) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/windows/{int(window_id)}/close"))

    def fullscreen_window(self, window_id: int) -> Call[OperationResult]:
        return (yield from _post(f"{self._path}/windows/{int(window_id)}/fullscreen"))

    def resize_window(self, window_id: int, width: int, height: int) -> Call[OperationResult]:
        return (
            yield from _post(f"{self._path}/windows/{int(window_id)}/resize", ResizeWindow(width=width, height=height))
        )


class ApplicationCalls(_ComputerCalls):
    """AgentBay's ApplicationManager: installed apps, start, list running, stop."""

    def get_installed_apps(self) -> Call[OperationResult]:
        """data: list of InstalledApp (name, start_cmd, ...) from the .desktop entries."""
        return (yield from _get(f"{self._path}/applications", lambda b: InstalledAppList.model_validate(b).apps))

    def start_app(self, start_cmd: str, work_directory: str = "") -> Call[OperationResult]:
        """Start a command on the computer; data: list of Process (pid, pname, cmdline)."""
        return (
            yield from _post(
                f"{self._path}/applications/start",
                StartApp(start_cmd=start_cmd, work_directory=work_directory),
                lambda b: ProcessList.model_validate(b).processes,
            )
        )

    def list_visible_apps(self) -> Call[OperationResult]:
        """data: list of Process that own a window or were started by start_app."""
        return (
            yield from _get(f"{self._path}/applications/running", lambda b: ProcessList.model_validate(b).processes)
        )

    def stop_app_by_pid(self, pid: int) -> Call[OperationResult]:
        return (
            yield from _post(
                f"{self._path}/applications/stop", StopApp(pid=pid), lambda b: StoppedApps.model_validate(b).stopped
            )
        )

    def stop_app_by_pname(self, pname: str) -> Call[OperationResult]:
        return (
            yield from _post(
                f"{self._path}/applications/stop", StopApp(pname=pname), lambda b: StoppedApps.model_validate(b).stopped
            )
        )

    def stop_app_by_cmd(self, stop_cmd: str) -> Call[CommandResult]:
        """Run the app's own stop command (e.g. "pkill -x xterm")."""
        return (yield from CommandCalls.execute_command(self, stop_cmd))  # type: ignore[arg-type]


class ComputerApi(Part):
    """Screen, mouse and keyboard of a computer session."""

    screenshot = blocking(ComputerCalls.screenshot)
    move_mouse = blocking(ComputerCalls.move_mouse)
    click_mouse = blocking(ComputerCalls.click_mouse)
    drag_mouse = blocking(ComputerCalls.drag_mouse)
    scroll = blocking(ComputerCalls.scroll)
    input_text = blocking(ComputerCalls.input_text)
    press_keys = blocking(ComputerCalls.press_keys)
    release_keys = blocking(ComputerCalls.release_keys)
    get_screen_size = blocking(ComputerCalls.get_screen_size)
    get_cursor_position = blocking(ComputerCalls.get_cursor_position)


class AsyncComputerApi(AsyncPart):
    """Screen, mouse and keyboard of a computer session."""

    screenshot = awaited(ComputerCalls.screenshot)
    move_mouse = awaited(ComputerCalls.move_mouse)
    click_mouse = awaited(ComputerCalls.click_mouse)
    drag_mouse = awaited(ComputerCalls.drag_mouse)
    scroll = awaited(ComputerCalls.scroll)
    input_text = awaited(ComputerCalls.input_text)
    press_keys = awaited(ComputerCalls.press_keys)
    release_keys = awaited(ComputerCalls.release_keys)
    get_screen_size = awaited(ComputerCalls.get_screen_size)
    get_cursor_position = awaited(ComputerCalls.get_cursor_position)


class WindowApi(Part):
    """The computer's windows, by window_id."""

    list_root_windows = blocking(WindowCalls.list_root_windows)
    get_active_window = blocking(WindowCalls.get_active_window)
    activate_window = blocking(WindowCalls.activate_window)
    maximize_window = blocking(WindowCalls.maximize_window)
    minimize_window = blocking(WindowCalls.minimize_window)
    restore_window = blocking(WindowCalls.restore_window)
    close_window = blocking(WindowCalls.close_window)
    fullscreen_window = blocking(WindowCalls.fullscreen_window)
    resize_window = blocking(WindowCalls.resize_window)
    list_windows = blocking(WindowCalls.list_root_windows)
    activate = blocking(WindowCalls.activate_window)
    maximize = blocking(WindowCalls.maximize_window)
    minimize = blocking(WindowCalls.minimize_window)
    restore = blocking(WindowCalls.restore_window)
    close = blocking(WindowCalls.close_window)
    fullscreen = blocking(WindowCalls.fullscreen_window)
    resize = blocking(WindowCalls.resize_window)


class AsyncWindowApi(AsyncPart):
    """The computer's windows, by window_id."""

    list_root_windows = awaited(WindowCalls.list_root_windows)
    get_active_window = awaited(WindowCalls.get_active_window)
    activate_window = awaited(WindowCalls.activate_window)
    maximize_window = awaited(WindowCalls.maximize_window)
    minimize_window = awaited(WindowCalls.minimize_window)
    restore_window = awaited(WindowCalls.restore_window)
    close_window = awaited(WindowCalls.close_window)
    fullscreen_window = awaited(WindowCalls.fullscreen_window)
    resize_window = awaited(WindowCalls.resize_window)
    list_windows = awaited(WindowCalls.list_root_windows)
    activate = awaited(WindowCalls.activate_window)
    maximize = awaited(WindowCalls.maximize_window)
    minimize = awaited(WindowCalls.minimize_window)
    restore = awaited(WindowCalls.restore_window)
    close = awaited(WindowCalls.close_window)
    fullscreen = awaited(WindowCalls.fullscreen_window)
    resize = awaited(WindowCalls.resize_window)


class ApplicationApi(Part):
    """Installed apps: start, list running, stop."""

    get_installed_apps = blocking(ApplicationCalls.get_installed_apps)
    start_app = blocking(ApplicationCalls.start_app)
    list_visible_apps = blocking(ApplicationCalls.list_visible_apps)
    stop_app_by_pid = blocking(ApplicationCalls.stop_app_by_pid)
    stop_app_by_pname = blocking(ApplicationCalls.stop_app_by_pname)
    stop_app_by_cmd = blocking(ApplicationCalls.stop_app_by_cmd)
    list_running_apps = blocking(ApplicationCalls.list_visible_apps)


class AsyncApplicationApi(AsyncPart):
    """Installed apps: start, list running, stop."""

    get_installed_apps = awaited(ApplicationCalls.get_installed_apps)
    start_app = awaited(ApplicationCalls.start_app)
    list_visible_apps = awaited(ApplicationCalls.list_visible_apps)
    stop_app_by_pid = awaited(ApplicationCalls.stop_app_by_pid)
    stop_app_by_pname = awaited(ApplicationCalls.stop_app_by_pname)
    stop_app_by_cmd = awaited(ApplicationCalls.stop_app_by_cmd)
    list_running_apps = awaited(ApplicationCalls.list_visible_apps)
