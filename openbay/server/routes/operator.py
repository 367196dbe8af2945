"""The browser operator over REST (session.browser.agent) and the owner's action cache."""
from fastapi import APIRouter, Depends, Query, Request

from openbay.protocol.browser import Screenshot, ScreenshotRequest
from openbay.protocol.operator import (
    ActRequest,
    ActResult,
    CacheCleared,
    CacheList,
    ExtractRequest,
    ExtractResult,
    NavigateRequest,
    ObserveRequest,
    ObserveResult,
    PageInfo,
)

from ..auth import require_principal
from ..errors import responses
from ..services.keys import Principal
from ..wiring import services

# 400: the page refused the action; 409: not a browser session; 502: the model or the browser failed
router = APIRouter(tags=["browser operator"], responses=responses(400, 409, 502))
AGENT = "/v1/sessions/{session_id}/browser/agent"
CACHE = "/v1/browser/action-cache"
URL_FILTER = Query(default=None, max_length=4096, description="only the entries of this URL")


@router.post(f"{AGENT}/navigate", response_model=PageInfo)
async def navigate(session_id: str, body: NavigateRequest, request: Request,
                   who: Principal = Depends(require_principal)):
    return await services(request).operator.navigate(who, session_id, body.url)


@router.post(f"{AGENT}/act", response_model=ActResult, responses=responses(403))
async def act(session_id: str, body: ActRequest, request: Request, who: Principal = Depends(require_principal)):
    """Do one instruction ("click the login button"), from the action cache when it worked here before."""
    return await services(request).operator.act(who, session_id, body)


@router.post(f"{AGENT}/observe", response_model=ObserveResult, responses=responses(403))
async def observe(session_id: str, body: ObserveRequest, request: Request,
                  who: Principal = Depends(require_principal)):
    """Candidate actions for an instruction: selector, method, arguments, description."""
    return await services(request).operator.observe(who, session_id, body)


@router.post(f"{AGENT}/extract", response_model=ExtractResult, responses=responses(403))
async def extract(session_id: str, body: ExtractRequest, request: Request,
                  who: Principal = Depends(require_principal)):
    """Data from the page that validates against the schema (422 extract_failed with the last answer if not)."""
    return await services(request).operator.extract(who, session_id, body)


@router.post(f"{AGENT}/screenshot", response_model=Screenshot)
async def screenshot(session_id: str, request: Request, body: ScreenshotRequest | None = None,
                     who: Principal = Depends(require_principal)):
    data = await services(request).operator.screenshot(who, session_id, body.full_page if body else False)
    return Screenshot(data=data, format="png")


@router.get(CACHE, response_model=CacheList)
async def list_cache(request: Request, who: Principal = Depends(require_principal), url: str | None = URL_FILTER,
                     limit: int = Query(default=100, ge=1, le=1000)):
    return CacheList(entries=await services(request).operator.list_cache(who, url, limit))


@router.delete(CACHE, response_model=CacheCleared)
async def clear_cache(request: Request, who: Principal = Depends(require_principal), url: str | None = URL_FILTER):
    return CacheCleared(deleted=await services(request).operator.clear_cache(who, url))
