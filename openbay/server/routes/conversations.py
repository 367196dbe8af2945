"""A session's conversation (WyseOS Mate's session API): messages, name, summary;
and the task runner's start."""
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request

from openbay.protocol import ErrorCode
from openbay.protocol.conversations import ConversationInfo, MessagePage, RunTaskRequest, RunTaskStarted, SessionName

from ..auth import require_principal
from ..errors import ApiError
from ..services.keys import Principal
from ..services.task_runs import start_run

router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["conversations"])


@router.get("/messages", response_model=MessagePage)
async def get_messages(session_id: str, request: Request, who: Principal = Depends(require_principal),
                       page_num: int = 1, page_size: int = 20,
                       role: list[str] = Query(default=[], description="repeatable"),
                       type: list[str] = Query(default=[], description="repeatable"),
                       since: datetime | None = None, until: datetime | None = None):
    """The session's messages (every event of every task), oldest first, a page at a time."""
    return await request.app.state.conversations.messages(
        who, session_id, page_num=page_num, page_size=page_size, roles=role, types=type,
        since=since, until=until)


@router.get("/messages/between", response_model=MessagePage)
async def get_between_messages(session_id: str, request: Request,
                               from_message_id: str = Query(min_length=1, max_length=80),
                               to_message_id: str = Query(min_length=1, max_length=80),
                               who: Principal = Depends(require_principal)):
    """The messages from one message to another, both included."""
    return await request.app.state.conversations.between(who, session_id, from_message_id, to_message_id)


@router.get("/conversation", response_model=ConversationInfo)
async def get_info(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    return await request.app.state.conversations.info(who, session_id)


@router.put("/name", response_model=ConversationInfo)
async def update_session_name(session_id: str, body: SessionName, request: Request,
                              who: Principal = Depends(require_principal)):
    if not body.name.strip():
        raise ApiError(ErrorCode.VALIDATION, "name must not be blank")
    return await request.app.state.conversations.rename(who, session_id, body.name.strip())


@router.post("/runs", status_code=201, response_model=RunTaskStarted)
async def run_task(session_id: str, body: RunTaskRequest, request: Request,
                   who: Principal = Depends(require_principal)):
    """Start a task that plans first, with attachments placed in the session's home."""
    state = request.app.state
    return await start_run(state.tasks, state.uploads, who, session_id, body)
