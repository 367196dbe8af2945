"""Templates: an owner's own images. A build answers with its log as it happens (NDJSON)."""
import json
import secrets
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from openbay.protocol import ErrorCode
from openbay.protocol.templates import TEMPLATE_NAME, TemplateBuildRequest, TemplateInfo, TemplateList, TemplateUpload

from ..auth import require_principal
from ..disk import DiskGuard, is_disk_full
from ..errors import ApiError, not_found, responses
from ..services.images import keep_upload
from ..services.keys import Principal
from ..streamed_body import BodyTooLarge, ClientGone, StreamedBody
from ..wiring import services

router = APIRouter(prefix="/v1/templates", tags=["templates"], responses=responses(501))
UNLIMITED_PATHS = ("/v1/templates/uploads", "/v1/templates/import")
MAX_ARCHIVE_BYTES = 16 * 1024 ** 3


async def _receive(request: Request, prefix: str) -> tuple[str, object, int]:
    """The raw body to a file of the server's; (id, path, bytes)."""
    upload_id = prefix + secrets.token_hex(8)
    settings = request.app.state.settings
    path = keep_upload(settings.home / "template-uploads", upload_id)
    body = StreamedBody(request, MAX_ARCHIVE_BYTES)
    if body.declared_too_large():
        raise ApiError(ErrorCode.PAYLOAD_TOO_LARGE, f"archives are limited to {MAX_ARCHIVE_BYTES} bytes")
    # the state directory and the sandbox root (where imports are unpacked)
    guard = services(request).sessions.disk_guard or DiskGuard([settings.home], settings.min_free_disk_mb)
    guard.require("the archive")  # 507 before a byte is written when the disk is already short
    size = 0
    try:
        with path.open("wb") as f:
            async for chunk in body.chunks():
                f.write(chunk)
                size += len(chunk)
    except (BodyTooLarge, ClientGone):
        path.unlink(missing_ok=True)
        raise ApiError(ErrorCode.PAYLOAD_TOO_LARGE, f"archives are limited to {MAX_ARCHIVE_BYTES} bytes") from None
    except OSError as e:
        path.unlink(missing_ok=True)
        if is_disk_full(e):
            raise guard.full("the archive") from None
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise ApiError(ErrorCode.VALIDATION, "the request body (a tar archive) is empty")
    return upload_id, path, size


@router.get("", response_model=TemplateList)
async def list_templates(request: Request, who: Principal = Depends(require_principal)):
    return TemplateList(templates=services(request).images.list(who))


@router.post("/uploads", response_model=TemplateUpload, status_code=201, responses=responses(422))
async def upload_files(request: Request, who: Principal = Depends(require_principal)):
    """A tar archive of files for a build's `copy` step; valid for this owner's next build."""
    upload_id, path, size = await _receive(request, f"{who.owner_id[:8]}-")
    await services(request).template_uploads.add(who.owner_id, upload_id, str(path))
    return TemplateUpload(upload_id=upload_id, bytes=size)


@router.post("/import", response_model=TemplateInfo, status_code=201, responses=responses(409, 502))
async def import_template(request: Request, name: str = Query(max_length=63, pattern=TEMPLATE_NAME),
                          who: Principal = Depends(require_principal)):
    """An OCI image archive (`skopeo copy ... oci-archive:`, `docker save`, `podman save`)."""
    _, path, _ = await _receive(request, "import-")
    return await services(request).images.import_oci(who, name, path)


@router.post("", response_class=StreamingResponse,
             responses={200: {"content": {"application/x-ndjson": {}},
                              "description": "build log lines ({type: log}), then {type: done} or {type: error}"}})
async def build_template(body: TemplateBuildRequest, request: Request, who: Principal = Depends(require_principal)):
    mine = {}
    for copy in body.copy_files:
        path = await services(request).template_uploads.take(who.owner_id, copy.upload_id)
        if path is None:
            raise ApiError(ErrorCode.VALIDATION, f"copy: upload {copy.upload_id!r} is unknown or already used")
        mine[copy.upload_id] = Path(path)
    events = services(request).images.build(who, body, mine)
    first = await anext(events)  # bad input fails here, as a plain error answer

    async def lines():
        yield json.dumps(first) + "\n"
        async for event in events:
            yield json.dumps(event) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.get("/{name}", response_model=TemplateInfo)
async def get_template(name: str, request: Request, who: Principal = Depends(require_principal)):
    return services(request).images.get(who, name)


@router.get("/{name}/log", response_class=PlainTextResponse)
async def template_log(name: str, request: Request, who: Principal = Depends(require_principal)):
    path = services(request).images.log_path(who, name)
    if not path.exists():
        raise not_found("template build log", name)
    return PlainTextResponse(path.read_text(errors="replace"))


@router.delete("/{name}", status_code=204, responses=responses(403))
async def delete_template(name: str, request: Request, who: Principal = Depends(require_principal)):
    services(request).images.delete(who, name)
