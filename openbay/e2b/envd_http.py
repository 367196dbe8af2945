"""envd's HTTP routes (spec/envd/envd.yaml): health, and file content both ways (raw or
multipart uploads, downloads), streamed through OpenBay envd's `fs.read` and `fs.write`."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from openbay.sandbox import EnvdError
from openbay.sandbox.envd.upload import upload
from openbay.server.errors import ApiError

from .rpc import current

UPLOAD_CHUNK = 1024 * 1024
_STATUS = {"not_found": 404, "conflict": 409, "bad_request": 400, "validation": 400, "forbidden": 403,
           "payload_too_large": 413}


def envd_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": status, "message": message}, status_code=status)


def _from_envd(e: EnvdError) -> JSONResponse:
    return envd_error(_STATUS.get(e.code, 502), str(e))


async def health(request: Request) -> Response:
    return Response(status_code=204)


async def envs(request: Request) -> Response:
    return JSONResponse({})


async def read_file(request: Request) -> Response:
    path = request.query_params.get("path", "")
    if not path:
        return envd_error(400, "path is required")
    sandbox = await current.get().sandbox()
    try:
        head, body = await sandbox.envd.read(path)
    except EnvdError as e:
        return _from_envd(e)
    return StreamingResponse(body, media_type="application/octet-stream",
                             headers={"content-length": str(head["size"])})


async def _write(path: str, chunks) -> dict:
    sandbox = await current.get().sandbox()
    answer = await upload(sandbox.envd, {"op": "fs.write", "path": path, "mode": "overwrite"}, chunks)
    written = answer["path"]
    return {"name": written.rsplit("/", 1)[-1], "type": "file", "path": written}


async def _parts(upload_file):
    while chunk := await upload_file.read(UPLOAD_CHUNK):
        yield chunk


MULTIPART_HEADROOM = 1024 * 1024  # a multipart body's part headers and boundaries, besides its files


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> JSONResponse:
    return envd_error(413, f"the upload is over the limit of {limit} bytes (OPENBAY_MAX_FILE_BYTES)")


async def _capped(chunks, limit: int):
    """The body as it comes, refused once it passes OPENBAY_MAX_FILE_BYTES."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise _TooLarge()
        yield chunk


async def write_files(request: Request) -> Response:
    path = request.query_params.get("path", "")
    limit = current.get().app.state.settings.max_file_bytes
    declared = request.headers.get("content-length", "")
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    if declared.isdigit() and int(declared) > limit + (MULTIPART_HEADROOM if multipart else 0):
        return _too_large(limit)
    guard = current.get().services.sessions.disk_guard
    try:
        if guard is not None:
            guard.require("the upload", int(declared) if declared.isdigit() else 0)
        if multipart:
            if not declared.isdigit():  # parts are spooled on the server's disk: their size is known first
                return envd_error(411, "a multipart upload needs its Content-Length")
            written = []
            async with request.form(max_files=10_000) as form:
                files = [v for _, v in form.multi_items() if hasattr(v, "read")]
                if any(f.size is not None and f.size > limit for f in files):
                    return _too_large(limit)
                for f in files:  # E2B names each part by its path; one part may take ?path=
                    target = path if len(files) == 1 and path else f.filename
                    if not target:
                        return envd_error(400, "each file part needs its path as its filename")
                    written.append(await _write(target, _parts(f)))
            return JSONResponse(written)
        if not path:
            return envd_error(400, "path is required")
        if request.headers.get("content-encoding", "") == "gzip":
            return envd_error(400, "gzip uploads are not taken by OpenBay; send the file as it is")
        return JSONResponse([await _write(path, _capped(request.stream(), limit))])
    except EnvdError as e:
        return _from_envd(e)
    except _TooLarge:
        return _too_large(limit)
    except ApiError as e:  # the server's disk is (nearly) full
        return envd_error(e.status, e.message)


ROUTES = [Route("/health", health, methods=["GET"]), Route("/envs", envs, methods=["GET"]),
          Route("/files", read_file, methods=["GET"]), Route("/files", write_files, methods=["POST"])]
