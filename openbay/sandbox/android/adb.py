"""Android devices through the `adb` client: every device action of a mobile session.

All device logic lives here, so it can be exercised against a real phone or
emulator. Commands are argv lists (no host shell); what reaches the device's own
shell (`input text`) is escaped for it. Every call has a timeout: a missing or
stuck device gives an error, never a hang.
"""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
from dataclasses import dataclass

from .uiautomator import UiElement, parse_dump

KEYCODES = {"home": 3, "back": 4, "call": 5, "endcall": 6, "volume_up": 24, "volume_down": 25,
            "power": 26, "camera": 27, "enter": 66, "del": 67, "delete": 67, "menu": 82,
            "search": 84, "app_switch": 187, "recent": 187, "escape": 111, "tab": 61}
MAX_COORD = 100_000
MAX_TEXT = 2000
DEFAULT_TIMEOUT_S = 15.0
_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
_ACTIVITY = re.compile(r"^\.?[A-Za-z][A-Za-z0-9_$]*(\.[A-Za-z0-9_$]+)*$")
_SERIAL = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
UI_DUMP_PATH = "/sdcard/openbay_ui.xml"


class AdbError(Exception):
    """adb failed; `no_device` tells a missing device from other failures."""

    def __init__(self, message: str, no_device: bool = False):
        super().__init__(message)
        self.no_device = no_device


@dataclass(frozen=True)
class DeviceState:
    serial: str
    state: str  # device | offline | unauthorized | ...
    description: str = ""


def check_serial(serial: str) -> str:
    if not isinstance(serial, str) or not _SERIAL.match(serial):
        raise ValueError(f"not a device serial: {serial!r}")
    return serial


def check_package(package: str) -> str:
    if not isinstance(package, str) or not _PACKAGE.match(package) or len(package) > 255:
        raise ValueError(f"not an Android package name: {package!r}")
    return package


def _coord(value: int, name: str) -> str:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COORD:
        raise ValueError(f"{name} must be an integer between 0 and {MAX_COORD}")
    return str(value)


def escape_input_text(text: str) -> str:
    """`input text` runs in the device's sh: spaces become %s, everything but letters and
    digits is backslash-escaped. Only printable ASCII reaches it (input text cannot type more)."""
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
        raise ValueError(f"text must be a string of 1 to {MAX_TEXT} characters")
    out = []
    for ch in text:
        if not (" " <= ch <= "~"):
            raise ValueError("input_text types printable ASCII only")
        out.append("%s" if ch == " " else ch if ch.isalnum() else "\\" + ch)
    return "".join(out)


def keycode(key: str | int) -> str:
    if isinstance(key, bool):
        raise ValueError("a key is a name (home, back, menu...) or an Android keycode")
    if isinstance(key, int):
        if not 0 < key < 1000:
            raise ValueError("an Android keycode is between 1 and 999")
        return str(key)
    code = KEYCODES.get(str(key).lower())
    if code is None:
        raise ValueError(f"unknown key {key!r}; one of: {', '.join(sorted(KEYCODES))}, or a keycode")
    return str(code)


# the device-side commands, as argv after `adb -s SERIAL`

def tap_args(x: int, y: int) -> list[str]:
    return ["shell", "input", "tap", _coord(x, "x"), _coord(y, "y")]


