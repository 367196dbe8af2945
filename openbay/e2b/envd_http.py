"""envd's HTTP routes (spec/envd/envd.yaml): health, and file content both ways (raw or
multipart uploads, downloads), streamed through OpenBay envd's `fs.read` and `fs.write`."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from openbay.sandbox import EnvdError
from openbay.sandbox.envd import wire
from openbay.sandbox.envd.upload import upload

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
    frames = sandbox.envd.stream({"op": "fs.read", "path": path, "offset": 0, "length": 0})
    try:
        head = wire.decode_json(*await anext(frames))
    except EnvdError as e:
        return _from_envd(e)
    except StopAsyncIteration:
        return envd_error(502, "the sandbox closed the connection")

    async def body():
        try:
            async for kind, payload in frames:
                if kind == wire.BYTES:
                    yield payload
        finally:
            await frames.aclose()

    return StreamingResponse(body(), media_type="application/octet-stream",
                             headers={"content-length": str(head["size"])})


async def _write(path: str, chunks) -> dict:
    sandbox = await current.get().sandbox()
    answer = await upload(sandbox.envd, {"op": "fs.write", "path": path, "mode": "overwrite"}, chunks)
    written = answer["path"]
    return {"name": written.rsplit("/", 1)[-1], "type": "file", "path": written}


async def _parts(upload_file):
    while chunk := await upload_file.read(UPLOAD_CHUNK):
        yield chunk


async def write_files(request: Request) -> Response:
    path = request.query_params.get("path", "")
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            written = []
            async with request.form(max_files=10_000) as form:
                files = [v for _, v in form.multi_items() if hasattr(v, "read")]
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
        return JSONResponse([await _write(path, request.stream())])
    except EnvdError as e:
        return _from_envd(e)


ROUTES = [Route("/health", health, methods=["GET"]), Route("/envs", envs, methods=["GET"]),
          Route("/files", read_file, methods=["GET"]), Route("/files", write_files, methods=["POST"])]
