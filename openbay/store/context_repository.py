"""SQL for contexts. Every lookup is by owner: another owner's context is not there."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .context_tables import ContextRow
from .db import Database
from .tables import utcnow


class ContextRepository:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, owner_id: str, context_id: str) -> ContextRow | None:
        async with self.db.session() as s:
            return await s.scalar(select(ContextRow).where(ContextRow.id == context_id,
                                                           ContextRow.owner_id == owner_id))

    async def by_name(self, owner_id: str, name: str) -> ContextRow | None:
        async with self.db.session() as s:
            return await s.scalar(select(ContextRow).where(ContextRow.owner_id == owner_id,
                                                           ContextRow.name == name))

    async def create(self, owner_id: str, context_id: str, name: str) -> tuple[ContextRow, bool]:
        """The owner's context called `name`, and whether it was made just now."""
        row = ContextRow(id=context_id, owner_id=owner_id, name=name, size_bytes=0,
                         created_at=utcnow())
        try:
            async with self.db.session() as s, s.begin():
                s.add(row)
            return row, True
        except IntegrityError:  # made in the meantime by another request
            return await self.by_name(owner_id, name), False

    async def list(self, owner_id: str) -> list[ContextRow]:
        async with self.db.session() as s:
            return list(await s.scalars(select(ContextRow).where(ContextRow.owner_id == owner_id)
                                        .order_by(ContextRow.name)))

    async def rename(self, owner_id: str, context_id: str, name: str) -> bool:
        """False when the owner has another context of that name already."""
        try:
            async with self.db.session() as s, s.begin():
                await s.execute(update(ContextRow).where(ContextRow.id == context_id,
                                                         ContextRow.owner_id == owner_id).values(name=name))
        except IntegrityError:
            return False
        return True

    async def delete(self, owner_id: str, context_id: str) -> bool:
        async with self.db.session() as s, s.begin():
            result = await s.execute(delete(ContextRow).where(ContextRow.id == context_id,
                                                              ContextRow.owner_id == owner_id))
            return result.rowcount > 0

    async def mark_saved(self, context_id: str, size_bytes: int) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(update(ContextRow).where(ContextRow.id == context_id).values(
                size_bytes=size_bytes, saved_at=utcnow()))