def swipe_args(x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> list[str]:
    if not isinstance(duration_ms, int) or not 0 <= duration_ms <= 10_000:
        raise ValueError("duration_ms must be between 0 and 10000")
    return ["shell", "input", "swipe", _coord(x1, "start_x"), _coord(y1, "start_y"),
            _coord(x2, "end_x"), _coord(y2, "end_y"), str(duration_ms)]


def text_args(text: str) -> list[str]:
    return ["shell", "input", "text", escape_input_text(text)]


def key_args(key: str | int) -> list[str]:
    return ["shell", "input", "keyevent", keycode(key)]


def start_app_args(package: str, activity: str = "") -> list[str]:
    check_package(package)
    if activity:
        if not _ACTIVITY.match(activity) or len(activity) > 255:
            raise ValueError(f"not an activity name: {activity!r}")
        return ["shell", "am", "start", "-W", "-n", f"{package}/{activity}"]
    return ["shell", "monkey", "-p", package, "-c", "android.intent.category.LAUNCHER", "1"]


def stop_app_args(package: str) -> list[str]:
    return ["shell", "am", "force-stop", check_package(package)]


def list_apps_args(third_party_only: bool = True) -> list[str]:
    return ["shell", "pm", "list", "packages"] + (["-3"] if third_party_only else [])


def parse_packages(out: str) -> list[str]:
    return sorted(line[len("package:"):].strip() for line in out.splitlines()
                  if line.startswith("package:"))


def parse_devices(out: str) -> list[DeviceState]:
    """`adb devices -l`: one `SERIAL STATE key:value...` line per device after the header."""
    found = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith(("List of devices", "*", "adb server")):
            continue
        parts = line.split(None, 2)
        if len(parts) >= 2:
            found.append(DeviceState(parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return found


class AdbClient:
    """The `adb` binary, talking to an adb server on this machine's loopback (or `host`)."""

    def __init__(self, adb: str = "adb", port: int = 5037, host: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S):
        self.adb = shutil.which(adb) or adb
        self.host, self.port, self.timeout_s = host, int(port), timeout_s

    def base_args(self) -> list[str]:
        # without -H the server is local (loopback) and adb may start it when it is down
        return [self.adb, *(["-H", self.host] if self.host else []), "-P", str(self.port)]

    async def run(self, args: list[str], timeout_s: float | None = None) -> bytes:
        """stdout of `adb ARGS`; AdbError with what adb said when it fails."""
        argv = self.base_args() + args
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True)
        except FileNotFoundError:
            raise AdbError("the adb binary is not installed: apt-get install adb") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout_s or self.timeout_s)
        except asyncio.TimeoutError:
            _kill(proc)
            await proc.wait()
            raise AdbError(f"adb {' '.join(args[:3])} did not answer in {timeout_s or self.timeout_s:g} s") from None
        message = (err.decode(errors="replace") + out.decode(errors="replace")).strip()
        if proc.returncode != 0:
            missing = any(s in message for s in ("not found", "no devices", "offline", "unauthorized"))
            raise AdbError(f"adb {' '.join(args[:3])}: {message[:400] or f'exit {proc.returncode}'}",
                           no_device=missing)
        return out

    async def devices(self) -> list[DeviceState]:
        return parse_devices((await self.run(["devices", "-l"])).decode(errors="replace"))

    async def kill_server(self) -> None:
        try:
            await self.run(["kill-server"], timeout_s=5)
        except AdbError:
            pass

    def device(self, serial: str) -> AdbDevice:
        return AdbDevice(self, check_serial(serial))


class AdbDevice:
    """One attached device or emulator."""

    def __init__(self, client: AdbClient, serial: str):
        self.client, self.serial = client, serial

    async def _run(self, args: list[str], timeout_s: float | None = None) -> bytes:
        return await self.client.run(["-s", self.serial, *args], timeout_s)

    async def state(self) -> str:
        """`device` when usable; AdbError(no_device=True) when it is not attached."""
        out = (await self._run(["get-state"], timeout_s=5)).decode(errors="replace").strip()
        return out

    async def tap(self, x: int, y: int) -> None:
        await self._run(tap_args(x, y))

    async def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        await self._run(swipe_args(x1, y1, x2, y2, duration_ms))

    async def input_text(self, text: str) -> None:
        await self._run(text_args(text))

    async def send_key(self, key: str | int) -> None:
        await self._run(key_args(key))

    async def screenshot(self) -> bytes:
        png = await self._run(["exec-out", "screencap", "-p"], timeout_s=30)
        if not png.startswith(b"\x89PNG"):
            raise AdbError("the device did not return a PNG screenshot")
        return png

    async def ui_elements(self) -> list[UiElement]:
        await self._run(["shell", "uiautomator", "dump", UI_DUMP_PATH], timeout_s=30)
        return parse_dump(await self._run(["exec-out", "cat", UI_DUMP_PATH]))

    async def start_app(self, package: str, activity: str = "") -> None:
        await self._run(start_app_args(package, activity), timeout_s=30)

    async def stop_app(self, package: str) -> None:
        await self._run(stop_app_args(package))

    async def list_apps(self, third_party_only: bool = True) -> list[str]:
        return parse_packages((await self._run(list_apps_args(third_party_only))).decode(errors="replace"))


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
