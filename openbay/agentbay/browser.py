"""session.browser as AgentBay has it: initialize(BrowserOption) then get_endpoint_url() for
Playwright's connect_over_cdp. Options map onto OpenBay's; what only Alibaba's cloud does
(captcha solving, its managed proxies) makes initialize answer False with last_error saying so."""
from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from openbay.protocol.browser import BrowserOption as NativeBrowserOption
from openbay.protocol.browser import ProxyOption, Viewport
from openbay.sdk.browser import BrowserCalls
from openbay.sdk.calls import Call
from openbay.sdk.contexts import ContextCalls
from openbay.sdk.errors import OpenBayError
from openbay.sdk.files import FileSystemCalls
from openbay.sdk.methods import AsyncPart, Part

from .failures import CLOUD_ONLY
from .fingerprint import FINGERPRINT_FILE, BrowserNotifyMessage, FingerprintFormat, fingerprint_for
from .operator import AsyncBrowserOperator, BrowserOperator
from .params import FINGERPRINT_PATH

KEPT_FINGERPRINT = f"{FINGERPRINT_PATH}/{FINGERPRINT_FILE}"

log = logging.getLogger("openbay.agentbay")


class BrowserViewport:
    def __init__(self, width: int = 1920, height: int = 1080):
        self.width, self.height = width, height


class BrowserScreen(BrowserViewport):
    pass


class BrowserProxy:
    """proxy_type "custom" (your own server) works on OpenBay; "wuying" and "managed" are Alibaba's."""

    def __init__(self, proxy_type: str = "custom", server: str | None = None, username: str | None = None,
                 password: str | None = None, strategy: str | None = None, pollsize: int = 10,
                 user_id: str | None = None, isp: str | None = None, country: str | None = None,
                 province: str | None = None, city: str | None = None):
        self.type, self.server, self.username, self.password = proxy_type, server, username, password
        self.strategy, self.pollsize, self.user_id = strategy, pollsize, user_id
        self.isp, self.country, self.province, self.city = isp, country, province, city


class BrowserFingerprint:
    def __init__(self, devices: list[str] | None = None, operating_systems: list[str] | None = None,
                 locales: list[str] | None = None):
        self.devices, self.operating_systems, self.locales = devices, operating_systems, locales


class BrowserOption:
    """AgentBay's BrowserOption. Used on OpenBay: user_agent, viewport, proxies (custom),
    fingerprint (its devices, systems and locales make a fingerprint), fingerprint_format (its
    user agent, screen, language and headers), fingerprint_persistent, cmd_args (Chromium's
    switches), default_navigate_url (the first page), extension_path (its extensions are loaded).
    Accepted and not applied: use_stealth, screen, browser_type (see docs/migrating.md)."""

    def __init__(self, use_stealth: bool = False, user_agent: str | None = None,
                 viewport: BrowserViewport | None = None, screen: BrowserScreen | None = None,
                 fingerprint: BrowserFingerprint | None = None, fingerprint_format: Any = None,
                 fingerprint_persistent: bool = False, solve_captchas: bool = False, auto_login: bool = False,
                 call_for_user: bool = False, proxies: list[BrowserProxy] | None = None,
                 extension_path: str | None = "/tmp/extensions/", cmd_args: list[str] | None = None,
                 default_navigate_url: str | None = None, browser_type: str | None = None):
        self.use_stealth, self.user_agent, self.viewport, self.screen = use_stealth, user_agent, viewport, screen
        self.fingerprint, self.fingerprint_format = fingerprint, fingerprint_format
        self.fingerprint_persistent, self.auto_login = fingerprint_persistent, auto_login
        self.solve_captchas = solve_captchas
        self.call_for_user, self.proxies, self.extension_path = call_for_user, proxies or [], extension_path
        self.cmd_args, self.default_navigate_url, self.browser_type = cmd_args, default_navigate_url, browser_type

    def chosen_fingerprint(self) -> FingerprintFormat | None:
        """fingerprint_format, else one made from `fingerprint` when it names devices or systems."""
        if self.fingerprint_format is not None:
            return self.fingerprint_format
        f = self.fingerprint
        if f is not None and (f.devices or f.operating_systems):
            return fingerprint_for(f.devices, f.operating_systems, f.locales)
        return None

    def cloud_only(self) -> str:
        """Why this option cannot run on OpenBay, or ""."""
        if self.solve_captchas:
            return CLOUD_ONLY.format(feature="solve_captchas", why="OpenBay solves no captchas for you; an agent "
                                     "task can hand one to a person with call_for_user")
        managed = [p.type for p in self.proxies if p.type != "custom"]
        if managed:
            return CLOUD_ONLY.format(feature=f"{managed[0]!r} proxies", why="Alibaba's managed and residential "
                                     "proxies; use BrowserProxy('custom', server=...) with your own")
        return ""

    def native(self, profile_context: str | None) -> NativeBrowserOption:
        proxy = next((p for p in self.proxies if p.server), None)
        locale = self.fingerprint.locales[0] if self.fingerprint and self.fingerprint.locales else None
        user_agent, size = self.user_agent, (self.viewport.width, self.viewport.height) if self.viewport else None
        fingerprint = self.chosen_fingerprint()
        if fingerprint is not None:  # a generated or loaded fingerprint: its UA, screen, language
            user_agent = user_agent or fingerprint.user_agent()
            size = size or fingerprint.screen_size()
            locale = locale or fingerprint.locale()
        return NativeBrowserOption(
            viewport=Viewport(width=size[0], height=size[1]) if size else None,
            user_agent=user_agent, locale=locale,
            proxy=ProxyOption(server=proxy.server) if proxy and proxy.server else None,
            extra_headers=fingerprint.request_headers() if fingerprint is not None else {},
            persist_profile_context=profile_context, extra_args=list(self.cmd_args or []),
            start_url=self.default_navigate_url or None, extension_dir=self.extension_path or None)


