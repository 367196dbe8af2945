"""Task leases of server replicas on one PostgreSQL: a task runs on the replica holding its
lease; the holder renews it by heartbeat, and once it has expired any replica may take the
task over. Times are the database's own clock (`now()`), so replicas on machines whose
clocks differ still agree."""
from __future__ import annotations

from sqlalchemy import bindparam, delete, func, or_, select, text

from .db import Database
from .task_repository import UNFINISHED
from .task_tables import TaskLeaseRow, TaskRow

_TAKE = text("""
INSERT INTO task_leases (task_id, holder, expires_at)
VALUES (:task_id, :holder, now() + make_interval(secs => :ttl))
ON CONFLICT (task_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE task_leases.expires_at < now() OR task_leases.holder = excluded.holder
""")
_RENEW = text("""
UPDATE task_leases SET expires_at = now() + make_interval(secs => :ttl)
WHERE holder = :holder AND task_id IN :ids RETURNING task_id
""").bindparams(bindparam("ids", expanding=True))


class LeaseRepository:
    def __init__(self, db: Database):
        self.db = db

    async def take(self, task_id: str, holder: str, ttl_s: float) -> bool:
        """The lease for `holder` when it is free, expired or already its own; False when another
        replica holds it."""
        async with self.db.session() as s, s.begin():
            done = await s.execute(_TAKE, {"task_id": task_id, "holder": holder, "ttl": float(ttl_s)})
            return done.rowcount == 1

    async def renew(self, holder: str, task_ids: list[str], ttl_s: float) -> set[str]:
        """Extend the holder's leases of these tasks; the ids it still holds (the rest it lost)."""
        if not task_ids:
            return set()
        async with self.db.session() as s, s.begin():
            rows = await s.execute(_RENEW, {"holder": holder, "ids": list(task_ids), "ttl": float(ttl_s)})
            return {r[0] for r in rows}

    async def release(self, task_id: str, holder: str) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(delete(TaskLeaseRow).where(TaskLeaseRow.task_id == task_id,
                                                       TaskLeaseRow.holder == holder))

    async def holder(self, task_id: str) -> str | None:
        async with self.db.session() as s:
            return await s.scalar(select(TaskLeaseRow.holder).where(
                TaskLeaseRow.task_id == task_id, TaskLeaseRow.expires_at >= func.now()))

    async def orphans(self) -> list[TaskRow]:
        """Unfinished tasks nobody holds a live lease on (their replica died or stopped)."""
        q = (select(TaskRow).outerjoin(TaskLeaseRow, TaskLeaseRow.task_id == TaskRow.id)
             .where(TaskRow.status.in_(UNFINISHED),
                    or_(TaskLeaseRow.task_id.is_(None), TaskLeaseRow.expires_at < func.now()))
             .order_by(TaskRow.created_at))
        async with self.db.session() as s:
            return list(await s.scalars(q))
