"""session.browser, session.computer and session.mobile as AgentBay has them, on
OpenBay's native calls; results in AgentBay's shape."""
from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openbay.protocol.computer import MouseButton, ScrollDirection  # AgentBay's names and values
from openbay.sdk.calls import Call
from openbay.sdk.computer import ApplicationCalls, ComputerCalls, WindowCalls
from openbay.sdk.errors import OpenBayError
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking

from .failures import failure, from_error
from .models import ScreenshotResult
from .results import ApiResponse, BoolResult, OperationResult

log = logging.getLogger("openbay.agentbay")


@dataclass
class InstalledAppListResult(ApiResponse):
    success: bool = False
    data: list = field(default_factory=list)
    error_message: str = ""


@dataclass
class ProcessListResult(ApiResponse):
    success: bool = False
    data: list = field(default_factory=list)
    error_message: str = ""


@dataclass
class AppOperationResult(ApiResponse):
    success: bool = False
    error_message: str = ""


@dataclass
class WindowListResult(ApiResponse):
    success: bool = False
    windows: list = field(default_factory=list)
    error_message: str = ""


@dataclass
class WindowInfoResult(ApiResponse):
    success: bool = False
    window: Any = None
    error_message: str = ""


@dataclass
class UIElementListResult(ApiResponse):
    success: bool = False
    elements: list = field(default_factory=list)
    raw: str = ""
    format: str = "json"
    error_message: str = ""


def adapt(call: Call[Any], cls: Callable[..., Any] = OperationResult, key: str = "data",
          build: Callable[[Any], Any] = lambda d: d) -> Call[Any]:
    """A native call answered in AgentBay's shape: cls(success=True, <key>=build(data))."""
    try:
        r = yield from call
    except OpenBayError as e:
        return from_error(cls, e)
    data = getattr(r, "data", r)
    out = cls(request_id=getattr(r, "request_id", ""), success=True)
    if key:
        setattr(out, key, build(data))
    return out


def _png_url(png: bytes) -> str:
    """Where AgentBay hands out a hosted screenshot URL, OpenBay hands the PNG as a data: URL."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def png_size(png: bytes) -> tuple[int | None, int | None]:
    """Width and height from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return None, None
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def as_jpeg(png: bytes, quality: int = 90) -> bytes:
    """The screen arrives as PNG; AgentBay's "jpg"/"jpeg" is made from it here (Pillow)."""
    from PIL import Image  # a dependency of OpenBay; loaded only for JPEG
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def beta_screenshot(call: Call[Any], format: str) -> Call[ScreenshotResult]:
    """AgentBay's beta_take_screenshot: the image in memory, PNG or JPEG ("png", "jpg", "jpeg")."""
    kind = str(format).lower()
    if kind not in ("png", "jpg", "jpeg"):
        return failure(ScreenshotResult, f"format {format!r}: beta_take_screenshot makes 'png' or 'jpeg'")
    try:
        r = yield from call
    except OpenBayError as e:
        return from_error(ScreenshotResult, e)
    png = bytes(getattr(r, "data", r))
    width, height = png_size(png)
    data, kind = (png, "png") if kind == "png" else (as_jpeg(png), "jpeg")
    return ScreenshotResult(request_id=getattr(r, "request_id", ""), success=True, type=kind, data=data,
                            mime_type=f"image/{kind}", width=width, height=height)


def _dumped(items: Any) -> Any:
    if isinstance(items, list):
        return [i.model_dump() if hasattr(i, "model_dump") else i for i in items]
    return items.model_dump() if hasattr(items, "model_dump") else items


