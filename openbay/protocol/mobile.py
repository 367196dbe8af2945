"""The Android device of a `mobile` session: touch, keys, screen, UI tree, apps."""
from __future__ import annotations

from pydantic import BaseModel, Field

from .wire import RequestBody

MOBILE_IMAGES = ("mobile",)
MAX_COORD = 100_000
PACKAGE_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$"
ACTIVITY_PATTERN = r"^\.?[A-Za-z][A-Za-z0-9_$]*(\.[A-Za-z0-9_$]+)*$"


class Tap(RequestBody):
    x: int = Field(ge=0, le=MAX_COORD)
    y: int = Field(ge=0, le=MAX_COORD)


class Swipe(RequestBody):
    start_x: int = Field(ge=0, le=MAX_COORD)
    start_y: int = Field(ge=0, le=MAX_COORD)
    end_x: int = Field(ge=0, le=MAX_COORD)
    end_y: int = Field(ge=0, le=MAX_COORD)
    duration_ms: int = Field(default=300, ge=0, le=10_000)


class MobileText(RequestBody):
    text: str = Field(min_length=1, max_length=2000, pattern=r"^[ -~]+$",
                      description="printable ASCII (what Android's `input text` can type)")


class SendKey(RequestBody):
    key: str | int = Field(description="home, back, menu, enter, power, volume_up, ... or a keycode")


class MobileUiElement(BaseModel):
    class_name: str = ""
    text: str = ""
    resource_id: str = ""
    content_desc: str = ""
    package: str = ""
    bounds: list[int] = Field(default_factory=list, description="left, top, right, bottom")
    flags: dict[str, bool] = Field(default_factory=dict)
    children: list[MobileUiElement] = Field(default_factory=list)


class MobileUiElements(BaseModel):
    elements: list[MobileUiElement]


class MobileStartApp(RequestBody):
    package: str = Field(pattern=PACKAGE_PATTERN, max_length=255)
    activity: str = Field(default="", pattern=r"^$|" + ACTIVITY_PATTERN[1:], max_length=255)


class MobileStopApp(RequestBody):
    package: str = Field(pattern=PACKAGE_PATTERN, max_length=255)


class MobileAppList(BaseModel):
    packages: list[str]


class MobileDevice(BaseModel):
    serial: str
    state: str
