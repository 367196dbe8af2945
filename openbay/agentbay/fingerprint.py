"""Browser fingerprints and notifications as AgentBay has them. A FingerprintFormat is
applied to the session's Chromium through OpenBay's browser options (user agent, viewport,
locale, set over CDP when the browser starts); with BrowserOption(fingerprint_persistent=True)
and a BrowserFingerprintContext it is kept in that context (fingerprint.json) and reused."""
from __future__ import annotations

import dataclasses
import json
import locale
import os
from typing import Any

CHROMIUM_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/{version} Safari/537.36")
FINGERPRINT_FILE = "fingerprint.json"


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


def local_fingerprint(chromium_version: str = "131.0.0.0") -> FingerprintFormat:
    """The fingerprint of a desktop Chromium on this machine's locale, CPU count and a 1920x1080 screen."""
    lang = (locale.getlocale()[0] or "en_US").replace("_", "-")
    ua = CHROMIUM_UA.format(version=chromium_version)
    screen = {"width": 1920, "height": 1080, "availWidth": 1920, "availHeight": 1080, "innerWidth": 1920,
              "innerHeight": 1080, "outerWidth": 1920, "outerHeight": 1080, "colorDepth": 24, "pixelDepth": 24,
              "devicePixelRatio": 1.0}
    navigator = {"userAgent": ua, "language": lang, "languages": [lang], "platform": "Linux x86_64",
                 "hardwareConcurrency": os.cpu_count() or 2, "vendor": "Google Inc."}
    return FingerprintFormat.create(screen, navigator, {"vendor": "Google Inc.", "renderer": "ANGLE"},
                                    {"User-Agent": ua, "Accept-Language": lang})


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
