"""The computer of a `computer` session: mouse, keyboard, screen, windows and apps."""
import re
from enum import Enum

from pydantic import BaseModel, Field, field_validator, model_validator

from .wire import RequestBody

COMPUTER_IMAGES = ("computer",)
MAX_COORD = 32767
_KEY = re.compile(r"^([A-Za-z0-9_]{1,32}|[!-~])$")

Coord = Field(ge=0, le=MAX_COORD)


class MouseButton(str, Enum):
    LEFT = "left"
    RIGHT = "right"
    MIDDLE = "middle"
    DOUBLE_LEFT = "double_left"


class ScrollDirection(str, Enum):
    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"


class MoveMouse(RequestBody):
    x: int = Coord
    y: int = Coord


class ClickMouse(MoveMouse):
    button: MouseButton = Field(default=MouseButton.LEFT, strict=False)


class DragMouse(RequestBody):
    from_x: int = Coord
    from_y: int = Coord
    to_x: int = Coord
    to_y: int = Coord
    button: MouseButton = Field(default=MouseButton.LEFT, strict=False)

    @field_validator("button")
    @classmethod
    def _single(cls, v: MouseButton) -> MouseButton:
        if v == MouseButton.DOUBLE_LEFT:
            raise ValueError("a drag holds one button: left, right or middle")
        return v


class Scroll(MoveMouse):
    direction: ScrollDirection = Field(default=ScrollDirection.DOWN, strict=False)
    amount: int = Field(default=1, ge=1, le=100)


class InputText(RequestBody):
    text: str = Field(min_length=1, max_length=10_000)


class ReleaseKeys(RequestBody):
    keys: list[str] = Field(min_length=1, max_length=16,
                            description='e.g. ["ctrl", "s"]; names or X keysyms, or one character')

    @field_validator("keys")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for key in v:
            if not _KEY.match(key):
                raise ValueError(f"not a key name: {key[:40]!r}")
        return v


class PressKeys(ReleaseKeys):
    hold: bool = Field(default=False, description="keep them down until release_keys")


class ScreenSize(BaseModel):
    width: int
    height: int
    dpi_scaling_factor: float = 1.0


class CursorPosition(BaseModel):
    x: int
    y: int


class Window(BaseModel):
    window_id: int
    title: str = ""
    absolute_upper_left_x: int = 0
    absolute_upper_left_y: int = 0
    width: int = 0
    height: int = 0
    pid: int = 0
    pname: str = ""


class WindowList(BaseModel):
    windows: list[Window]


class ActiveWindow(BaseModel):
    window: Window | None = None


class WindowAction(str, Enum):
    ACTIVATE = "activate"
    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"
    RESTORE = "restore"
    CLOSE = "close"
    FULLSCREEN = "fullscreen"


class ResizeWindow(RequestBody):
    width: int = Field(ge=1, le=16384)
    height: int = Field(ge=1, le=16384)


class InstalledApp(BaseModel):
    name: str
    start_cmd: str
    work_directory: str = ""
    desktop_file: str = ""  # the application's .desktop entry (the freedesktop.org file format)


class InstalledAppList(BaseModel):
    apps: list[InstalledApp]


class StartApp(RequestBody):
    start_cmd: str = Field(min_length=1, max_length=4096, description="a command line, run by bash")
    work_directory: str = Field(default="", max_length=4096)


class Process(BaseModel):
    pid: int
    pname: str = ""
    cmdline: str = ""


class ProcessList(BaseModel):
    processes: list[Process]


class StopApp(RequestBody):
    pid: int | None = Field(default=None, gt=1)
    pname: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.+-]{1,64}$")

    @model_validator(mode="after")
    def _exactly_one(self) -> "StopApp":
        if (self.pid is None) == (self.pname is None):
            raise ValueError("give exactly one of pid and pname")
        return self


class StoppedApps(BaseModel):
    stopped: list[int]


class ComputerStatus(BaseModel):
    running: bool
    display: str
    window_manager: bool = False
    width: int | None = None
    height: int | None = None
    started_ms: float = 0.0
    steps_ms: dict[str, float] = Field(default_factory=dict)
    log_tail: str = Field(default="", description="the X server's last words, when it is not running")


DesktopStatus = ComputerStatus  # its name in earlier releases


class Done(BaseModel):
    ok: bool = True