class AgentBayComputerCalls:
    _path: str

    def click_mouse(self, x: int, y: int, button: MouseButton | str = MouseButton.LEFT) -> Call[BoolResult]:
        return (yield from adapt(ComputerCalls.click_mouse(self, x, y, str(getattr(button, "value", button))),  # type: ignore[arg-type]
                                 BoolResult, build=lambda d: True))

    def move_mouse(self, x: int, y: int) -> Call[BoolResult]:
        return (yield from adapt(ComputerCalls.move_mouse(self, x, y), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def drag_mouse(self, from_x: int, from_y: int, to_x: int, to_y: int,
                   button: MouseButton | str = MouseButton.LEFT) -> Call[BoolResult]:
        return (yield from adapt(ComputerCalls.drag_mouse(self, from_x, from_y, to_x, to_y,  # type: ignore[arg-type]
                                                          str(getattr(button, "value", button))),
                                 BoolResult, build=lambda d: True))

    def scroll(self, x: int, y: int, direction: ScrollDirection | str = ScrollDirection.UP,
               amount: int = 1) -> Call[BoolResult]:
        return (yield from adapt(ComputerCalls.scroll(self, x, y, str(getattr(direction, "value", direction)),  # type: ignore[arg-type]
                                                      amount), BoolResult, build=lambda d: True))

    def input_text(self, text: str) -> Call[BoolResult]:
        return (yield from adapt(ComputerCalls.input_text(self, text), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def press_keys(self, keys: list[str], hold: bool = False) -> Call[BoolResult]:
        return (yield from adapt(ComputerCalls.press_keys(self, keys, hold), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def release_keys(self, keys: list[str]) -> Call[BoolResult]:
        return (yield from adapt(ComputerCalls.release_keys(self, keys), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def get_cursor_position(self) -> Call[OperationResult]:
        return (yield from adapt(ComputerCalls.get_cursor_position(self), build=_dumped))  # type: ignore[arg-type]

    def get_screen_size(self) -> Call[OperationResult]:
        return (yield from adapt(ComputerCalls.get_screen_size(self), build=_dumped))  # type: ignore[arg-type]

    def screenshot(self) -> Call[OperationResult]:
        """data: the screen as a data: URL of a PNG."""
        return (yield from adapt(ComputerCalls.screenshot(self), build=_png_url))  # type: ignore[arg-type]

    def beta_take_screenshot(self, format: str = "png") -> Call[ScreenshotResult]:
        """The screen in memory: result.data is the PNG's bytes, width and height its size."""
        return (yield from beta_screenshot(ComputerCalls.screenshot(self), format))  # type: ignore[arg-type]

    def focus_mode(self, on: bool) -> Call[BoolResult]:
        return failure(BoolResult, "focus_mode is not available on OpenBay's computer sessions: the screen shows "
                       "every window; use activate_window or maximize_window on the one you want")
        yield  # a call

    def list_root_windows(self, timeout_ms: int = 3000) -> Call[WindowListResult]:
        return (yield from adapt(WindowCalls.list_root_windows(self), WindowListResult, "windows", _dumped))  # type: ignore[arg-type]

    def get_active_window(self) -> Call[WindowInfoResult]:
        return (yield from adapt(WindowCalls.get_active_window(self), WindowInfoResult, "window", _dumped))  # type: ignore[arg-type]

    def activate_window(self, window_id: int) -> Call[BoolResult]:
        return (yield from adapt(WindowCalls.activate_window(self, window_id), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def close_window(self, window_id: int) -> Call[BoolResult]:
        return (yield from adapt(WindowCalls.close_window(self, window_id), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def maximize_window(self, window_id: int) -> Call[BoolResult]:
        return (yield from adapt(WindowCalls.maximize_window(self, window_id), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def minimize_window(self, window_id: int) -> Call[BoolResult]:
        return (yield from adapt(WindowCalls.minimize_window(self, window_id), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def restore_window(self, window_id: int) -> Call[BoolResult]:
        return (yield from adapt(WindowCalls.restore_window(self, window_id), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def resize_window(self, window_id: int, width: int, height: int) -> Call[BoolResult]:
        return (yield from adapt(WindowCalls.resize_window(self, window_id, width, height), BoolResult,  # type: ignore[arg-type]
                                 build=lambda d: True))

    def fullscreen_window(self, window_id: int) -> Call[BoolResult]:
        return (yield from adapt(WindowCalls.fullscreen_window(self, window_id), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def get_installed_apps(self, start_menu: bool = True, desktop: bool = False,
                           ignore_system_apps: bool = True) -> Call[InstalledAppListResult]:
        return (yield from adapt(ApplicationCalls.get_installed_apps(self), InstalledAppListResult, build=_dumped))  # type: ignore[arg-type]

    def start_app(self, start_cmd: str, work_directory: str = "", activity: str = "") -> Call[ProcessListResult]:
        return (yield from adapt(ApplicationCalls.start_app(self, start_cmd, work_directory), ProcessListResult,  # type: ignore[arg-type]
                                 build=_dumped))

    def list_visible_apps(self) -> Call[ProcessListResult]:
        return (yield from adapt(ApplicationCalls.list_visible_apps(self), ProcessListResult, build=_dumped))  # type: ignore[arg-type]

    def stop_app_by_pname(self, pname: str) -> Call[AppOperationResult]:
        return (yield from adapt(ApplicationCalls.stop_app_by_pname(self, pname), AppOperationResult, key=""))  # type: ignore[arg-type]

    def stop_app_by_pid(self, pid: int) -> Call[AppOperationResult]:
        return (yield from adapt(ApplicationCalls.stop_app_by_pid(self, pid), AppOperationResult, key=""))  # type: ignore[arg-type]

    def stop_app_by_cmd(self, stop_cmd: str) -> Call[AppOperationResult]:
        return (yield from adapt(ApplicationCalls.stop_app_by_cmd(self, stop_cmd), AppOperationResult, key=""))  # type: ignore[arg-type]


_COMPUTER = [n for n in vars(AgentBayComputerCalls) if not n.startswith("_")]
Computer = type("Computer", (Part,), {n: blocking(getattr(AgentBayComputerCalls, n)) for n in _COMPUTER})
AsyncComputer = type("AsyncComputer", (AsyncPart,), {n: awaited(getattr(AgentBayComputerCalls, n)) for n in _COMPUTER})
