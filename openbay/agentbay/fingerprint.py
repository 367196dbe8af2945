"""Browser fingerprints and notifications as AgentBay has them. A FingerprintFormat (given, or
made from BrowserFingerprint's devices, operating systems and locales) is applied to the
session's Chromium through OpenBay's browser options (user agent, viewport, locale, set over CDP
when the browser starts); with BrowserOption(fingerprint_persistent=True) it is kept in the
session's /tmp/browser_fingerprint (a BrowserFingerprintContext's folder, saved with it) and used
again when no other is given."""
from __future__ import annotations

import dataclasses
import json
import locale
import os
import re
from typing import Any

FINGERPRINT_FILE = "fingerprint.json"
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")
OWN_HEADERS = {"user-agent", "host", "connection", "content-length", "content-type", "cookie", "accept-encoding",
               "transfer-encoding", "upgrade", "te", "keep-alive", "proxy-authorization", "authorization"}


def _plain(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) and not isinstance(value, type) else value


@dataclasses.dataclass
class FingerprintFormat:
    """fingerprint: AgentBay's fingerprint record (screen, navigator, videoCard, ...) as a dict;
    headers: the HTTP headers that go with it."""
    fingerprint: dict[str, Any]
    headers: dict[str, str]

    @classmethod
    def load(cls, data: dict | str) -> FingerprintFormat:
        try:
            raw = json.loads(data) if isinstance(data, str) else data
            return cls(fingerprint=dict(raw["fingerprint"]), headers=dict(raw.get("headers") or {}))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"not a fingerprint: {e}") from None

    @classmethod
    def create(cls, screen: Any, navigator: Any, video_card: Any, headers: dict[str, str],
               video_codecs: dict[str, str] | None = None, audio_codecs: dict[str, str] | None = None,
               plugins_data: dict[str, str] | None = None, battery: dict[str, str] | None = None,
               multimedia_devices: list[str] | None = None, fonts: list[str] | None = None,
               mock_webrtc: bool = False, slim: bool | None = None) -> FingerprintFormat:
        return cls(fingerprint={
            "screen": _plain(screen), "navigator": _plain(navigator), "videoCard": _plain(video_card),
            "videoCodecs": video_codecs or {}, "audioCodecs": audio_codecs or {}, "pluginsData": plugins_data or {},
            "battery": battery, "multimediaDevices": multimedia_devices or [], "fonts": fonts or [],
            "mockWebRTC": mock_webrtc, "slim": slim}, headers=dict(headers))

    def to_json(self) -> str:
        return json.dumps({"fingerprint": self.fingerprint, "headers": self.headers})

    def user_agent(self) -> str | None:
        nav = self.fingerprint.get("navigator") or {}
        return self.headers.get("User-Agent") or self.headers.get("user-agent") or nav.get("userAgent")

    def screen_size(self) -> tuple[int, int] | None:
        screen = self.fingerprint.get("screen") or {}
        w, h = screen.get("innerWidth") or screen.get("width"), screen.get("innerHeight") or screen.get("height")
        return (int(w), int(h)) if w and h else None

    def locale(self) -> str | None:
        return (self.fingerprint.get("navigator") or {}).get("language")

    def request_headers(self) -> dict[str, str]:
        """The fingerprint's headers every request carries (the user agent is set on its own; the
        browser's own connection headers are left to it)."""
        return {k: str(v) for k, v in list(self.headers.items())[:64]
                if HEADER_NAME.fullmatch(k) and k.lower() not in OWN_HEADERS and "\n" not in str(v)}


class BrowserFingerprintContext:
    def __init__(self, fingerprint_context_id: str):
        if not fingerprint_context_id or not fingerprint_context_id.strip():
            raise ValueError("fingerprint_context_id cannot be empty")
        self.fingerprint_context_id = fingerprint_context_id