class AgentBayBrowserCalls:
    _path: str
    _profile_context_id: str | None
    last_error: str

    def _initialize(self, option: BrowserOption | None) -> Call[bool]:
        option = option or BrowserOption()
        self.last_error = option.cloud_only()
        if self.last_error:
            log.warning("browser.initialize: %s", self.last_error)
            return False
        try:
            if option.fingerprint_persistent:
                option = yield from _with_kept_fingerprint(self, option)
            profile = None
            if self._profile_context_id:  # CreateSessionParams(browser_context=...): the profile lives there
                ctx = yield from ContextCalls.get_by_id(self, self._profile_context_id)  # type: ignore[arg-type]
                profile = ctx.context.name if ctx.context else None
            yield from BrowserCalls.initialize(self, option.native(profile))  # type: ignore[arg-type]
        except (OpenBayError, ValueError) as e:
            self.last_error = str(e)
            log.warning("browser.initialize failed: %s", e)
            return False
        return True

    def _endpoint(self) -> Call[str]:
        return (yield from BrowserCalls.get_endpoint_url(self))  # type: ignore[arg-type]


def _with_kept_fingerprint(part: Any, option: BrowserOption) -> Call[BrowserOption]:
    """fingerprint_persistent: a given fingerprint is kept in the session's fingerprint folder (the
    BrowserFingerprintContext's, saved with it); without one, the kept one is used."""
    chosen = option.chosen_fingerprint()
    if chosen is not None:
        yield from FileSystemCalls.create_directory(part, FINGERPRINT_PATH)
        yield from FileSystemCalls.write_file(part, KEPT_FINGERPRINT, chosen.to_json())
        return option
    try:
        kept = yield from FileSystemCalls.read_file(part, KEPT_FINGERPRINT)
    except OpenBayError:  # nothing kept yet: the browser starts with its own
        return option
    try:
        fingerprint = FingerprintFormat.load(str(kept.content))
    except ValueError as e:
        log.warning("browser.initialize: the kept fingerprint is not used: %s", e)
        return option
    option = copy.copy(option)
    option.fingerprint_format = fingerprint
    return option


