"""A session's conversation (WyseOS Mate's session API): messages, name, summary;
and the task runner's start."""
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request

from openbay.protocol import ErrorCode
from openbay.protocol.conversations import (
    MAX_PAGE_SIZE,
    MESSAGE_ROLES,
    MESSAGE_TYPES,
    ConversationInfo,
    MessagePage,
    RunTaskRequest,
    RunTaskStarted,
    SessionName,
)

from ..auth import require_principal
from ..errors import ApiError, responses
from ..services.keys import Principal
from ..services.task_runs import start_run
from ..wiring import services

router = APIRouter(prefix="/v1/sessions/{session_id}", tags=["conversations"], responses=responses(409, 502))


# The spec states each rule; the service checks them with messages that name the rule.


def _one_of(values: tuple[str, ...]):
    return Query(default=[], description="repeatable", json_schema_extra={"items": {"enum": list(values)}})


def _timestamp():
    # an RFC 3339 time: a string, so that a bare number (pydantic's Unix time) is refused
    return Query(default=None, max_length=64, json_schema_extra={"format": "date-time"})


def _message_id():
    return Query(min_length=3, max_length=80, pattern=r"^[\s\S]+\.[0-9]{1,18}$", description="<task_id>.<seq>")


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError:
        raise ApiError(ErrorCode.VALIDATION, f"{name} must be an RFC 3339 time such as "
                       "2026-01-31T12:00:00Z") from None


@router.get("/messages", response_model=MessagePage)
async def get_messages(session_id: str, request: Request, who: Principal = Depends(require_principal),
                       page_num: int = Query(default=1, json_schema_extra={"minimum": 1}),
                       page_size: int = Query(default=20, json_schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE}),
                       role: list[str] = _one_of(MESSAGE_ROLES), type: list[str] = _one_of(MESSAGE_TYPES),
                       since: str | None = _timestamp(), until: str | None = _timestamp()):
    """The session's messages (every event of every task), oldest first, a page at a time."""
    return await services(request).conversations.messages(
        who, session_id, page_num=page_num, page_size=page_size, roles=role, types=type,
        since=_time(since, "since"), until=_time(until, "until"))


@router.get("/messages/between", response_model=MessagePage)
async def get_between_messages(session_id: str, request: Request,
                               from_message_id: str = _message_id(), to_message_id: str = _message_id(),
                               who: Principal = Depends(require_principal)):
    """The messages from one message to another, both included."""
    return await services(request).conversations.between(who, session_id, from_message_id, to_message_id)


@router.get("/conversation", response_model=ConversationInfo)
async def get_info(session_id: str, request: Request, who: Principal = Depends(require_principal)):
    return await services(request).conversations.info(who, session_id)


@router.put("/name", response_model=ConversationInfo)
async def update_session_name(session_id: str, body: SessionName, request: Request,
                              who: Principal = Depends(require_principal)):
    return await services(request).conversations.rename(who, session_id, body.name.strip())


@router.post("/runs", status_code=201, response_model=RunTaskStarted, responses=responses(403))
async def run_task(session_id: str, body: RunTaskRequest, request: Request,
                   who: Principal = Depends(require_principal)):
    """Start a task that plans first, with attachments placed in the session's home."""
    state = services(request)
    return await start_run(state.tasks, state.uploads, who, session_id, body)
