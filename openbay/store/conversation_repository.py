"""SQL for conversations. A session's messages are its tasks' events, read through a
query (one task after another, each in sequence order), not a copy of them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .conversation_tables import SessionNameRow, UploadRow
from .db import Database
from .task_tables import TaskEventRow, TaskRow

# the message type of an event: its own type, but the "pending" status is the user's task
MESSAGE_TYPE = case((and_(TaskEventRow.type == "status",
                          TaskEventRow.payload["status"].as_string() == "pending"), literal("task")),
                    else_=TaskEventRow.type)
_ORDER = (TaskRow.created_at, TaskRow.id, TaskEventRow.seq)


@dataclass
class MessageRow:
    event: TaskEventRow
    type: str
    task_text: str
    session_id: str


@dataclass
class ConversationStats:
    task_count: int = 0
    message_count: int = 0
    first_task: str = ""
    last_message_at: datetime | None = None


class ConversationRepository:
    def __init__(self, db: Database):
        self.db = db

    def _messages(self, owner_id: str, session_id: str):
        return (select(TaskEventRow, MESSAGE_TYPE, TaskRow.task, TaskRow.session_id)
                .join(TaskRow, TaskRow.id == TaskEventRow.task_id)
                .where(TaskRow.owner_id == owner_id, TaskRow.session_id == session_id))

    async def page(self, owner_id: str, session_id: str, *, offset: int, limit: int,
                   types: set[str] | None, since: datetime | None,
                   until: datetime | None) -> tuple[list[MessageRow], int]:
        q = self._messages(owner_id, session_id)
        if types is not None:
            q = q.where(MESSAGE_TYPE.in_(sorted(types)))
        if since is not None:
            q = q.where(TaskEventRow.timestamp >= since)
        if until is not None:
            q = q.where(TaskEventRow.timestamp <= until)
        async with self.db.session() as s:
            total = await s.scalar(select(func.count()).select_from(q.subquery()))
            rows = await s.execute(q.order_by(*_ORDER).offset(offset).limit(limit))
            return [MessageRow(*r) for r in rows], total or 0

    async def position(self, owner_id: str, session_id: str, task_id: str, seq: int) -> tuple | None:
        """Where a message stands in its conversation, or None when it is not there."""
        q = (select(*_ORDER).join(TaskRow, TaskRow.id == TaskEventRow.task_id)
             .where(TaskRow.owner_id == owner_id, TaskRow.session_id == session_id,
                    TaskEventRow.task_id == task_id, TaskEventRow.seq == seq))
        async with self.db.session() as s:
            row = (await s.execute(q)).first()
            return tuple(row) if row else None

    async def between(self, owner_id: str, session_id: str, lo: tuple, hi: tuple,
                      limit: int) -> tuple[list[MessageRow], int]:
        q = self._messages(owner_id, session_id).where(tuple_(*_ORDER).between(lo, hi))
        async with self.db.session() as s:
            total = await s.scalar(select(func.count()).select_from(q.subquery()))
            rows = await s.execute(q.order_by(*_ORDER).limit(limit))
            return [MessageRow(*r) for r in rows], total or 0

    async def stats(self, owner_id: str, session_id: str) -> ConversationStats:
        async with self.db.session() as s:
            tasks = (await s.execute(select(func.count(), func.min(TaskRow.created_at)).where(
                TaskRow.owner_id == owner_id, TaskRow.session_id == session_id))).one()
            first = await s.scalar(select(TaskRow.task).where(
                TaskRow.owner_id == owner_id, TaskRow.session_id == session_id)
                .order_by(TaskRow.created_at).limit(1))
            count, last = (await s.execute(
                select(func.count(), func.max(TaskEventRow.timestamp))
                .join(TaskRow, TaskRow.id == TaskEventRow.task_id)
                .where(TaskRow.owner_id == owner_id, TaskRow.session_id == session_id))).one()
        if isinstance(last, str):  # an aggregate comes back untyped on SQLite
            last = datetime.fromisoformat(last)
        return ConversationStats(tasks[0], count, first or "", last)

    async def turns(self, owner_id: str, session_id: str, limit: int) -> list[tuple[str, str | None, str]]:
        """The last `limit` tasks of the session, oldest first: (task, result, status)."""
        async with self.db.session() as s:
            rows = (await s.execute(select(TaskRow.task, TaskRow.result, TaskRow.status).where(
                TaskRow.owner_id == owner_id, TaskRow.session_id == session_id)
                .order_by(TaskRow.created_at.desc()).limit(limit))).all()
        return [tuple(r) for r in reversed(rows)]

    async def name(self, session_id: str) -> str | None:
        async with self.db.session() as s:
            return await s.scalar(select(SessionNameRow.name).where(SessionNameRow.session_id == session_id))

    async def set_name(self, owner_id: str, session_id: str, name: str, now: datetime) -> None:
        insert = pg_insert if self.db.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(SessionNameRow).values(session_id=session_id, owner_id=owner_id, name=name,
                                             updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=[SessionNameRow.session_id],
                                          set_={"name": name, "updated_at": now})
        async with self.db.session() as s, s.begin():
            await s.execute(stmt)

    async def add_upload(self, row: UploadRow) -> UploadRow:
        async with self.db.session() as s, s.begin():
            s.add(row)
        return row

    async def upload(self, owner_id: str | None, file_id: str) -> UploadRow | None:
        """An owner's upload (owner_id None: anyone's, for a signed link checked by the caller)."""
        q = select(UploadRow).where(UploadRow.id == file_id)
        if owner_id is not None:
            q = q.where(UploadRow.owner_id == owner_id)
        async with self.db.session() as s:
            return await s.scalar(q)
