"""A session's conversation: its messages (its tasks' events), name and summary.
Every call checks first that the session is the caller's (404 otherwise)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from openbay.protocol import ErrorCode
from openbay.protocol.conversations import (
    MAX_BETWEEN,
    MAX_PAGE_SIZE,
    MESSAGE_ROLES,
    MESSAGE_TYPES,
    ROLE_OF_TYPE,
    ConversationInfo,
    Message,
    MessagePage,
)
from openbay.store.conversation_repository import ConversationRepository, MessageRow
from openbay.store.tables import utcnow

from ..errors import ApiError, not_found
from .keys import Principal
from .sessions import SessionService

NAME_FROM_TASK_CHARS = 80


def role_of(message_type: str) -> str:
    return ROLE_OF_TYPE.get(message_type, "assistant")


def message_id(task_id: str, seq: int) -> str:
    return f"{task_id}.{seq}"


def _parse_message_id(value: str) -> tuple[str, int]:
    task_id, _, seq = value.rpartition(".")
    if not task_id or not seq.isdigit():
        raise ApiError(ErrorCode.VALIDATION, f"message id {value[:80]!r} is not one this server gave "
                       "out (<task_id>.<seq>)")
    return task_id, int(seq)


def message_text(message_type: str, payload: dict, task_text: str = "") -> str:
    if message_type == "task":
        return task_text
    if message_type == "tool_call":
        return f"{payload.get('name')}({json.dumps(payload.get('args', {}), ensure_ascii=False)})"
    if message_type == "tool_result":
        return str(payload.get("output", ""))
    if message_type == "error":
        return str(payload.get("message", ""))
    if message_type == "status":
        return str(payload.get("status", ""))
    return str(payload.get("content", ""))


def message_of(m: MessageRow) -> Message:
    e = m.event
    return Message(message_id=message_id(e.task_id, e.seq), session_id=m.session_id, task_id=e.task_id,
                   role=role_of(m.type), type=m.type, content=message_text(m.type, e.payload or {}, m.task_text),
                   payload=e.payload or {}, created_at=e.timestamp)


def check_page(page_num: int, page_size: int) -> None:
    if page_num < 1:
        raise ApiError(ErrorCode.VALIDATION, f"page_num must be 1 or more, not {page_num}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(ErrorCode.VALIDATION, f"page_size must be between 1 and {MAX_PAGE_SIZE}, "
                       f"not {page_size}")


def wanted_types(roles: list[str], types: list[str]) -> set[str] | None:
    """The message types a filter on roles and types lets through (None: all)."""
    for r in roles:
        if r not in MESSAGE_ROLES:
            raise ApiError(ErrorCode.VALIDATION, f"role {r[:40]!r} is not one of {', '.join(MESSAGE_ROLES)}")
    for t in types:
        if t not in MESSAGE_TYPES:
            raise ApiError(ErrorCode.VALIDATION, f"type {t[:40]!r} is not one of {', '.join(MESSAGE_TYPES)}")
    if not roles and not types:
        return None
    out = set(types or MESSAGE_TYPES)
    if roles:
        out = {t for t in out if role_of(t) in roles}
    return out


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)  # a time without a zone is taken as UTC
    return value


class ConversationService:
    def __init__(self, repo: ConversationRepository, sessions: SessionService):
        self.repo = repo
        self.sessions = sessions

    async def messages(self, who: Principal, session_id: str, *, page_num: int, page_size: int,
                       roles: list[str], types: list[str], since: datetime | None,
                       until: datetime | None) -> MessagePage:
        check_page(page_num, page_size)
        wanted = wanted_types(roles, types)
        since, until = _utc(since), _utc(until)
        await self.sessions.get(who, session_id)
        if since and until and since > until:  # an empty window
            return MessagePage(page_num=page_num, page_size=page_size, total=0, total_page=0, data=[])
        rows, total = await self.repo.page(who.owner_id, session_id, offset=(page_num - 1) * page_size,
                                           limit=page_size, types=wanted, since=since, until=until)
        return MessagePage(page_num=page_num, page_size=page_size, total=total,
                           total_page=-(-total // page_size), data=[message_of(r) for r in rows])

    async def between(self, who: Principal, session_id: str, from_id: str, to_id: str) -> MessagePage:
        ends = [_parse_message_id(from_id), _parse_message_id(to_id)]
        await self.sessions.get(who, session_id)
        positions = []
        for (task_id, seq), raw in zip(ends, (from_id, to_id)):
            pos = await self.repo.position(who.owner_id, session_id, task_id, seq)
            if pos is None:
                raise not_found("message", raw)
            positions.append(pos)
        lo, hi = sorted(positions)
        rows, total = await self.repo.between(who.owner_id, session_id, lo, hi, MAX_BETWEEN)
        return MessagePage(page_num=1, page_size=MAX_BETWEEN, total=total,
                           total_page=1 if total else 0, data=[message_of(r) for r in rows])

    async def info(self, who: Principal, session_id: str) -> ConversationInfo:
        row = await self.sessions.get(who, session_id)
        stats = await self.repo.stats(who.owner_id, session_id)
        name = await self.repo.name(session_id) or stats.first_task[:NAME_FROM_TASK_CHARS]
        updated = max(t for t in (row.last_active_at, stats.last_message_at) if t is not None)
        duration = ((row.ended_at or utcnow()) - row.created_at).total_seconds()
        return ConversationInfo(session_id=row.id, name=name, status=row.status, image_id=row.image_id,
                                created_at=row.created_at, updated_at=updated,
                                message_count=stats.message_count, task_count=stats.task_count,
                                duration_s=round(max(duration, 0.0), 3))

    async def rename(self, who: Principal, session_id: str, name: str) -> ConversationInfo:
        await self.sessions.get(who, session_id)
        await self.repo.set_name(who.owner_id, session_id, name.strip() or name, utcnow())
        return await self.info(who, session_id)
