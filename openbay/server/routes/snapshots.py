"""Snapshots: a session's files saved as an image of its owner; new sessions start from them."""
from fastapi import APIRouter, Depends, Request

from openbay.protocol.snapshots import SnapshotCreate, SnapshotInfo, SnapshotList

from ..auth import require_principal
from ..errors import responses
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(tags=["snapshots"], responses=responses(501))


@router.post("/v1/sessions/{session_id}/snapshots", response_model=SnapshotInfo, status_code=201)
async def take_snapshot(session_id: str, request: Request, body: SnapshotCreate | None = None,
                        who: Principal = Depends(require_principal)):
    """Save the session's file system (everything it changed in its image: home, /tmp,
    installed packages). Its processes are frozen while the files are copied."""
    await services(request).sessions.require_running(who, session_id)
    return await services(request).images.snapshot(who, session_id, (body or SnapshotCreate()).name)


@router.get("/v1/snapshots", response_model=SnapshotList)
async def list_snapshots(request: Request, who: Principal = Depends(require_principal)):
    return SnapshotList(snapshots=services(request).images.snapshots(who))


@router.get("/v1/snapshots/{snapshot_id}", response_model=SnapshotInfo)
async def get_snapshot(snapshot_id: str, request: Request, who: Principal = Depends(require_principal)):
    return services(request).images.get_snapshot(who, snapshot_id)


@router.delete("/v1/snapshots/{snapshot_id}", status_code=204)
async def delete_snapshot(snapshot_id: str, request: Request, who: Principal = Depends(require_principal)):
    services(request).images.delete_snapshot(who, snapshot_id)
