"""Baidu Qianfan's browser-use agent endpoint: a query in, Server-Sent Events out.
A conversation_id is the OpenBay session the conversation lives in; without one,
a new browser session is made. Errors come as JSON before the stream starts."""
import base64

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from openbay.protocol import CreateSessionParams
from openbay.protocol.conversations import QianfanRunRequest
from openbay.protocol.tasks import TaskCreateRequest

from ..auth import require_principal
from ..errors import not_found, responses
from ..services.keys import Principal
from ..services.qianfan import KEEPALIVE, QianfanStream, conversation_so_far, follow, last_event_id, sse
from ..services.tasks import event_of
from ..wiring import services
from .sessions import page_link

router = APIRouter(prefix="/v2/agent/browser_use", tags=["qianfan"], responses=responses(409, 502, 503))
SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
SCREENSHOT_PURPOSE = "qianfan-screenshot"
SCREENSHOT_TTL_S = 24 * 3600


async def _session_for(state, who: Principal, conversation_id: str | None) -> tuple[str, bool]:
    """(session id, whether it was made for this request)."""
    if conversation_id:
        await state.sessions.require_running(who, conversation_id)  # another owner's: 404
        return conversation_id, False
    row = await state.sessions.create(who, CreateSessionParams(image_id="browser"))
    return row.id, True


@router.post("/run", response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}}}, **responses(403, 404, 410)})
async def run(body: QianfanRunRequest, request: Request, who: Principal = Depends(require_principal)):
    state = services(request)
    session_id, made = await _session_for(state, who, body.conversation_id)
    context = None if made else await conversation_so_far(state.conversations.repo, who.owner_id, session_id)
    try:
        task = await state.tasks.submit(who, session_id, "browser", TaskCreateRequest(
            task=body.query, use_vision=body.screenshots, context=context))
    except BaseException:
        if made:
            await state.sessions.delete(who, session_id)
        raise

    async def on_end(status: str) -> None:  # a new conversation that failed at once leaves no browser behind
        if made and status != "finished":
            await state.sessions.delete(who, session_id)

    return _stream(state, task.id, session_id, body.screenshots, after=0, on_end=on_end)


@router.get("/tasks/{task_id}/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def reconnect(task_id: str, request: Request, who: Principal = Depends(require_principal),
                    after_seq: int = Query(default=0, ge=0)):
    """The stream of a run again, from after the Last-Event-ID header (or after_seq): what a
    client whose connection dropped (or whose server restarted) reads to go on."""
    state = services(request)
    row = await state.tasks.row(who, task_id)  # another owner's task: 404
    after = last_event_id(request.headers.get("last-event-id"), after_seq)
    return _stream(state, row.id, row.session_id, bool(row.params.get("use_vision")), after)


def _stream(state, task_id: str, session_id: str, screenshots: bool, after: int, on_end=None) -> StreamingResponse:
    """Qianfan messages of the task's events after seq `after`; each event's last message carries
    the event's seq as its SSE id. Screenshot URLs are signed (a front end shows them without the
    key, for a day); the first tool call carries where to watch the session's browser."""
    shots = f"{state.settings.resolved_public_url()}{router.prefix}/screenshots/{task_id}"

    def screenshot_url(step: int) -> str:
        return f"{shots}/{step}?token={state.links.sign(f'{task_id}/{step}', SCREENSHOT_PURPOSE, SCREENSHOT_TTL_S)}"

    live = state.sessions.live.get(session_id)
    watch = page_link(state, state.sessions.info(live.row)) if live else ""
    stream = QianfanStream(session_id, task_id, screenshot_url if screenshots else None, browser_url=watch)

    async def events():
        status = ""
        if after:  # the ids of messages the client has not seen follow on from those it has
            stream.replay([event_of(r) for r in await state.tasks.repo.events(task_id, 0, after)])
        async for event in follow(state.tasks, task_id, after):
            if event is None:
                yield KEEPALIVE
                continue
            if event.type == "status":
                status = event.payload.get("status", status)
            messages = stream.messages(event)
            for i, message in enumerate(messages):
                yield sse(message, event.seq if i == len(messages) - 1 else None)
        if on_end is not None:
            await on_end(status)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/screenshots/{task_id}/{step}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}, **responses(401, 429)})
async def screenshot(task_id: str, step: int, request: Request,
                     token: str | None = Query(default=None, max_length=200)):
    """The page as the agent saw it at the start of a step: with the signed token of the stream's
    URL, or with an API key of the task's owner."""
    tasks = services(request).tasks
    if not (token and services(request).links.verify(token, f"{task_id}/{step}", SCREENSHOT_PURPOSE)):
        await tasks.row(await require_principal(request), task_id)  # another owner's task: 404
    shot = next((s.screenshot for s in await tasks.repo.steps(task_id) if s.step == step), None)
    if not shot:
        raise not_found("screenshot", f"{task_id}/{step}")
    return Response(base64.b64decode(shot), media_type="image/jpeg")
