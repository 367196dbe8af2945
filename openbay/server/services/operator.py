"""The browser operator of a session (session.browser.agent): act, observe, extract,
navigate and screenshot on the session's Chromium, with the owner's action cache.

Each session keeps one Playwright connection over its CDP endpoint between calls (a
cached act is then a few CDP round trips), closed when the session ends; calls on one
session run one at a time.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from dataclasses import dataclass, field

from playwright.async_api import Error as PlaywrightError

from openbay.agents.llm import ChatClient, EndpointNotAllowed, LLMConfig, LLMError, LLMNotConfigured, Usage
from openbay.agents.operator import ActOutcome, BrowserOperator, ExtractFailed, OperatorAction
from openbay.agents.pricing import PriceTable
from openbay.browser.launch import open_browser
from openbay.browser.session import ActionError, BrowserSession
from openbay.protocol import ErrorCode
from openbay.protocol.operator import (
    ActRequest,
    ActResult,
    CacheEntry,
    ExtractRequest,
    ExtractResult,
    ObservedAction,
    ObserveRequest,
    ObserveResult,
    PageInfo,
)
from openbay.protocol.tasks import LLMOverride, TaskUsage
from openbay.store.action_cache import ActionCacheRepository, ActionCacheRow, OwnerActionCache

from ..errors import ApiError
from ..metrics import Metrics
from .browser import BrowserService
from .keys import Principal

log = logging.getLogger("openbay.operator")


@dataclass
class _Connection:
    stack: contextlib.AsyncExitStack
    browser: BrowserSession
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def cache_entry(row: ActionCacheRow) -> CacheEntry:
    return CacheEntry(key=row.key, instruction=row.instruction, url=row.url, structure=row.structure,
                      action=ObservedAction(**row.action), hits=row.hits, created_at=row.created_at,
                      updated_at=row.updated_at)


class OperatorService:
    def __init__(self, browser: BrowserService, repo: ActionCacheRepository, llm: LLMConfig,
                 prices: PriceTable, metrics: Metrics):
        self.browser_service, self.repo, self.llm, self.prices, self.metrics = browser, repo, llm, prices, metrics
        self._connections: dict[str, _Connection] = {}
        self._opening: dict[str, asyncio.Lock] = {}
        self._clients: dict[LLMConfig, ChatClient] = {}

    # -- the calls ---------------------------------------------------------------------------

    async def navigate(self, who: Principal, session_id: str, url: str) -> PageInfo:
        async def run(op: BrowserOperator) -> PageInfo:
            final, title = await op.navigate(url)
            return PageInfo(url=final, title=title)
        return await self._with_operator(who, session_id, None, run)

    async def act(self, who: Principal, session_id: str, req: ActRequest) -> ActResult:
        if req.action is not None:
            async def run(op: BrowserOperator) -> ActResult:
                done = await op.replay(OperatorAction(**req.action.model_dump()), req.variables)
                if done is None:
                    return ActResult(success=False, message="the action's element is not on the page",
                                     action=req.action)
                return ActResult(success=True, message=done, action=req.action)
        else:
            async def run(op: BrowserOperator) -> ActResult:
                out: ActOutcome = await op.act(req.instruction, req.variables, use_cache=req.use_cache)
                return ActResult(success=out.success, message=out.message, cached=out.cached, healed=out.healed,
                                 action=ObservedAction(**out.action.as_dict()) if out.action else None,
                                 usage=self._usage(who, op, out.usage))
        return await self._with_operator(who, session_id, req.llm, run)

    async def observe(self, who: Principal, session_id: str, req: ObserveRequest) -> ObserveResult:
        async def run(op: BrowserOperator) -> ObserveResult:
            found, usage = await op.observe(req.instruction)
            return ObserveResult(actions=[ObservedAction(**a.as_dict()) for a in found],
                                 usage=self._usage(who, op, usage))
        return await self._with_operator(who, session_id, req.llm, run)

    async def extract(self, who: Principal, session_id: str, req: ExtractRequest) -> ExtractResult:
        async def run(op: BrowserOperator) -> ExtractResult:
            try:
                data, usage = await op.extract(req.instruction, req.schema_)
            except ExtractFailed as e:
                self._usage(who, op, e.usage)
                raise ApiError(ErrorCode.EXTRACT_FAILED, str(e), details={"last_answer": e.last_answer}) from None
            return ExtractResult(data=data, usage=self._usage(who, op, usage))
        return await self._with_operator(who, session_id, req.llm, run)

    async def screenshot(self, who: Principal, session_id: str, full_page: bool = False) -> str:
        async def run(op: BrowserOperator) -> str:
            page = await op.browser.page()
            return base64.b64encode(await page.screenshot(type="png", full_page=full_page)).decode()
        return await self._with_operator(who, session_id, None, run)

    async def list_cache(self, who: Principal, url: str | None, limit: int) -> list[CacheEntry]:
        return [cache_entry(r) for r in await self.repo.list(who.owner_id, url, limit)]

    async def clear_cache(self, who: Principal, url: str | None) -> int:
        return await self.repo.clear(who.owner_id, url)

    # -- plumbing -------------------------------------------------------------------------------

    def _usage(self, who: Principal, op: BrowserOperator, usage: Usage) -> TaskUsage:
        priced = self.prices.priced(op.llm.config.model, usage.as_dict())
        self.metrics.add_usage(who.owner_id, priced)
        return TaskUsage(**priced)

    def _client(self, override: LLMOverride | None) -> ChatClient:
        try:
            config = self.llm.merged(**(override.model_dump() if override else {}))
            if config not in self._clients:
                self._clients[config] = ChatClient(config)
        except EndpointNotAllowed as e:
            raise ApiError(ErrorCode.FORBIDDEN, str(e)) from None
        except LLMNotConfigured as e:
            raise ApiError(ErrorCode.MODEL_ERROR, str(e)) from None
        return self._clients[config]

    async def _with_operator(self, who: Principal, session_id: str, override: LLMOverride | None, run):
        """run(operator) on the session's browser, one call at a time; a connection that went
        away (the browser restarted) is opened again once."""
        await self.browser_service.sessions.require_running(who, session_id)  # the owner's, and running
        for attempt in (1, 2):
            conn = await self._connection(who, session_id)
            async with conn.lock:
                try:
                    return await run(BrowserOperator(self._client(override), conn.browser,
                                                     OwnerActionCache(self.repo, who.owner_id)))
                except LLMError as e:
                    raise ApiError(ErrorCode.MODEL_ERROR, str(e)) from None
                except ActionError as e:
                    raise ApiError(ErrorCode.BAD_REQUEST, str(e)) from None
                except PlaywrightError as e:
                    if attempt == 2 or conn.browser.context.browser.is_connected():
                        raise ApiError(ErrorCode.SANDBOX_ERROR,
                                       f"the browser failed: {str(e).splitlines()[0][:300]}") from None
                    await self._close(session_id)
        raise AssertionError("unreachable")

    async def _connection(self, who: Principal, session_id: str) -> _Connection:
        conn = self._connections.get(session_id)
        if conn is not None and conn.browser.context.browser.is_connected():
            return conn
        async with self._opening.setdefault(session_id, asyncio.Lock()):
            conn = self._connections.get(session_id)
            if conn is not None and conn.browser.context.browser.is_connected():
                return conn
            await self._close(session_id)
            await self.browser_service.status(who, session_id, ensure=True)
            url = await self.browser_service.endpoint_url(who, session_id)
            stack = contextlib.AsyncExitStack()
            try:
                browser = await stack.enter_async_context(open_browser(url))
            except PlaywrightError as e:
                await stack.aclose()
                raise ApiError(ErrorCode.SANDBOX_ERROR, f"cannot reach the browser: {str(e).splitlines()[0][:300]}")
            self._connections[session_id] = conn = _Connection(stack, browser)
            return conn

    async def _close(self, session_id: str) -> None:
        conn = self._connections.pop(session_id, None)
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.stack.aclose()

    async def session_ending(self, session_id: str, _sandbox) -> None:
        self._opening.pop(session_id, None)
        await self._close(session_id)

    async def close(self) -> None:
        for session_id in list(self._connections):
            await self._close(session_id)
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
