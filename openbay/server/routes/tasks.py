"""Agent tasks: start, read, stop, answer, and their event stream (REST list and WebSocket)."""
import asyncio
import contextlib
import json

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from openbay.protocol import STATUS_OF, ErrorCode
from openbay.protocol.tasks import (
    TERMINAL_STATUSES,
    ClientMessage,
    EventType,
    TaskCreateRequest,
    TaskEvent,
    TaskEventList,
    TaskInfo,
    TaskStatus,
    TaskSummaryList,
    UserReply,
)

from ..auth import bearer_secret, principal_for, require_principal
from ..console_sessions import visit_of
from ..errors import ApiError, responses
from ..services.keys import Principal
from ..services.qianfan import KEEPALIVE, follow, last_event_id, sse
from ..services.tasks import event_of
from ..wiring import services
from .qianfan import SSE_HEADERS

router = APIRouter(tags=["tasks"], responses=responses(409, 502, 503))
MAX_EVENTS_PAGE = 1000
_TERMINAL = {s.value for s in TERMINAL_STATUSES}
RECHECK_S = 15.0  # a stream with no event for this long looks at the store again


@router.post("/v1/sessions/{session_id}/agent/{kind}/tasks", status_code=201, response_model=TaskInfo,
             responses=responses(403, 409))
async def create_task(session_id: str, kind: str, body: TaskCreateRequest, request: Request,
                      who: Principal = Depends(require_principal)):
    svc, recordings = services(request).tasks, services(request).recordings
    if body.record:  # before the task starts, so its first page is in the recording
        await recordings.start(who, session_id)
    row = await svc.submit(who, session_id, kind, body)
    recordings.note_task(session_id, row.id)  # a recording of the session shows its tasks
    return await svc.info_of(row)


