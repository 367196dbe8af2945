"""Contexts (persistent volumes of one owner) and the contexts attached to a session."""
import re

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from openbay.protocol.contexts import (
    ContextCreate,
    ContextFileLink,
    ContextFileLinkRequest,
    ContextInfo,
    ContextList,
    ContextSync,
    SessionContexts,
)
from openbay.protocol.keys import NAME_PATTERN

from ..auth import require_principal
from ..errors import not_found, responses
from ..services.context_files import MAX_PAGE
from ..services.keys import Principal
from ..wiring import services

router = APIRouter(tags=["contexts"], responses=responses(502))
_NAME = re.compile(NAME_PATTERN)


@router.post("/v1/contexts", response_model=ContextInfo,
             responses={201: {"model": ContextInfo, "description": "created"}})
async def get_or_create_context(body: ContextCreate, request: Request, response: Response,
                                who: Principal = Depends(require_principal)):
    """The caller's context called `name`; made (201) when there is none."""
    svc = services(request).contexts
    row, created = await svc.resolve(who, body.name, create=True)
    response.status_code = 201 if created else 200
    return svc.info(row)


@router.get("/v1/contexts", response_model=ContextList)
async def list_contexts(request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).contexts
    return ContextList(contexts=[svc.info(r) for r in await svc.list(who)])


@router.get("/v1/contexts/by-name/{name}", response_model=ContextInfo)
async def get_context_by_name(name: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).contexts
    if not _NAME.match(name):
        raise not_found("context", name)
    return svc.info((await svc.resolve(who, name, create=False))[0])


@router.get("/v1/contexts/{context_id}", response_model=ContextInfo)
async def get_context(context_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).contexts
    return svc.info(await svc.get(who, context_id))


@router.get("/v1/contexts/{context_id}/files")
async def list_context_files(context_id: str, request: Request, path: str = "/", page: int = Query(1, ge=1),
                             page_size: int = Query(50, ge=1, le=MAX_PAGE),
                             who: Principal = Depends(require_principal)) -> dict:
    """Files and folders directly under `path` in the context's saved content, sorted by path."""
    return await services(request).contexts.files(who, context_id, path, page, page_size)


@router.delete("/v1/contexts/{context_id}/files", response_model=ContextInfo, responses=responses(400))
async def delete_context_file(context_id: str, request: Request, path: str = Query(min_length=1),
                              who: Principal = Depends(require_principal)):
    """Remove one file from the context's saved content (404 when it has none at `path`)."""
    svc = services(request).contexts
    return svc.info(await svc.delete_file(who, context_id, path))


@router.post("/v1/contexts/{context_id}/file-links", response_model=ContextFileLink, responses=responses(400))
async def context_file_link(context_id: str, body: ContextFileLinkRequest, request: Request,
                            who: Principal = Depends(require_principal)):
    """A signed link to GET or PUT one file of the context's saved content, served by this
    server (as AgentBay's file URLs are by its object store): no API key needed, until it expires."""
    return await services(request).contexts.file_link(who, context_id, body.path, body.method, body.expires_in_s)


@router.get("/v1/context-files/{context_id}", responses=responses(403, 404))
async def read_linked_file(context_id: str, request: Request, path: str, owner: str, token: str):
    """The file's bytes, for a link of file-links (method GET)."""
    chunks = await services(request).contexts.read_linked(context_id, path, owner, token)
    return StreamingResponse(chunks, media_type="application/octet-stream")


@router.put("/v1/context-files/{context_id}", responses=responses(400, 403, 404, 413))
async def write_linked_file(context_id: str, request: Request, path: str, owner: str, token: str) -> dict:
    """The request body becomes the file (made, or replaced), for a link of file-links (method PUT)."""
    size = await services(request).contexts.write_linked(context_id, path, owner, token, request.stream())
    return {"path": path, "size": size}


@router.patch("/v1/contexts/{context_id}", response_model=ContextInfo, responses=responses(409))
async def rename_context(context_id: str, body: ContextCreate, request: Request,
                         who: Principal = Depends(require_principal)):
    """Give the context another name (409 when another of the caller's contexts has it)."""
    svc = services(request).contexts
    return svc.info(await svc.rename(who, context_id, body.name))


@router.post("/v1/contexts/{context_id}/clear", response_model=ContextInfo)
async def clear_context(context_id: str, request: Request, who: Principal = Depends(require_principal)):
    """Drop the context's saved content; the context itself stays."""
    svc = services(request).contexts
    return svc.info(await svc.clear(who, context_id))


@router.delete("/v1/contexts/{context_id}", response_model=ContextInfo)
async def delete_context(context_id: str, request: Request, who: Principal = Depends(require_principal)):
    svc = services(request).contexts
    return svc.info(await svc.delete(who, context_id))


@router.get("/v1/sessions/{session_id}/contexts", response_model=SessionContexts)
async def session_contexts(session_id: str, request: Request,
                           who: Principal = Depends(require_principal)):
    await services(request).sessions.require_running(who, session_id)
    syncs = services(request).contexts.attached(session_id)
    return {"syncs": [{"context_id": s.context_id, "path": s.path} for s in syncs]}


@router.post("/v1/sessions/{session_id}/contexts", response_model=SessionContexts)
async def bind_session_context(session_id: str, body: ContextSync, request: Request,
                               who: Principal = Depends(require_principal)):
    """Bind one more context to a running session: restored at its path now (download policy
    permitting), saved with the others; a path the session already syncs is left as it is."""
    sandbox = await services(request).sessions.require_running(who, session_id)
    await services(request).contexts.add(who, session_id, sandbox, body)
    syncs = services(request).contexts.attached(session_id)
    return {"syncs": [{"context_id": s.context_id, "path": s.path} for s in syncs]}


@router.post("/v1/sessions/{session_id}/contexts/sync", response_model=SessionContexts)
async def sync_session_contexts(session_id: str, request: Request,
                                who: Principal = Depends(require_principal)):
    """Save every context of the session now (whatever its upload policy says)."""
    sandbox = await services(request).sessions.require_running(who, session_id)
    return {"syncs": await services(request).contexts.save(session_id, sandbox)}
