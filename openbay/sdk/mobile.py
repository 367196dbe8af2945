"""`session.mobile`: the Android device of a `mobile` session. Each method is one call
(see calls.py), shared by OpenBay and AsyncOpenBay; results carry success,
request_id, error_message and data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from .calls import Call, Request
from .methods import AsyncPart, Part, awaited, blocking
from .results import OperationResult


def _done(body: Any) -> bool:
    return True


class KeyCode:
    """Android keycodes, as AgentBay names them (send_key also takes home/back/menu...)."""

    HOME = 3
    BACK = 4
    VOLUME_UP = 24
    VOLUME_DOWN = 25
    POWER = 26
    MENU = 82


def _call(
    method: str, path: str, body: Any = None, build: Callable[[Any], Any] = _done, params: dict | None = None
) -> Call[OperationResult]:
    req = Request(
        method, path, params=params, json=body.model_dump(mode="json") if body is not None else None, timeout_s=90
    )
    return (yield from calls.result(req, OperationResult, lambda b: {"data": build(b)}))


class MobileCalls:
    _path: str

    def get_device(self) -> Call[OperationResult]:
        """data: MobileDevice (serial, state) bound to this session."""
        return (yield from _call("GET", f"{self._path}/mobile", build=MobileDevice.model_validate))

    def tap(self, x: int, y: int) -> Call[OperationResult]:
        return (yield from _call("POST", f"{self._path}/mobile/tap", Tap(x=x, y=y)))

    def swipe(
        self, start_x: int, start_y: int, end_x: int, end_y: int, duration_ms: int = 300
    ) -> Call[OperationResult]:
        return (
            yield from _call(
                "POST",
                f"{self._path}/mobile/swipe",
                Swipe(start_x=start_x, start_y=start_y, end_x=end_x, end_y=end_y, duration_ms=duration_ms),
            )
        )

    def input_text(self, text: str) -> Call[OperationResult]:
        return (yield from _call("POST", f"{self._path}/mobile/text", MobileText(text=text)))

    def send_key(self, key: str | int) -> Call[OperationResult]:
        """key: "home", "back", "menu", "enter", ... or an Android keycode (KeyCode.HOME)."""
        return (yield from _call("POST", f"{self._path}/mobile/key", SendKey(key=key)))

    def screenshot(self) -> Call[bytes]:
        """The device's screen as PNG bytes."""
        buffer = bytearray()
        req = Request("GET", f"{self._path}/mobile/screenshot", on_bytes=buffer.extend, timeout_s=60)
        return (yield from calls.value(req, lambda _: bytes(buffer)))

    def get_ui_elements(self) -> Call[OperationResult]:
        """data: the UI as a tree of MobileUiElement (uiautomator dump)."""
        return (
            yield from _call(
                "GET", f"{self._path}/mobile/ui", build=lambda b: MobileUiElements.model_validate(b).elements
            )
        )

    def get_clickable_ui_elements(self) -> Call[OperationResult]:
        """data: a flat list of the elements a tap acts on."""
        return (
            yield from _call(
                "GET",
                f"{self._path}/mobile/ui",
                params={"clickable_only": "true"},
                build=lambda b: MobileUiElements.model_validate(b).elements,
            )
        )

    def start_app(self, package: str, activity: str = "") -> Call[OperationResult]:
        """Launch an app by package (its launcher activity, or `activity` when given)."""
        return (
            yield from _call(
                "POST", f"{self._path}/mobile/apps/start", MobileStartApp(package=package, activity=activity)
            )
        )

    def stop_app(self, package: str) -> Call[OperationResult]:
        return (yield from _call("POST", f"{self._path}/mobile/apps/stop", MobileStopApp(package=package)))

    def list_apps(self, third_party_only: bool = True) -> Call[OperationResult]:
        """data: package names installed on the device."""
        return (
            yield from _call(
                "GET",
                f"{self._path}/mobile/apps",
                params={"third_party_only": str(third_party_only).lower()},
                build=lambda b: MobileAppList.model_validate(b).packages,
            )
        )


class MobileApi(Part):
    """The Android device of a mobile session."""

    get_device = blocking(MobileCalls.get_device)
    tap = blocking(MobileCalls.tap)
    swipe = blocking(MobileCalls.swipe)
    input_text = blocking(MobileCalls.input_text)
    send_key = blocking(MobileCalls.send_key)
    screenshot = blocking(MobileCalls.screenshot)
    get_ui_elements = blocking(MobileCalls.get_ui_elements)
    get_clickable_ui_elements = blocking(MobileCalls.get_clickable_ui_elements)
    start_app = blocking(MobileCalls.start_app)
    stop_app = blocking(MobileCalls.stop_app)
    list_apps = blocking(MobileCalls.list_apps)
    get_all_ui_elements = blocking(MobileCalls.get_ui_elements)
    stop_app_by_cmd = blocking(MobileCalls.stop_app)
    get_installed_apps = blocking(MobileCalls.list_apps)


class AsyncMobileApi(AsyncPart):
    """The Android device of a mobile session."""

    get_device = awaited(MobileCalls.get_device)
    tap = awaited(MobileCalls.tap)
    swipe = awaited(MobileCalls.swipe)
    input_text = awaited(MobileCalls.input_text)
    send_key = awaited(MobileCalls.send_key)
    screenshot = awaited(MobileCalls.screenshot)
    get_ui_elements = awaited(MobileCalls.get_ui_elements)
    get_clickable_ui_elements = awaited(MobileCalls.get_clickable_ui_elements)
    start_app = awaited(MobileCalls.start_app)
    stop_app = awaited(MobileCalls.stop_app)
    list_apps = awaited(MobileCalls.list_apps)
    get_all_ui_elements = awaited(MobileCalls.get_ui_elements)
    stop_app_by_cmd = awaited(MobileCalls.stop_app)
    get_installed_apps = awaited(MobileCalls.list_apps)