@router.get("/v1/sessions/{session_id}/tasks", response_model=TaskSummaryList)
async def session_tasks(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    """The session's tasks, newest first (the last 100)."""
    return TaskSummaryList(tasks=await services(request).tasks.of_session(who, session_id))


@router.get("/v1/tasks/{task_id}", response_model=TaskInfo)
async def get_task(task_id: str, request: Request, who: Principal = Depends(require_principal)):
    return await services(request).tasks.info(who, task_id)


@router.post("/v1/tasks/{task_id}/terminate", response_model=TaskInfo)
async def terminate_task(task_id: str, request: Request, who: Principal = Depends(require_principal)):
    return await services(request).tasks.terminate(who, task_id)


@router.post("/v1/tasks/{task_id}/reply", status_code=204)
async def reply(task_id: str, body: UserReply, request: Request, who: Principal = Depends(require_principal)):
    """The person's answer to the task's pending call_for_user."""
    await services(request).tasks.reply(who, task_id, body.content)


@router.get("/v1/tasks/{task_id}/events/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream_events_sse(task_id: str, request: Request, who: Principal = Depends(require_principal),
                            after_seq: int = Query(default=0, ge=0)):
    """The task's events as Server-Sent Events (id: seq, event: type, data: the event), until it
    ends. A client that reconnects sends Last-Event-ID (or after_seq) and misses nothing."""
    tasks = services(request).tasks
    row = await tasks.row(who, task_id)  # another owner's task: 404
    after = last_event_id(request.headers.get("last-event-id"), after_seq)

    async def events():
        async for event in follow(tasks, row.id, after):
            yield KEEPALIVE if event is None else sse(event.model_dump(mode="json"), event.seq, event.type.value)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/v1/tasks/{task_id}/events", response_model=TaskEventList)
async def list_events(task_id: str, request: Request, who: Principal = Depends(require_principal),
                      after_seq: int = Query(default=0, ge=0),
                      limit: int = Query(default=100, ge=1, le=MAX_EVENTS_PAGE)):
    events, row = await services(request).tasks.events(who, task_id, after_seq, limit)
    return TaskEventList(events=events, status=TaskStatus(row.status))


def _is_end(event: TaskEvent) -> bool:
    return event.type == EventType.STATUS and event.payload.get("status") in _TERMINAL


async def _refuse(ws: WebSocket, e: ApiError) -> None:
    """Errors before streaming: one error message, then a close code of 4000 + HTTP status."""
    await ws.accept()
    await ws.send_json({"type": "error", "error": {"code": e.code.value, "message": e.message}})
    await ws.close(code=4000 + STATUS_OF[e.code], reason=e.message[:120])


@router.websocket("/v1/tasks/{task_id}/events")
async def stream_events(ws: WebSocket, task_id: str):
    """Every event after `after_seq` (stored ones first, then live), until the task ends.
    The client may send {"type": "reply", "content": "..."} to answer call_for_user."""
    app = ws.app
    secret = bearer_secret(ws.headers.get("authorization", "")) or ws.query_params.get("token", "")
    visit = None if secret else visit_of(ws)  # the console's own pages use their sign-in
    try:
        raw_after = ws.query_params.get("after_seq", "0")
        if not raw_after.isdigit():
            raise ApiError(ErrorCode.VALIDATION, "after_seq must be a whole number >= 0")
        who = visit.principal if visit else await principal_for(ws, secret)
        row = await services(ws).tasks.row(who, task_id)
    except ApiError as e:
        return await _refuse(ws, e)
    await ws.accept()
    stream = _EventStream(ws, app, who, row.id, int(raw_after))
    await stream.run()


class _EventStream:
    def __init__(self, ws: WebSocket, app, who: Principal, task_id: str, after_seq: int):
        self.ws, self.app, self.who, self.task_id, self.last = ws, app, who, task_id, after_seq
        self.tasks = services(ws).tasks
        self.repo = self.tasks.repo
        self.runner = self.tasks.runner

    async def run(self) -> None:
        queue = self.runner.bus.subscribe(self.task_id)  # before reading the store: no gap
        reader = asyncio.create_task(self._read_client(queue))
        try:
            # not running here (any more): the store has everything, the end included
            if await self._backfill() or not await self.tasks.is_active(self.task_id):
                return await self.ws.close(1000)
            while True:
                getter = asyncio.create_task(queue.get())
                await asyncio.wait({getter, reader}, timeout=RECHECK_S, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    if reader.done():  # the client went away
                        return
                    # quiet for a while (another replica may have stopped mid-task): look again
                    if await self._backfill() or not await self.tasks.is_active(self.task_id):
                        break
                    continue
                item = getter.result()
                if isinstance(item, dict):  # an answer to something the client sent
                    await self.ws.send_json(item)
                elif item.seq > self.last + 1 and await self._backfill():
                    break
                elif item.seq == self.last + 1:
                    await self._send(item)
                    if _is_end(item):
                        break
            await self.ws.close(1000)
        except (WebSocketDisconnect, RuntimeError):
            pass  # the client left mid-send
        finally:
            self.runner.bus.unsubscribe(self.task_id, queue)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _send(self, event: TaskEvent) -> None:
        await self.ws.send_json(event.model_dump(mode="json"))
        self.last = event.seq

    async def _backfill(self) -> bool:
        """Send what the store has after `last`; True when that included the end."""
        while True:
            rows = await self.repo.events(self.task_id, self.last, MAX_EVENTS_PAGE)
            for r in rows:
                event = event_of(r)
                await self._send(event)
                if _is_end(event):
                    return True
            if len(rows) < MAX_EVENTS_PAGE:
                return False

    async def _read_client(self, queue: asyncio.Queue) -> None:
        while True:
            try:
                raw = await self.ws.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            try:
                msg = ClientMessage.model_validate(json.loads(raw))
            except (ValueError, ValidationError) as e:
                queue.put_nowait({"type": "reply_ack", "ok": False, "message": f"bad message: {str(e)[:200]}"})
                continue
            ok = await self.tasks.answer(self.task_id, msg.content)
            queue.put_nowait({"type": "reply_ack", "ok": ok,
                              "message": "" if ok else "the task is not waiting for an answer"})
