"""What server replicas on one PostgreSQL agree on: the sandboxes the deployment runs on (one
backend, one sandbox root) and which replica holds each session's sandbox.

A replica is alive while its connection named `openbay:<replica id>` is open (it keeps one
for its advisory lock): PostgreSQL's own pg_stat_activity is the list of live replicas, so a
replica killed with -9 drops out of it at once, with no heartbeat or clock of ours."""
from __future__ import annotations

from sqlalchemy import bindparam, func, select, text, update

from .db import Database
from .tables import DeploymentRow, SessionRow

APPLICATION_PREFIX = "openbay:"
SANDBOXES = "sandboxes"
_LIVE_REPLICAS = ("SELECT substr(application_name, :skip) FROM pg_stat_activity "
                  "WHERE application_name LIKE 'openbay:%'")
_CLAIM = text(f"""
UPDATE sessions SET holder = :holder
WHERE id IN :ids AND status IN ('running', 'paused')
  AND (holder IS NULL OR holder NOT IN ({_LIVE_REPLICAS}))
RETURNING id
""").bindparams(bindparam("ids", expanding=True))


def application_name(replica_id: str) -> str:
    return APPLICATION_PREFIX + replica_id


class ReplicaRepository:
    def __init__(self, db: Database):
        self.db = db

    async def recorded(self, name: str = SANDBOXES) -> str | None:
        async with self.db.session() as s:
            return await s.scalar(select(DeploymentRow.value).where(DeploymentRow.name == name))

    async def record(self, value: str, name: str = SANDBOXES) -> None:
        async with self.db.session() as s, s.begin():
            row = await s.get(DeploymentRow, name)
            if row is None:
                s.add(DeploymentRow(name=name, value=value))
            else:
                row.value = value

    async def live_replicas(self) -> set[str]:
        async with self.db.session() as s:
            return set(await s.scalars(text(_LIVE_REPLICAS), {"skip": len(APPLICATION_PREFIX) + 1}))

    async def live_sessions(self) -> int:
        async with self.db.session() as s:
            return await s.scalar(select(func.count()).select_from(SessionRow).where(
                SessionRow.status.in_(("running", "paused"))))

    async def hold(self, session_id: str, holder: str) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(update(SessionRow).where(SessionRow.id == session_id).values(holder=holder))

    async def claim_orphaned(self, session_ids: list[str], holder: str) -> list[str]:
        """Sessions this replica has in hand whose holder is gone (or none): now held here."""
        if not session_ids:
            return []
        async with self.db.session() as s, s.begin():
            rows = await s.execute(_CLAIM, {"holder": holder, "ids": list(session_ids),
                                            "skip": len(APPLICATION_PREFIX) + 1})
            return [r[0] for r in rows]