class BrowserNotifyMessage:
    """A message between the program and the session's browser (e.g. a call-for-user takeover)."""

    def __init__(self, type: str | None = None, id: int | None = None, code: int | None = None,
                 message: str | None = None, action: str | None = None, extra_params: dict | None = None):
        self.type, self.id, self.code, self.message = type, id, code, message
        self.action, self.extra_params = action, extra_params or {}

    def __repr__(self) -> str:
        return f"BrowserNotifyMessage(type={self.type!r}, id={self.id}, code={self.code}, message={self.message!r})"


# (user agent's platform part, navigator.platform) of each operating system AgentBay names
SYSTEMS = {"windows": ("Windows NT 10.0; Win64; x64", "Win32"),
           "macos": ("Macintosh; Intel Mac OS X 10_15_7", "MacIntel"),
           "linux": ("X11; Linux x86_64", "Linux x86_64"), "android": ("Linux; Android 14; Pixel 8", "Linux armv8l"),
           "ios": ("iPhone; CPU iPhone OS 17_5 like Mac OS X", "iPhone")}
SCREENS = {"desktop": (1920, 1080), "mobile": (412, 915)}


def fingerprint_for(devices: list[str] | None = None, operating_systems: list[str] | None = None,
                    locales: list[str] | None = None, chromium_version: str = "131.0.0.0") -> FingerprintFormat:
    """A Chromium fingerprint for the first of each: device ("desktop", "mobile"), operating system
    ("windows", "macos", "linux", "android", "ios") and locale. AgentBay picks at random among
    them; OpenBay takes the first, so the same options give the same fingerprint."""
    system = next((o for o in operating_systems or [] if o in SYSTEMS), "linux")
    device = next((d for d in devices or [] if d in SCREENS), "mobile" if system in ("android", "ios") else "desktop")
    lang = (locales or [None])[0] or (locale.getlocale()[0] or "en_US").replace("_", "-")
    mobile = " Mobile" if device == "mobile" else ""
    ua = (f"Mozilla/5.0 ({SYSTEMS[system][0]}) AppleWebKit/537.36 (KHTML, like Gecko) "
          f"Chrome/{chromium_version}{mobile} Safari/537.36")
    w, h = SCREENS[device]
    screen = {"width": w, "height": h, "availWidth": w, "availHeight": h, "innerWidth": w, "innerHeight": h,
              "outerWidth": w, "outerHeight": h, "colorDepth": 24, "pixelDepth": 24, "devicePixelRatio": 1.0}
    navigator = {"userAgent": ua, "language": lang, "languages": [lang], "platform": SYSTEMS[system][1],
                 "hardwareConcurrency": os.cpu_count() or 2, "vendor": "Google Inc."}
    return FingerprintFormat.create(screen, navigator, {"vendor": "Google Inc.", "renderer": "ANGLE"},
                                    {"User-Agent": ua, "Accept-Language": lang})


def local_fingerprint() -> FingerprintFormat:
    """The fingerprint of a desktop Chromium on this machine (its locale and CPU count)."""
    return fingerprint_for(["desktop"], ["linux"])


class BrowserFingerprintGenerator:
    """AgentBay's generator reads the fingerprint of a Chrome it starts on the caller's machine;
    this one describes a desktop Chromium on this machine (locale, CPU count) without starting one."""

    def __init__(self, headless: bool = False, use_chrome_channel: bool = True):
        self.headless, self.use_chrome_channel = headless, use_chrome_channel

    def generate_fingerprint(self) -> FingerprintFormat | None:
        return local_fingerprint()

    def generate_fingerprint_to_file(self, output_filename: str = "fingerprint_output.json") -> bool:
        try:
            with open(output_filename, "w", encoding="utf-8") as f:
                f.write(local_fingerprint().to_json())
        except OSError:
            return False
        return True


class AsyncBrowserFingerprintGenerator(BrowserFingerprintGenerator):
    async def generate_fingerprint(self) -> FingerprintFormat | None:  # type: ignore[override]
        return local_fingerprint()

    async def generate_fingerprint_to_file(self, output_filename: str = "fingerprint_output.json") -> bool:  # type: ignore[override]
        return BrowserFingerprintGenerator.generate_fingerprint_to_file(self, output_filename)