class _BrowserState:
    def _setup(self, profile_context_id: str | None) -> None:
        self._profile_context_id = profile_context_id
        self._option: BrowserOption | None = None
        self._initialized = False
        self._callback: Callable[[BrowserNotifyMessage], None] | None = None
        self.last_error = ""

    @property
    def agent(self) -> Any:
        """AgentBay's older name of `operator`."""
        return self.operator  # type: ignore[attr-defined]

    def register_callback(self, callback: Callable[[BrowserNotifyMessage], None]) -> bool:
        """Keep `callback` for the browser's notifications. OpenBay's browser solves no captchas
        and runs no login skills, so it sends none of AgentBay's takeover messages: a person is
        asked through an agent task's call_for_user instead."""
        self._callback = callback
        return True

    def unregister_callback(self) -> None:
        self._callback = None

    def send_notify_message(self, notify_message: BrowserNotifyMessage) -> bool:
        """Nothing in OpenBay's browser waits for a takeover, so there is nobody to tell: True."""
        return isinstance(notify_message, BrowserNotifyMessage)

    def send_takeover_done(self, notify_id: int) -> bool:
        return self.send_notify_message(BrowserNotifyMessage("call-for-user", notify_id, 199, "user handle done",
                                                             "takeoverdone"))

    def is_initialized(self) -> bool:
        return self._initialized

    def get_option(self) -> BrowserOption | None:
        return self._option


class Browser(_BrowserState, Part):
    def __init__(self, runner: Any, path: str, profile_context_id: str | None = None):
        Part.__init__(self, runner, path)
        self._setup(profile_context_id)
        self.operator = BrowserOperator(runner, path, self)

    def destroy(self) -> None:
        """Forget this browser: initialize() starts a fresh one (the running one ends with it or the session)."""
        self._initialized = False

    def initialize(self, option: BrowserOption | None = None) -> bool:
        """(Re)start the session's browser with `option`; False (see last_error) when it cannot."""
        self._initialized = self._runner.run(AgentBayBrowserCalls._initialize(self, option))  # type: ignore[arg-type]
        self._option = option if self._initialized else self._option
        return self._initialized

    init = initialize

    def get_endpoint_url(self) -> str:
        """The CDP URL for Playwright's connect_over_cdp (raises BrowserError when there is none)."""
        return _endpoint_or_raise(lambda: self._runner.run(AgentBayBrowserCalls._endpoint(self)))  # type: ignore[arg-type]

    def screenshot(self, page: Any, full_page: bool = False, **options: Any) -> bytes:
        """A PNG of a Playwright page of this browser."""
        return page.screenshot(full_page=full_page, **options)


class AsyncBrowser(_BrowserState, AsyncPart):
    async def register_callback(self, callback: Callable[[BrowserNotifyMessage], None]) -> bool:  # type: ignore[override]
        return _BrowserState.register_callback(self, callback)

    async def unregister_callback(self) -> None:  # type: ignore[override]
        _BrowserState.unregister_callback(self)

    async def send_notify_message(self, notify_message: BrowserNotifyMessage) -> bool:  # type: ignore[override]
        return _BrowserState.send_notify_message(self, notify_message)

    async def send_takeover_done(self, notify_id: int) -> bool:  # type: ignore[override]
        return _BrowserState.send_takeover_done(self, notify_id)

    def __init__(self, runner: Any, path: str, profile_context_id: str | None = None):
        AsyncPart.__init__(self, runner, path)
        self._setup(profile_context_id)
        self.operator = AsyncBrowserOperator(runner, path, self)

    async def destroy(self) -> None:
        self._initialized = False

    async def initialize(self, option: BrowserOption | None = None) -> bool:
        self._initialized = await self._runner.run(AgentBayBrowserCalls._initialize(self, option))  # type: ignore[arg-type]
        self._option = option if self._initialized else self._option
        return self._initialized

    init = initialize

    async def get_endpoint_url(self) -> str:
        try:
            return await self._runner.run(AgentBayBrowserCalls._endpoint(self))  # type: ignore[arg-type]
        except OpenBayError as e:
            from .errors import BrowserError
            raise BrowserError(f"no browser endpoint: {e}") from None

    async def screenshot(self, page: Any, full_page: bool = False, **options: Any) -> bytes:
        return await page.screenshot(full_page=full_page, **options)


def _endpoint_or_raise(get: Any) -> str:
    from .errors import BrowserError
    try:
        return get()
    except OpenBayError as e:
        raise BrowserError(f"no browser endpoint: {e}") from None
