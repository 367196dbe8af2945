from fastapi import APIRouter, Depends, Query, Request

from openbay.protocol import (
    IMAGE_IDS,
    CreateSessionParams,
    ErrorCode,
    LabelsBody,
    SessionInfo,
    SessionList,
    SessionMetrics,
)
from openbay.protocol.browser import BROWSER_IMAGES
from openbay.protocol.computer import COMPUTER_IMAGES
from openbay.protocol.ports import LinkRequest, PortLink
from openbay.protocol.sessions import validate_labels

from ..auth import require_principal
from ..errors import ApiError
from ..services.keys import Principal

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])
RECORDABLE_IMAGES = (*BROWSER_IMAGES, *COMPUTER_IMAGES)


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


@router.post("", status_code=201, response_model=SessionInfo)
async def create_session(params: CreateSessionParams, request: Request,
                         who: Principal = Depends(require_principal)):
    svc = request.app.state.sessions
    if params.record and params.image_id in IMAGE_IDS and params.image_id not in RECORDABLE_IMAGES:
        raise ApiError(ErrorCode.BAD_REQUEST, f"image {params.image_id!r} has no screen to record; "
                       "record=True works with browser and computer sessions")
    row = await svc.create(who, params)
    if params.record:
        try:
            await request.app.state.recordings.start(who, row.id)
        except ApiError:
            await svc.delete(who, row.id)  # asked to record and cannot: no half-made session
            raise
    return svc.info(row)


@router.get("", response_model=SessionList)
async def list_sessions(request: Request, who: Principal = Depends(require_principal),
                        label: list[str] = Query(default=[], description="key=value, repeatable"),
                        status: str | None = Query(default=None, description="running (default), all, ..."),
                        image: str | None = Query(default=None, max_length=64, description="only this image"),
                        limit: int = Query(default=20), next_token: str | None = None):
    svc = request.app.state.sessions
    rows, token, total = await svc.list(who, labels=_labels_from_query(label), status=status,
                                        limit=limit, next_token=next_token, image_id=image)
    return SessionList(sessions=[svc.info(r) for r in rows], next_token=token,
                       total_count=total, max_results=limit)


@router.get("/{session_id}", response_model=SessionInfo)
async def get_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = request.app.state.sessions
    return svc.info(await svc.get(who, session_id))


@router.delete("/{session_id}", response_model=SessionInfo)
async def delete_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = request.app.state.sessions
    return svc.info(await svc.delete(who, session_id))


@router.get("/{session_id}/labels", response_model=LabelsBody)
async def get_labels(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    return LabelsBody(labels=(await request.app.state.sessions.get(who, session_id)).labels)


@router.put("/{session_id}/labels", response_model=SessionInfo)
async def set_labels(session_id: str, body: LabelsBody, request: Request,
                     who: Principal = Depends(require_principal)):
    svc = request.app.state.sessions
    return svc.info(await svc.set_labels(who, session_id, body.labels))


@router.post("/{session_id}/keepalive", response_model=SessionInfo)
async def keep_alive(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = request.app.state.sessions
    return svc.info(await svc.keep_alive(who, session_id))


@router.post("/{session_id}/pause", response_model=SessionInfo)
async def pause_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    """Freeze every process of the session (memory kept, no CPU); it does not expire while paused."""
    svc = request.app.state.sessions
    return svc.info(await svc.pause(who, session_id))


@router.post("/{session_id}/resume", response_model=SessionInfo)
async def resume_session(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = request.app.state.sessions
    return svc.info(await svc.resume(who, session_id))


@router.get("/{session_id}/metrics", response_model=SessionMetrics)
async def session_metrics(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    """CPU, memory, disk, network, processes and uptime of a live session (null: not measured)."""
    return await request.app.state.sessions.metrics_of(who, session_id)


@router.post("/{session_id}/link", response_model=PortLink)
async def get_link(session_id: str, request: Request, body: LinkRequest | None = None,
                   who: Principal = Depends(require_principal)):
    """A URL that works without the API key until it expires: of the session's page, or with
    a port, one that proxies HTTP and WebSocket to that port inside the session."""
    body = body or LinkRequest()
    if body.port is not None:
        url = await request.app.state.ports.link(who, session_id, body.port, body.expires_in_s,
                                                 websocket=body.protocol_type in ("ws", "wss"))
        return PortLink(url=url, expires_in_s=body.expires_in_s, port=body.port)
    svc = request.app.state.sessions
    info = svc.info(await svc.get(who, session_id))
    token = request.app.state.links.sign(session_id, "page", body.expires_in_s)
    return PortLink(url=f"{info.resource_url}?token={token}", expires_in_s=body.expires_in_s)
