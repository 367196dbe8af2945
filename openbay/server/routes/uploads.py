"""Uploads (WyseOS Mate's file_upload): a raw body streamed under its own limit."""
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from openbay.protocol import ErrorCode
from openbay.protocol.conversations import UPLOAD_EXTENSIONS, UploadInfo

from ..auth import require_principal
from ..errors import ApiError, responses
from ..services.keys import Principal
from ..services.uploads import too_large
from ..streamed_body import BodyTooLarge, ClientGone, StreamedBody
from ..wiring import services

router = APIRouter(prefix="/v1/uploads", tags=["uploads"], responses=responses(400))
# what check_file_name allows (and says, when a name breaks the rule): a plain name,
# not starting with a dot, with an allowed extension
FILE_NAME = (r"^[^./\\\x00][^/\\\x00]*\.(" + "|".join(
    "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in e[1:]) for e in UPLOAD_EXTENSIONS) + ")$")
UNLIMITED_PATHS = ("/v1/uploads",)  # the route reads its body itself, under max_upload_bytes


@router.post("", status_code=201, response_model=UploadInfo, responses=responses(404, 410),
             openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}})
async def upload_file(request: Request, file_name: str = Query(min_length=1, max_length=255,
                                                                json_schema_extra={"pattern": FILE_NAME}),
                      session_id: str | None = Query(default=None, max_length=64),
                      who: Principal = Depends(require_principal)):
    svc = services(request).uploads
    body = StreamedBody(request, svc.max_bytes)
    try:
        if body.declared_too_large():
            raise BodyTooLarge()
        row = await svc.save(who, file_name, session_id, body.chunks())
    except BodyTooLarge:
        await body.drain()
        raise too_large(svc.max_bytes) from None
    except ClientGone:
        raise ApiError(ErrorCode.BAD_REQUEST, "the client went away during the upload") from None
    except ApiError:
        await body.drain()
        raise
    return svc.info(row)


@router.get("/{file_id}", response_model=UploadInfo)
async def get_upload(file_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).uploads
    return svc.info(await svc.get(who, file_id))


@router.get("/{file_id}/content", response_class=FileResponse)
async def download_upload(file_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).uploads
    row = await svc.get(who, file_id)
    return FileResponse(svc.path_of(row), filename=row.file_name, media_type="application/octet-stream")
