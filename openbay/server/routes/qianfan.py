"""Baidu Qianfan's browser-use agent endpoint: a query in, Server-Sent Events out.
A conversation_id is the OpenBay session the conversation lives in; without one,
a new browser session is made. Errors come as JSON before the stream starts."""
import base64

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from openbay.protocol import CreateSessionParams
from openbay.protocol.conversations import QianfanRunRequest
from openbay.protocol.tasks import TaskCreateRequest

from ..auth import require_principal
from ..errors import not_found
from ..services.keys import Principal
from ..services.qianfan import KEEPALIVE, QianfanStream, conversation_so_far, follow, sse

router = APIRouter(prefix="/v2/agent/browser_use", tags=["qianfan"])
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


async def _session_for(state, who: Principal, conversation_id: str | None) -> tuple[str, bool]:
    """(session id, whether it was made for this request)."""
    if conversation_id:
        await state.sessions.require_running(who, conversation_id)  # another owner's: 404
        return conversation_id, False
    row = await state.sessions.create(who, CreateSessionParams(image_id="browser"))
    return row.id, True


@router.post("/run", response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}}}})
async def run(body: QianfanRunRequest, request: Request, who: Principal = Depends(require_principal)):
    state = request.app.state
    session_id, made = await _session_for(state, who, body.conversation_id)
    context = None if made else await conversation_so_far(state.conversations.repo, who.owner_id, session_id)
    try:
        task = await state.tasks.submit(who, session_id, "browser", TaskCreateRequest(
            task=body.query, use_vision=body.screenshots, context=context))
    except BaseException:
        if made:
            await state.sessions.delete(who, session_id)
        raise
    shots = f"{state.settings.resolved_public_url()}{router.prefix}/screenshots/{task.id}/{{step}}"
    stream = QianfanStream(session_id, shots if body.screenshots else None)

    async def events():
        async for event in follow(state.tasks, task.id):
            if event is None:
                yield KEEPALIVE
                continue
            for message in stream.messages(event):
                yield sse(message)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/screenshots/{task_id}/{step}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
async def screenshot(task_id: str, step: int, request: Request, who: Principal = Depends(require_principal)):
    """The page as the agent saw it at the start of a step."""
    tasks = request.app.state.tasks
    await tasks.row(who, task_id)  # another owner's task: 404
    shot = next((s.screenshot for s in await tasks.repo.steps(task_id) if s.step == step), None)
    if not shot:
        raise not_found("screenshot", f"{task_id}/{step}")
    return Response(base64.b64decode(shot), media_type="image/jpeg")

