"""Recordings: start and stop them, list a session's (or the owner's), fetch one (rrweb events as a JSON
array, or the computer's video), delete them."""
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, StreamingResponse

from openbay.protocol.recordings import RecordingInfo, RecordingList, RecordingStart

from ..auth import require_principal
from ..errors import responses
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(tags=["recordings"])
CHUNK_LINES = 500


@router.post("/v1/sessions/{session_id}/recordings", status_code=201, response_model=RecordingInfo,
             responses=responses(409))
async def start_recording(session_id: str, request: Request, body: RecordingStart | None = None,
                          who: Principal = Depends(require_principal)):
    """Browser sessions record their pages (rrweb); computer sessions their screen (video)."""
    return await services(request).recordings.start(who, session_id, body.task_id if body else None)


@router.get("/v1/sessions/{session_id}/recordings", response_model=RecordingList)
async def list_recordings(session_id: str, request: Request, who: Principal = Depends(require_principal),
                          task_id: str | None = Query(default=None, max_length=64)):
    await services(request).sessions.get(who, session_id)  # another owner's session: 404
    return RecordingList(recordings=services(request).recordings.of_owner(who, session_id, task_id))


@router.get("/v1/recordings", response_model=RecordingList)
async def list_all_recordings(request: Request, who: Principal = Depends(require_principal),
                              session_id: str | None = Query(default=None, max_length=64),
                              task_id: str | None = Query(default=None, max_length=64)):
    """The caller's recordings, newest first, by session or task: also those of sessions that
    ended (under /v1/sessions/{id} an ended session answers 410)."""
    return RecordingList(recordings=services(request).recordings.of_owner(who, session_id, task_id))


@router.get("/v1/recordings/{recording_id}", response_model=RecordingInfo)
async def get_recording(recording_id: str, request: Request, who: Principal = Depends(require_principal)):
    return services(request).recordings.get(who, recording_id)


@router.post("/v1/recordings/{recording_id}/stop", response_model=RecordingInfo)
async def stop_recording(recording_id: str, request: Request, who: Principal = Depends(require_principal)):
    return await services(request).recordings.stop(who, recording_id)


@router.delete("/v1/recordings/{recording_id}", response_model=RecordingInfo)
async def delete_recording(recording_id: str, request: Request, who: Principal = Depends(require_principal)):
    return await services(request).recordings.delete(who, recording_id)


@router.get("/v1/recordings/{recording_id}/content",
            responses={200: {"content": {"application/json": {}, "video/mp4": {}}}})
async def recording_content(recording_id: str, request: Request, who: Principal = Depends(require_principal)):
    """rrweb: the events so far as one JSON array (what rrweb's player takes); video: the MP4."""
    info, path = services(request).recordings.content_path(who, recording_id)
    if info.kind == "video":
        return FileResponse(path, media_type="video/mp4", filename=f"{recording_id}.mp4")

    def events():
        yield b"["
        first = True
        try:
            f = open(path, "rb")  # noqa: SIM115
        except FileNotFoundError:
            f = None
        if f is not None:
            with f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    yield (b"" if first else b",") + line
                    first = False
        yield b"]"

    return StreamingResponse(events(), media_type="application/json")
