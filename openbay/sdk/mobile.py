"""`session.mobile`: the Android device of a `mobile` session. Each method is one call
(see calls.py), shared by OpenBay and AsyncOpenBay; results carry success,
request_id, error_message and data."""
from __future__ import annotations

from typing import TYPE_CHECKING

from openbay.protocol.mobile import (
    MobileAppList,
    MobileDevice,
    MobileStartApp,
    MobileStopApp,
    MobileText,
    MobileUiElements,
    SendKey,
    Swipe,
    Tap,
)

from . import calls
from .calls import Request
from .results import OperationResult

if TYPE_CHECKING:
    from .session import Session


class KeyCode:
    """Android keycodes, as the seed names them (send_key also takes home/back/menu...)."""
    HOME = 3
    BACK = 4
    VOLUME_UP = 24
    VOLUME_DOWN = 25
    POWER = 26
    MENU = 82


class MobileApi:
    def __init__(self, session: Session):
        self._session = session

    def _call(self, method: str, path: str, body=None, build=lambda b: True,
              params=None) -> OperationResult:
        req = Request(method, f"{self._session._path}/mobile{path}", params=params,
                      json=body.model_dump(mode="json") if body is not None else None, timeout_s=90)
        return self._session._run(calls.result(req, OperationResult, lambda b: {"data": build(b)}))

    def get_device(self) -> OperationResult:
        """data: MobileDevice (serial, state) bound to this session."""
        return self._call("GET", "", build=MobileDevice.model_validate)

    def tap(self, x: int, y: int) -> OperationResult:
        return self._call("POST", "/tap", Tap(x=x, y=y))

    def swipe(self, start_x: int, start_y: int, end_x: int, end_y: int,
              duration_ms: int = 300) -> OperationResult:
        return self._call("POST", "/swipe", Swipe(start_x=start_x, start_y=start_y, end_x=end_x,
                                                  end_y=end_y, duration_ms=duration_ms))

    def input_text(self, text: str) -> OperationResult:
        return self._call("POST", "/text", MobileText(text=text))

    def send_key(self, key: str | int) -> OperationResult:
        """key: "home", "back", "menu", "enter", ... or an Android keycode (KeyCode.HOME)."""
        return self._call("POST", "/key", SendKey(key=key))

    def screenshot(self) -> bytes:
        """The device's screen as PNG bytes (raises OpenBayError on failure)."""
        buffer = bytearray()
        req = Request("GET", f"{self._session._path}/mobile/screenshot", on_bytes=buffer.extend,
                      timeout_s=60)
        return self._session._run(calls.value(req, lambda _: bytes(buffer)))

    def get_ui_elements(self) -> OperationResult:
        """data: the UI as a tree of MobileUiElement (uiautomator dump)."""
        return self._call("GET", "/ui", build=lambda b: MobileUiElements.model_validate(b).elements)

    get_all_ui_elements = get_ui_elements

    def get_clickable_ui_elements(self) -> OperationResult:
        """data: a flat list of the elements a tap acts on."""
        return self._call("GET", "/ui", params={"clickable_only": "true"},
                          build=lambda b: MobileUiElements.model_validate(b).elements)

    def start_app(self, package: str, activity: str = "") -> OperationResult:
        """Launch an app by package (its launcher activity, or `activity` when given)."""
        return self._call("POST", "/apps/start", MobileStartApp(package=package, activity=activity))

    def stop_app(self, package: str) -> OperationResult:
        return self._call("POST", "/apps/stop", MobileStopApp(package=package))

    stop_app_by_cmd = stop_app

    def list_apps(self, third_party_only: bool = True) -> OperationResult:
        """data: package names installed on the device."""
        return self._call("GET", "/apps", params={"third_party_only": str(third_party_only).lower()},
                          build=lambda b: MobileAppList.model_validate(b).packages)

    get_installed_apps = list_apps
