from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import StringConstraints

from openbay.protocol import (
    IMAGE_IDS,
    CreateSessionParams,
    ErrorCode,
    LabelsBody,
    SessionInfo,
    SessionList,
    SessionMetrics,
    SessionStatus,
)
from openbay.protocol.browser import BROWSER_IMAGES
from openbay.protocol.computer import COMPUTER_IMAGES
from openbay.protocol.ports import LinkRequest, PortLink
from openbay.protocol.sessions import validate_labels

from ..auth import require_principal
from ..errors import ApiError, responses
from ..services.keys import Principal
from ..services.sessions import MAX_PAGE
from ..wiring import services

LabelFilter = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}=[\s\S]{0,256}$")]
STATUS_VALUES = tuple(s.value for s in SessionStatus)
router = APIRouter(prefix="/v1/sessions", tags=["sessions"])
RECORDABLE_IMAGES = (*BROWSER_IMAGES, *COMPUTER_IMAGES)
PAGE_LINK_TTL_S = 3600


def _labels_from_query(pairs: list[str]) -> dict[str, str]:
    labels = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ApiError(ErrorCode.VALIDATION, f"label filter {pair!r} must look like key=value")
        labels[key] = value
    try:
        return validate_labels(labels)
    except ValueError as e:
        raise ApiError(ErrorCode.VALIDATION, str(e)) from None


@router.post("", status_code=201, response_model=SessionInfo, responses=responses(403, 404, 501, 502, 503))
async def create_session(params: CreateSessionParams, request: Request,
                         who: Principal = Depends(require_principal)):
    svc = services(request).sessions
    if params.record and params.image_id in IMAGE_IDS and params.image_id not in RECORDABLE_IMAGES:
        raise ApiError(ErrorCode.BAD_REQUEST, f"image {params.image_id!r} has no screen to record; "
                       "record=True works with browser and computer sessions")
    row = await svc.create(who, params)
    if params.record:
        try:
            await services(request).recordings.start(who, row.id)
        except ApiError:
            await svc.delete(who, row.id)  # asked to record and cannot: no half-made session
            raise
    return svc.info(row)


@router.get("", response_model=SessionList)
async def list_sessions(request: Request, who: Principal = Depends(require_principal),
                        label: list[LabelFilter] = Query(default=[], description="key=value, repeatable"),
                        status: Literal["all", *STATUS_VALUES] | None = Query(  # type: ignore[valid-type]
                            default=None, description="running (default), all, or one status"),
                        image: str | None = Query(default=None, max_length=64, description="only this image"),
                        limit: int = Query(default=20, ge=1, le=MAX_PAGE),
                        next_token: str | None = Query(default=None, pattern=r"^[0-9]{1,18}$")):
    svc = services(request).sessions
    rows, token, total = await svc.list(who, labels=_labels_from_query(label), status=status,
                                        limit=limit, next_token=next_token, image_id=image)
    return SessionList(sessions=[svc.info(r) for r in rows], next_token=token,
                       total_count=total, max_results=limit)


@router.get("/{session_id}", response_model=SessionInfo)
async def get_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).sessions
    return svc.info(await svc.shown(who, session_id))


@router.delete("/{session_id}", response_model=SessionInfo)
async def delete_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).sessions
    return svc.info(await svc.delete(who, session_id))


@router.get("/{session_id}/labels", response_model=LabelsBody)
async def get_labels(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    return LabelsBody(labels=(await services(request).sessions.get(who, session_id)).labels)


@router.put("/{session_id}/labels", response_model=SessionInfo)
async def set_labels(session_id: str, body: LabelsBody, request: Request,
                     who: Principal = Depends(require_principal)):
    svc = services(request).sessions
    return svc.info(await svc.set_labels(who, session_id, body.labels))


@router.post("/{session_id}/keepalive", response_model=SessionInfo)
async def keep_alive(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).sessions
    return svc.info(await svc.keep_alive(who, session_id))


@router.post("/{session_id}/pause", response_model=SessionInfo, responses=responses(501))
async def pause_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    """Freeze every process of the session (memory kept, no CPU); it does not expire while paused."""
    svc = services(request).sessions
    return svc.info(await svc.pause(who, session_id))


@router.post("/{session_id}/resume", response_model=SessionInfo, responses=responses(501))
async def resume_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).sessions
    return svc.info(await svc.resume(who, session_id))


@router.get("/{session_id}/metrics", response_model=SessionMetrics)
async def session_metrics(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    """CPU, memory, disk, network, processes and uptime of a live session (null: not measured)."""
    return await services(request).sessions.metrics_of(who, session_id)


@router.post("/{session_id}/link", response_model=PortLink)
async def get_link(session_id: str, request: Request, body: LinkRequest | None = None,
                   who: Principal = Depends(require_principal)):
    """A URL that works without the API key until it expires: of the session's page, or with
    a port, one that proxies HTTP and WebSocket to that port inside the session."""
    body = body or LinkRequest()
    if body.port is not None:
        url = await services(request).ports.link(who, session_id, body.port, body.expires_in_s,
                                                 websocket=body.protocol_type in ("ws", "wss"))
        return PortLink(url=url, expires_in_s=body.expires_in_s, port=body.port)
    svc = services(request).sessions
    info = svc.info(await svc.get(who, session_id))
    return PortLink(url=page_link(services(request), info, body.expires_in_s), expires_in_s=body.expires_in_s)


def page_link(state, info: SessionInfo, ttl_s: int = PAGE_LINK_TTL_S) -> str:
    """The session's page (status, live view), signed so that it opens without the API key."""
    return f"{info.resource_url}?token={state.links.sign(info.session_id, 'page', ttl_s)}"
