"""SQL for tasks, their events and steps. Each call is one transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from .db import Database
from .tables import utcnow
from .task_tables import TaskEventRow, TaskRow, TaskStepRow

UNFINISHED = ("pending", "running")


class TaskRepository:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, row: TaskRow) -> TaskRow:
        async with self.db.session() as s, s.begin():
            s.add(row)
        return row

    async def get(self, task_id: str, owner_id: str | None = None) -> TaskRow | None:
        q = select(TaskRow).where(TaskRow.id == task_id)
        if owner_id is not None:
            q = q.where(TaskRow.owner_id == owner_id)
        async with self.db.session() as s:
            return await s.scalar(q)

    async def for_session(self, session_id: str, owner_id: str, limit: int = 100) -> list[TaskRow]:
        """The session's tasks, newest first."""
        q = (select(TaskRow).where(TaskRow.session_id == session_id, TaskRow.owner_id == owner_id)
             .order_by(TaskRow.created_at.desc()).limit(limit))
        async with self.db.session() as s:
            return list(await s.scalars(q))

    async def update(self, task_id: str, **values) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(update(TaskRow).where(TaskRow.id == task_id).values(**values))

    async def finish(self, task_id: str, status: str, **values) -> bool:
        """Move an unfinished task to a final status; False if it had already ended."""
        async with self.db.session() as s, s.begin():
            done = await s.execute(update(TaskRow).where(
                TaskRow.id == task_id, TaskRow.status.in_(UNFINISHED)).values(
                status=status, ended_at=utcnow(), **values))
            return done.rowcount == 1

    async def add_event(self, event: TaskEventRow) -> None:
        async with self.db.session() as s, s.begin():
            s.add(event)

    async def events(self, task_id: str, after_seq: int = 0, limit: int = 1000) -> list[TaskEventRow]:
        async with self.db.session() as s:
            return list(await s.scalars(select(TaskEventRow).where(
                TaskEventRow.task_id == task_id, TaskEventRow.seq > after_seq)
                .order_by(TaskEventRow.seq).limit(limit)))

    async def last_seq(self, task_id: str) -> int:
        async with self.db.session() as s:
            rows = await s.scalars(select(TaskEventRow.seq).where(TaskEventRow.task_id == task_id)
                                   .order_by(TaskEventRow.seq.desc()).limit(1))
            return rows.first() or 0

    async def add_step(self, step: TaskStepRow) -> None:
        async with self.db.session() as s, s.begin():
            s.add(step)

    async def steps(self, task_id: str) -> list[TaskStepRow]:
        async with self.db.session() as s:
            return list(await s.scalars(select(TaskStepRow).where(TaskStepRow.task_id == task_id)
                                        .order_by(TaskStepRow.step)))

    async def unfinished(self) -> list[TaskRow]:
        async with self.db.session() as s:
            return list(await s.scalars(select(TaskRow).where(TaskRow.status.in_(UNFINISHED))))

    async def fail_unfinished(self, reason: str, ended_at: datetime | None = None) -> list[str]:
        """Tasks a previous run left pending or running cannot go on: mark them failed."""
        async with self.db.session() as s, s.begin():
            ids = list(await s.scalars(select(TaskRow.id).where(TaskRow.status.in_(UNFINISHED))))
            if ids:
                await s.execute(update(TaskRow).where(TaskRow.id.in_(ids)).values(
                    status="failed", error_message=reason, ended_at=ended_at or utcnow()))
            return ids
