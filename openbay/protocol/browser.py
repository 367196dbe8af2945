"""The browser of a session: launch options, its status, its CDP endpoint."""
import re

from pydantic import BaseModel, Field, field_validator

from .wire import RequestBody

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
_TIMEZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$")
_PROXY_SERVER = re.compile(r"^(https?|socks4|socks5)://[A-Za-z0-9.\-\[\]:]{1,255}$")
_PROFILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ARG = re.compile(r"^--[a-z0-9][a-z0-9-]{0,127}(=[^\x00-\x1f\x7f]{0,2048})?$")
# the switches envd sets itself: the CDP pipe (never a TCP port), the profile folder, extensions
RESERVED_ARGS = ("--remote-debugging", "--user-data-dir", "--load-extension", "--disable-extensions-except")
_EXTENSION_DIR = re.compile(r"^/[A-Za-z0-9_./-]{0,1023}$")
_START_URL = re.compile(r"^(https?://|about:|chrome://)[^\x00-\x20\x7f]{0,4096}$")
BROWSER_IMAGES = ("browser", "computer")
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def _described(regex: re.Pattern, **kw):
    """Field metadata that tells the spec the pattern the validator below enforces."""
    return Field(json_schema_extra={"pattern": regex.pattern}, **kw)


def _printable(value: str, what: str) -> str:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"{what} must not hold control characters")
    return value


class Viewport(RequestBody):
    width: int = Field(default=1280, ge=200, le=7680)
    height: int = Field(default=800, ge=200, le=4320)


class ProxyOption(RequestBody):
    server: str = _described(_PROXY_SERVER, description="e.g. http://127.0.0.1:3128 or socks5://host:1080")
    username: str | None = Field(default=None, max_length=256, description="for a proxy that asks for a login")
    password: str | None = Field(default=None, max_length=256, repr=False,
                                 description="never shown back (status shows it as ***)")
    bypass: str | None = Field(default=None, max_length=2048, json_schema_extra={"pattern": PRINTABLE},
                               description="comma-separated hosts that skip the proxy")

    @field_validator("server")
    @classmethod
    def _server(cls, v: str) -> str:
        if not _PROXY_SERVER.fullmatch(v):
            raise ValueError("proxy server must look like scheme://host:port "
                             "(http, https, socks4, socks5)")
        return v

    @field_validator("bypass")
    @classmethod
    def _bypass(cls, v: str | None) -> str | None:
        return _printable(v, "proxy bypass") if v else v


class BrowserOption(RequestBody):
    """How the session's Chromium is launched; `initialize` applies it (restarting the browser)."""
    viewport: Viewport | None = None
    user_agent: str | None = Field(default=None, max_length=1024, json_schema_extra={"pattern": PRINTABLE})
    locale: str | None = _described(_LOCALE, default=None, description="e.g. en-US")
    timezone: str | None = _described(_TIMEZONE, default=None, description="an IANA zone, e.g. Europe/Berlin")
    proxy: ProxyOption | None = None
    extra_headers: dict[str, str] = Field(default_factory=dict, json_schema_extra={
        "maxProperties": 64, "propertyNames": {"pattern": _HEADER_NAME.pattern},
        "additionalProperties": {"type": "string", "maxLength": 8192, "pattern": PRINTABLE}},
        description="sent with every request of every page")
    persist_profile_context: str | None = _described(
        _PROFILE, default=None, description="name of a profile (cookies, storage) kept across restarts")
    extra_args: list[str] = Field(default_factory=list, max_length=32, json_schema_extra={
        "items": {"type": "string", "pattern": _ARG.pattern}},
        description='Chromium switches, e.g. ["--disable-features=Foo"] (features lists are merged with '
                    "OpenBay's); the CDP, profile and extension switches are envd's own")
    start_url: str | None = _described(_START_URL, default=None,
                                       description="the first page (http, https, about: or chrome://)")
    extension_dir: str | None = _described(
        _EXTENSION_DIR, default=None,
        description="a folder of the session whose extensions (.zip files or unpacked folders) Chromium loads")

    @field_validator("extra_args")
    @classmethod
    def _extra_args(cls, v: list[str]) -> list[str]:
        for arg in v:
            if not _ARG.fullmatch(arg):
                raise ValueError(f"{arg[:80]!r} is not a Chromium switch (--name or --name=value)")
            if arg.startswith(RESERVED_ARGS):
                raise ValueError(f"{arg.partition('=')[0]} is set by OpenBay itself")
        return v

    @field_validator("extension_dir")
    @classmethod
    def _extension_dir(cls, v: str | None) -> str | None:
        if v and (not _EXTENSION_DIR.fullmatch(v) or ".." in v.split("/")):
            raise ValueError("extension_dir must be an absolute folder path of the session")
        return v

    @field_validator("start_url")
    @classmethod
    def _start_url(cls, v: str | None) -> str | None:
        if v and not _START_URL.fullmatch(v):
            raise ValueError("start_url must be an http, https, about: or chrome:// URL")
        return v

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, v: str | None) -> str | None:
        return _printable(v, "user_agent") if v else v

    @field_validator("locale")
    @classmethod
    def _locale(cls, v: str | None) -> str | None:
        if v and not _LOCALE.fullmatch(v):
            raise ValueError("locale must look like en or en-US")
        return v

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str | None) -> str | None:
        if v and not _TIMEZONE.fullmatch(v):
            raise ValueError("timezone must be an IANA name such as Europe/Berlin")
        return v

    @field_validator("extra_headers")
    @classmethod
    def _headers(cls, v: dict[str, str]) -> dict[str, str]:
        if len(v) > 64:
            raise ValueError("at most 64 extra headers")
        for name, value in v.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"header name {name!r} is not a valid HTTP token")
            if len(value) > 8192:
                raise ValueError(f"header {name!r}: value over 8 KiB")
            _printable(value, f"header {name!r}")
        return v

    @field_validator("persist_profile_context")
    @classmethod
    def _profile(cls, v: str | None) -> str | None:
        if v and not _PROFILE.fullmatch(v):
            raise ValueError(f"persist_profile_context must match {_PROFILE.pattern}")
        return v


class BrowserStatus(BaseModel):
    state: str = Field(description="stopped, starting, running or crashed")
    version: str = ""
    pid: int | None = None
    clients: int = Field(default=0, description="CDP connections open now")
    started_ms: float = Field(default=0.0, description="how long the last launch took")
    exit_code: int | None = None
    log_tail: str = Field(default="", description="Chromium's last log lines, after a crash")
    options: BrowserOption = Field(default_factory=BrowserOption)


class BrowserEndpoint(BaseModel):
    url: str = Field(description="ws:// URL for Playwright connect_over_cdp or any CDP client")
    expires_in_s: int


class ScreenshotRequest(RequestBody):
    full_page: bool = Field(default=False, description="the whole page, not only the viewport")


class Screenshot(BaseModel):
    data: str = Field(description="the image, base64")
    format: str = "png"
