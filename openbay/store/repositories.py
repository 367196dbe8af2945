"""Repositories: the only code that writes SQL. Each call is one transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update

from .db import Database
from .tables import ApiKey, Owner, SessionLabel, SessionRow, utcnow

LIVE = ("running", "paused")  # a session whose sandbox exists


class KeyRepository:
    def __init__(self, db: Database):
        self.db = db

    async def count(self) -> int:
        async with self.db.session() as s:
            return await s.scalar(select(func.count()).select_from(ApiKey))

    async def create(self, *, key_id: str, owner_id: str, name: str, prefix: str,
                     secret_hash: str, admin: bool, max_sessions: int | None = None) -> ApiKey:
        """A key for the owner called `name`; the owner is created on first use."""
        async with self.db.session() as s, s.begin():
            owner = await s.scalar(select(Owner).where(Owner.name == name))
            if owner is None:
                owner = Owner(id=owner_id, name=name, created_at=utcnow())
                s.add(owner)
                await s.flush()
            key = ApiKey(id=key_id, owner_id=owner.id, name=name, prefix=prefix,
                         secret_hash=secret_hash, admin=admin, created_at=utcnow(), max_sessions=max_sessions)
            s.add(key)
        return key

    async def by_hash(self, secret_hash: str) -> ApiKey | None:
        async with self.db.session() as s:
            return await s.scalar(select(ApiKey).where(ApiKey.secret_hash == secret_hash))

    async def list(self) -> list[ApiKey]:
        async with self.db.session() as s:
            return list(await s.scalars(select(ApiKey).order_by(ApiKey.created_at)))

    async def set_quota(self, key_id: str, max_sessions: int | None) -> ApiKey | None:
        """The key with its new quota; None for an unknown or revoked key (revoked is gone,
        but for the list that keeps its record)."""
        async with self.db.session() as s, s.begin():
            key = await s.get(ApiKey, key_id)
            if key is None or key.revoked_at is not None:
                return None
            key.max_sessions = max_sessions
            return key

    async def revoke(self, key_id: str) -> ApiKey | None:
        async with self.db.session() as s, s.begin():
            key = await s.get(ApiKey, key_id)
            if key is not None and key.revoked_at is None:
                key.revoked_at = utcnow()
            return key


class SessionRepository:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, row: SessionRow) -> SessionRow:
        async with self.db.session() as s, s.begin():
            s.add(row)
            await s.flush()
            s.add_all(SessionLabel(session_seq=row.seq, key=k, value=v) for k, v in row.labels.items())
        return row

    async def get(self, session_id: str, owner_id: str | None = None) -> SessionRow | None:
        q = select(SessionRow).where(SessionRow.id == session_id)
        if owner_id is not None:
            q = q.where(SessionRow.owner_id == owner_id)
        async with self.db.session() as s:
            return await s.scalar(q)

    async def list(self, owner_id: str, *, labels: dict[str, str], statuses: list[str],
                   limit: int, before_seq: int | None, image_id: str | None = None) -> tuple[list[SessionRow], int]:
        """Newest first; rows with seq below `before_seq` (the page token); and the total."""
        where = [SessionRow.owner_id == owner_id]
        if image_id:
            where.append(SessionRow.image_id == image_id)
        if statuses:
            where.append(SessionRow.status.in_(statuses))
        for k, v in labels.items():
            where.append(select(SessionLabel.session_seq).where(
                SessionLabel.session_seq == SessionRow.seq, SessionLabel.key == k,
                SessionLabel.value == v).exists())
        async with self.db.session() as s:
            total = await s.scalar(select(func.count()).select_from(SessionRow).where(*where))
            page = select(SessionRow).where(*where)
            if before_seq is not None:
                page = page.where(SessionRow.seq < before_seq)
            rows = list(await s.scalars(page.order_by(SessionRow.seq.desc()).limit(limit)))
        return rows, total

    async def set_labels(self, session_id: str, labels: dict[str, str]) -> SessionRow | None:
        async with self.db.session() as s, s.begin():
            row = await s.scalar(select(SessionRow).where(SessionRow.id == session_id))
            if row is None:
                return None
            row.labels = dict(labels)
            await s.execute(delete(SessionLabel).where(SessionLabel.session_seq == row.seq))
            s.add_all(SessionLabel(session_seq=row.seq, key=k, value=v) for k, v in labels.items())
            return row

    async def touch(self, session_id: str, last_active_at: datetime, expires_at: datetime) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(update(SessionRow).where(SessionRow.id == session_id).values(
                last_active_at=last_active_at, expires_at=expires_at))

    async def set_paused(self, session_id: str, paused_at: datetime | None, last_active_at: datetime,
                         expires_at: datetime) -> None:
        """Paused (paused_at given) or running again (None)."""
        async with self.db.session() as s, s.begin():
            await s.execute(update(SessionRow).where(
                SessionRow.id == session_id, SessionRow.status.in_(LIVE)).values(
                status="paused" if paused_at else "running", paused_at=paused_at,
                last_active_at=last_active_at, expires_at=expires_at))

    async def end(self, session_id: str, status: str, reason: str, *, idle_at: datetime | None = None) -> bool:
        """End a live session; False when it had ended already (another server replica ended it),
        or, with `idle_at`, when it is not idle then (a replica used it meanwhile)."""
        q = update(SessionRow).where(SessionRow.id == session_id, SessionRow.status.in_(LIVE))
        if idle_at is not None:
            q = q.where(SessionRow.status == "running", SessionRow.expires_at <= idle_at)
        async with self.db.session() as s, s.begin():
            done = await s.execute(q.values(status=status, end_reason=reason, ended_at=utcnow()))
            return done.rowcount == 1

    async def due(self, now: datetime, paused_before: datetime) -> list[str]:
        """Live sessions the reaper should look at: idle past their timeout, or paused too long."""
        async with self.db.session() as s:
            return list(await s.scalars(select(SessionRow.id).where(or_(
                and_(SessionRow.status == "running", SessionRow.expires_at <= now),
                and_(SessionRow.status == "paused", SessionRow.paused_at <= paused_before)))))

    async def count_live(self, owner_id: str) -> int:
        async with self.db.session() as s:
            return await s.scalar(select(func.count()).select_from(SessionRow).where(
                SessionRow.owner_id == owner_id, SessionRow.status.in_(LIVE)))

    async def end_all_running(self, status: str, reason: str) -> list[str]:
        async with self.db.session() as s, s.begin():
            ids = list(await s.scalars(select(SessionRow.id).where(SessionRow.status.in_(LIVE))))
            if ids:
                await s.execute(update(SessionRow).where(SessionRow.id.in_(ids)).values(
                    status=status, end_reason=reason, ended_at=utcnow()))
            return ids

    async def live_rows(self) -> list[SessionRow]:
        """Every session a server should have a sandbox for (running or paused), any owner."""
        async with self.db.session() as s:
            return list(await s.scalars(select(SessionRow).where(SessionRow.status.in_(("running", "paused")))))

    async def count_running(self, owner_id: str) -> int:
        async with self.db.session() as s:
            return await s.scalar(select(func.count()).select_from(SessionRow).where(
                SessionRow.owner_id == owner_id, SessionRow.status == "running"))
