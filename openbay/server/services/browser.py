"""The browser of a session: launch, status, screenshots, and who may open its CDP endpoint.

Chromium runs inside the session's sandbox and speaks CDP only to envd (over a
pipe); every CDP connection the server makes or bridges is an envd `cdp` channel.
"""
from __future__ import annotations

import asyncio
import logging

from openbay.browser.cdp import CdpClient, CdpError, capture_screenshot
from openbay.protocol import ErrorCode
from openbay.protocol.browser import BROWSER_IMAGES, BrowserOption, BrowserStatus
from openbay.protocol.contexts import ContextSync
from openbay.sandbox import EnvdError, Sandbox
from openbay.sandbox.envd.channel import EnvdChannel, open_channel

from ..errors import ApiError
from ..links import LinkSigner
from .keys import Principal
from .sessions import SessionService

log = logging.getLogger("openbay.browser")
CDP_PURPOSE = "cdp"
PROFILE_ROOT = "/home/user/.openbay/browser"  # envd's profiles live here, one directory per name
CLOSE_TIMEOUT_S = 15.0
CDP_TOKEN_TTL_S = 24 * 3600
LINK_KEY_ID = "link"


def _sandbox_error(what: str, e: EnvdError) -> ApiError:
    return ApiError(ErrorCode.SANDBOX_ERROR, f"{what}: {e}")


class BrowserService:
    def __init__(self, sessions: SessionService, links: LinkSigner, public_url: str):
        self.sessions = sessions
        self.links = links
        self.public_url = public_url
        self._persisted: set[str] = set()  # sessions whose browser profile is kept in a context

    async def _sandbox(self, who: Principal, session_id: str) -> Sandbox:
        sandbox = await self.sessions.require_running(who, session_id)
        image = self.sessions.kind(session_id)
        if image not in BROWSER_IMAGES:
            raise ApiError(ErrorCode.CONFLICT, f"session {session_id!r} runs image {image!r}, "
                           f"which has no browser; use one of: {', '.join(BROWSER_IMAGES)}")
        return sandbox

    async def initialize(self, who: Principal, session_id: str,
                         option: BrowserOption | None = None) -> BrowserStatus:
        """(Re)start the session's Chromium with these options; also the way back from a crash."""
        sandbox = await self._sandbox(who, session_id)
        options = (option or BrowserOption()).model_dump(exclude_none=True, exclude_defaults=True)
        if option and option.persist_profile_context:
            await self._attach_profile(who, session_id, sandbox, option.persist_profile_context)
        try:
            return BrowserStatus.model_validate(
                await sandbox.envd.call({"op": "browser_start", "options": options}))
        except EnvdError as e:
            raise _sandbox_error("the browser did not start", e) from None

    async def _attach_profile(self, who: Principal, session_id: str, sandbox: Sandbox, name: str) -> None:
        """The profile lives in the owner's context of this name (made on first use): restored
        before Chromium starts on it, saved when the session ends, so a login survives."""
        contexts = self.sessions.contexts
        if contexts is None:  # no context store: the profile lasts as long as the session
            return
        row, _ = await contexts.resolve(who, name, create=True)
        await contexts.add(who, session_id, sandbox,
                           ContextSync(context_id=row.id, path=f"{PROFILE_ROOT}/{name}"))
        self._persisted.add(session_id)

    async def session_ending(self, session_id: str, sandbox: Sandbox) -> None:
        """Chromium writes cookies and storage lazily: close it cleanly before the save."""
        if session_id not in self._persisted:
            return
        self._persisted.discard(session_id)
        try:
            await asyncio.wait_for(sandbox.envd.call({"op": "browser_stop"}), CLOSE_TIMEOUT_S)
        except (EnvdError, asyncio.TimeoutError) as e:
            log.warning("browser did not close before its profile was saved",
                        extra={"fields": {"session_id": session_id, "reason": str(e)}})

    async def status(self, who: Principal, session_id: str, *, ensure: bool = False) -> BrowserStatus:
        """The browser's state; with ensure, first started if it never was (not after a crash)."""
        sandbox = await self._sandbox(who, session_id)
        try:
            op = "browser_ensure" if ensure else "browser_status"
            return BrowserStatus.model_validate(await sandbox.envd.call({"op": op}))
        except EnvdError as e:
            raise _sandbox_error("the browser is not available", e) from None

    async def endpoint_url(self, who: Principal, session_id: str) -> str:
        """The ws:// CDP URL of the session's browser, for Playwright connect_over_cdp or
        any CDP client; valid for CDP_TOKEN_TTL_S without the API key."""
        await self._sandbox(who, session_id)
        token = self.links.sign(f"{session_id}|{who.owner_id}", CDP_PURPOSE, CDP_TOKEN_TTL_S)
        base = "ws" + self.public_url[len("http"):] if self.public_url.startswith("http") \
            else self.public_url
        return f"{base}/v1/sessions/{session_id}/cdp?token={token}"

    def principal_for_token(self, session_id: str, token: str,
                            purpose: str = CDP_PURPOSE) -> Principal | None:
        """The owner of a running session, if `token` is a valid link of this purpose for it:
        a CDP link (signed for session and owner) or the session page's link."""
        owner = self._owner_of(session_id)
        subject = f"{session_id}|{owner}" if purpose == CDP_PURPOSE else session_id
        if owner is None or not self.links.verify(token, subject, purpose):
            return None
        return Principal(owner_id=owner, key_id=LINK_KEY_ID, name=f"{purpose} link", admin=False)

    def _owner_of(self, session_id: str) -> str | None:
        live = self.sessions.live.get(session_id)
        return live.row.owner_id if live else None

    async def open_cdp(self, who: Principal, session_id: str, target_id: str = "") -> EnvdChannel:
        """A CDP channel of its own to the session's browser (started if it never was),
        or to one of its pages (target_id)."""
        sandbox = await self._sandbox(who, session_id)
        try:
            return await open_channel(sandbox.envd, {"op": "cdp", "target_id": target_id})
        except EnvdError as e:
            raise _sandbox_error("cannot reach the browser", e) from None

    async def targets(self, who: Principal, session_id: str) -> list[dict]:
        """The browser's pages, as Chrome's /json/list shows them, each with its own ws:// URL."""
        channel = await self.open_cdp(who, session_id)
        try:
            async with CdpClient(channel) as cdp:
                infos = (await cdp.send("Target.getTargets"))["targetInfos"]
        except (CdpError, TimeoutError) as e:
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"cannot list the pages: {e or 'timed out'}") from None
        browser_url = await self.endpoint_url(who, session_id)
        base, _, query = browser_url.partition("?")
        return [{"id": t["targetId"], "type": t["type"], "title": t["title"], "url": t["url"],
                 "webSocketDebuggerUrl": f"{base}/page/{t['targetId']}?{query}"}
                for t in infos if t["type"] == "page"]

    async def screenshot(self, who: Principal, session_id: str, *, full_page: bool = False) -> bytes:
        channel = await self.open_cdp(who, session_id)
        try:
            async with CdpClient(channel) as cdp:
                return await capture_screenshot(cdp, full_page=full_page)
        except (CdpError, TimeoutError) as e:
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"screenshot failed: {e or 'timed out'}") from None


async def prepare_browser(sandbox: Sandbox) -> None:
    """A pooled browser sandbox is handed over with Chromium up."""
    await sandbox.envd.call({"op": "browser_ensure"})


async def browser_is_ready(sandbox: Sandbox) -> bool:
    return (await sandbox.envd.call({"op": "browser_status"})).get("state") == "running"
