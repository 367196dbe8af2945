"""SQL for owners' default network policies and sessions' exposed ports."""
from __future__ import annotations

from sqlalchemy import delete, select

from .db import Database
from .network_tables import OwnerNetworkPolicyRow, SessionPortRow
from .tables import Owner, utcnow


class NetworkRepository:
    def __init__(self, db: Database):
        self.db = db

    async def owner_exists(self, owner_id: str) -> bool:
        async with self.db.session() as s:
            return await s.get(Owner, owner_id) is not None

    async def owner_policy(self, owner_id: str) -> dict | None:
        async with self.db.session() as s:
            row = await s.get(OwnerNetworkPolicyRow, owner_id)
            return dict(row.policy) if row else None

    async def set_owner_policy(self, owner_id: str, policy: dict | None) -> None:
        """Store the owner's default; None removes it."""
        async with self.db.session() as s, s.begin():
            row = await s.get(OwnerNetworkPolicyRow, owner_id)
            if policy is None:
                if row is not None:
                    await s.delete(row)
            elif row is None:
                s.add(OwnerNetworkPolicyRow(owner_id=owner_id, policy=policy, updated_at=utcnow()))
            else:
                row.policy, row.updated_at = policy, utcnow()

    async def ports(self, session_ids: list[str]) -> list[SessionPortRow]:
        if not session_ids:
            return []
        async with self.db.session() as s:
            return list(await s.scalars(select(SessionPortRow).where(SessionPortRow.session_id.in_(session_ids))))

    async def set_port(self, session_id: str, port: int, public: bool | None) -> None:
        """Record an exposed port; public None removes it."""
        async with self.db.session() as s, s.begin():
            row = await s.get(SessionPortRow, (session_id, port))
            if public is None:
                if row is not None:
                    await s.delete(row)
            elif row is None:
                s.add(SessionPortRow(session_id=session_id, port=port, public=public))
            else:
                row.public = public

    async def forget_ports(self, session_id: str) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(delete(SessionPortRow).where(SessionPortRow.session_id == session_id))
