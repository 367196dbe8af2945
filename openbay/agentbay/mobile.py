"""session.mobile as AgentBay has it, on OpenBay's mobile calls (an Android device over adb)."""
from __future__ import annotations

from openbay.sdk.calls import Call
from openbay.sdk.methods import AsyncPart, Part, awaited, blocking
from openbay.sdk.mobile import MobileCalls

from .computer import (
    AppOperationResult,
    InstalledAppListResult,
    ProcessListResult,
    UIElementListResult,
    _dumped,
    _png_url,
    adapt,
    beta_screenshot,
)
from .failures import failure, unavailable
from .models import ScreenshotResult
from .results import BoolResult, OperationResult

CLOUD_PHONE = "a setting of AgentBay's managed cloud phones; an OpenBay mobile session drives your own device"


class AgentBayMobileCalls:
    _path: str

    def tap(self, x: int, y: int) -> Call[BoolResult]:
        return (yield from adapt(MobileCalls.tap(self, x, y), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def swipe(self, start_x: int, start_y: int, end_x: int, end_y: int, duration_ms: int = 300) -> Call[BoolResult]:
        return (yield from adapt(MobileCalls.swipe(self, start_x, start_y, end_x, end_y, duration_ms),  # type: ignore[arg-type]
                                 BoolResult, build=lambda d: True))

    def input_text(self, text: str) -> Call[BoolResult]:
        return (yield from adapt(MobileCalls.input_text(self, text), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def send_key(self, key: int) -> Call[BoolResult]:
        return (yield from adapt(MobileCalls.send_key(self, key), BoolResult, build=lambda d: True))  # type: ignore[arg-type]

    def get_clickable_ui_elements(self, timeout_ms: int = 2000) -> Call[UIElementListResult]:
        return (yield from adapt(MobileCalls.get_clickable_ui_elements(self), UIElementListResult,  # type: ignore[arg-type]
                                 "elements", _dumped))

    def get_all_ui_elements(self, timeout_ms: int = 2000, format: str = "json") -> Call[UIElementListResult]:
        return (yield from adapt(MobileCalls.get_ui_elements(self), UIElementListResult, "elements", _dumped))  # type: ignore[arg-type]

    def get_installed_apps(self, start_menu: bool = True, desktop: bool = False,
                           ignore_system_apps: bool = True) -> Call[InstalledAppListResult]:
        return (yield from adapt(MobileCalls.list_apps(self, ignore_system_apps), InstalledAppListResult,  # type: ignore[arg-type]
                                 build=lambda pkgs: [{"name": p, "start_cmd": p} for p in pkgs]))

    def start_app(self, start_cmd: str, work_directory: str = "", activity: str = "") -> Call[ProcessListResult]:
        """start_cmd: a package name (AgentBay's "monkey -p <package>" form is understood too)."""
        package = start_cmd.split()[-1] if start_cmd.startswith("monkey") else start_cmd
        return (yield from adapt(MobileCalls.start_app(self, package, activity), ProcessListResult,  # type: ignore[arg-type]
                                 build=lambda d: [{"pname": package, "pid": 0, "cmdline": start_cmd}]))

    def stop_app_by_cmd(self, stop_cmd: str) -> Call[AppOperationResult]:
        """stop_cmd: a package name ("am force-stop <package>" is understood too)."""
        return (yield from adapt(MobileCalls.stop_app(self, stop_cmd.split()[-1]), AppOperationResult, key=""))  # type: ignore[arg-type]

    def screenshot(self) -> Call[OperationResult]:
        """data: the screen as a data: URL of a PNG."""
        return (yield from adapt(MobileCalls.screenshot(self), build=_png_url))  # type: ignore[arg-type]

    def beta_take_screenshot(self, format: str = "png") -> Call[ScreenshotResult]:
        """The screen in memory: result.data is the PNG's bytes, width and height its size."""
        return (yield from beta_screenshot(MobileCalls.screenshot(self), format))  # type: ignore[arg-type]

    def beta_take_long_screenshot(self, max_screens: int = 4, format: str = "png",
                                  quality: int | None = None) -> Call[ScreenshotResult]:
        return failure(ScreenshotResult, "beta_take_long_screenshot is not available on OpenBay: it stitches "
                       "scrolled screens on AgentBay's cloud phones; take beta_take_screenshot after each swipe")
        yield

    def get_adb_url(self, adbkey_pub: str) -> Call[OperationResult]:
        return unavailable(OperationResult, "get_adb_url", "the device is attached to the OpenBay server "
                           "(OPENBAY_ADB_SERIAL); connect to it with adb there")
        yield  # a call

    def configure(self, mobile_config: object) -> Call[OperationResult]:
        return unavailable(OperationResult, "mobile configure", CLOUD_PHONE)
        yield

    def set_resolution_lock(self, enable: bool) -> Call[OperationResult]:
        return unavailable(OperationResult, "set_resolution_lock", CLOUD_PHONE)
        yield

    def set_app_whitelist(self, package_names: list[str]) -> Call[OperationResult]:
        return unavailable(OperationResult, "set_app_whitelist", CLOUD_PHONE)
        yield

    def set_app_blacklist(self, package_names: list[str]) -> Call[OperationResult]:
        return unavailable(OperationResult, "set_app_blacklist", CLOUD_PHONE)
        yield

    def set_navigation_bar_visibility(self, hide: bool) -> Call[OperationResult]:
        return unavailable(OperationResult, "set_navigation_bar_visibility", CLOUD_PHONE)
        yield

    def set_uninstall_blacklist(self, package_names: list[str]) -> Call[OperationResult]:
        return unavailable(OperationResult, "set_uninstall_blacklist", CLOUD_PHONE)
        yield


_MOBILE = [n for n in vars(AgentBayMobileCalls) if not n.startswith("_")]
Mobile = type("Mobile", (Part,), {n: blocking(getattr(AgentBayMobileCalls, n)) for n in _MOBILE})
AsyncMobile = type("AsyncMobile", (AsyncPart,), {n: awaited(getattr(AgentBayMobileCalls, n)) for n in _MOBILE})
