"""Files of a session. Content streams as raw bodies both ways (envd sends and
takes it in chunks), so the server never holds a whole file."""
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from openbay.protocol import ErrorCode
from openbay.protocol.files import (
    MAX_PATH,
    CreateDirectoryRequest,
    DirectoryListing,
    DirectorySnapshot,
    EditRequest,
    EditResult,
    FileEntry,
    MoveRequest,
    MoveResult,
    PathResult,
    ReadManyRequest,
    ReadManyResult,
    SearchRequest,
    SearchResult,
    WriteResult,
)
from openbay.sandbox import EnvdError
from openbay.sandbox.envd.upload import upload

from ..auth import require_principal
from ..errors import ApiError, responses
from ..services.envd_calls import envd_api_error, envd_call
from ..services.keys import Principal
from ..streamed_body import BodyTooLarge, ClientGone, StreamedBody
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}/files", tags=["files"], responses=responses(400, 403, 409, 502))
# the upload route reads its body itself, under max_file_bytes instead of the global cap
UNLIMITED_PATHS = ("/v1/sessions/*/files/content",)
PathQuery = Query(min_length=1, max_length=MAX_PATH, json_schema_extra={"pattern": r"^[^\x00]*$"})  # _path: no NUL


def _path(path: str) -> str:
    if "\0" in path:
        raise ApiError(ErrorCode.VALIDATION, "path must not contain a NUL byte")
    return path


def _too_large(limit: int) -> ApiError:
    return ApiError(ErrorCode.PAYLOAD_TOO_LARGE,
                    f"file is over the limit of {limit} bytes (OPENBAY_MAX_FILE_BYTES)")


@router.get("/content", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
async def read_file(session_id: str, request: Request, path: str = PathQuery,
                    offset: int = Query(0, ge=0), length: int = Query(0, ge=0, description="0: to the end"),
                    who: Principal = Depends(require_principal)):
    sandbox = await services(request).sessions.require_running(who, session_id)
    try:  # the head says whether the read can happen: fail before streaming starts
        head, body = await sandbox.envd.read(_path(path), offset, length)
    except EnvdError as e:
        raise envd_api_error(e) from None
    return StreamingResponse(body, media_type="application/octet-stream", headers={
        "content-length": str(head["size"]), "x-file-size": str(head["file_size"])})


@router.put("/content", response_model=WriteResult,
            openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}})
async def write_file(session_id: str, request: Request, path: str = PathQuery,
                     mode: Literal["overwrite", "append"] = "overwrite",
                     who: Principal = Depends(require_principal)):
    """The raw request body becomes the file (any size up to OPENBAY_MAX_FILE_BYTES)."""
    body = StreamedBody(request, request.app.state.settings.max_file_bytes)
    try:
        sandbox = await services(request).sessions.require_running(who, session_id)
        if body.declared_too_large():
            raise BodyTooLarge()
        declared = request.headers.get("content-length", "")
        services(request).sessions.disk_guard.require("the upload", int(declared) if declared.isdigit() else 0)
        answer = await upload(sandbox.envd, {"op": "fs.write", "path": _path(path), "mode": mode},
                              body.chunks())
    except BodyTooLarge:
        await body.drain()
        raise _too_large(body.limit) from None
    except ClientGone:
        raise ApiError(ErrorCode.BAD_REQUEST, "the client went away during the upload") from None
    except EnvdError as e:
        await body.drain()
        raise envd_api_error(e) from None
    except ApiError:
        await body.drain()
        raise
    return WriteResult(path=answer["path"], bytes=answer["bytes"])


@router.get("", response_model=DirectoryListing)
async def list_directory(session_id: str, request: Request, path: str = PathQuery,
                         who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id, {"op": "fs.list", "path": _path(path)})


@router.get("/info", response_model=FileEntry)
async def get_file_info(session_id: str, request: Request, path: str = PathQuery,
                        who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id, {"op": "fs.info", "path": _path(path)})


@router.get("/snapshot", response_model=DirectorySnapshot)
async def snapshot(session_id: str, request: Request, path: str = PathQuery,
                   who: Principal = Depends(require_principal)):
    """What a directory holds now, for watch_directory to compare between polls."""
    return await envd_call(services(request).sessions, who, session_id, {"op": "fs.snapshot", "path": _path(path)})


@router.post("/directories", response_model=PathResult)
async def create_directory(session_id: str, body: CreateDirectoryRequest, request: Request,
                           who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id, {"op": "fs.mkdir", **body.model_dump()})


@router.post("/move", response_model=MoveResult)
async def move_file(session_id: str, body: MoveRequest, request: Request,
                    who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id, {"op": "fs.move", **body.model_dump()})


@router.delete("", response_model=PathResult)
async def delete_file(session_id: str, request: Request, path: str = PathQuery,
                      recursive: bool = False, who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id,
                           {"op": "fs.delete", "path": _path(path), "recursive": recursive})


@router.post("/edit", response_model=EditResult)
async def edit_file(session_id: str, body: EditRequest, request: Request,
                    who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id, {"op": "fs.edit", **body.model_dump()})


@router.post("/search", response_model=SearchResult)
async def search_files(session_id: str, body: SearchRequest, request: Request,
                       who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id, {"op": "fs.search", **body.model_dump()})


@router.post("/read-multiple", response_model=ReadManyResult)
async def read_multiple_files(session_id: str, body: ReadManyRequest, request: Request,
                              who: Principal = Depends(require_principal)):
    return await envd_call(services(request).sessions, who, session_id, {
        "op": "fs.read_many", "paths": body.paths,
        "max_bytes": request.app.state.settings.max_output_bytes})
