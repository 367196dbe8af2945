"""The browser operator's action cache: acts that worked, one owner each, keyed on a hash
of the instruction, the URL and the page's structure. Every lookup is by owner."""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime, utcnow

if TYPE_CHECKING:  # db imports the migrations, which import this table
    from .db import Database


class ActionCacheRow(Base):
    __tablename__ = "action_cache"
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    instruction: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    structure: Mapped[str] = mapped_column(String(64))
    action: Mapped[dict] = mapped_column(JSON)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActionCacheRepository:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, owner_id: str, key: str) -> ActionCacheRow | None:
        async with self.db.session() as s:
            return await s.get(ActionCacheRow, (owner_id, key))

    async def put(self, owner_id: str, key: str, *, instruction: str, url: str, structure: str,
                  action: dict) -> None:
        """Add the entry, or replace the action of the one there (a healed act)."""
        now = utcnow()
        async with self.db.session() as s, s.begin():
            row = await s.get(ActionCacheRow, (owner_id, key))
            if row is None:
                s.add(ActionCacheRow(owner_id=owner_id, key=key, instruction=instruction[:20_000],
                                     url=url[:4096], structure=structure[:64], action=action, hits=0,
                                     created_at=now, updated_at=now))
            else:
                row.action, row.updated_at = action, now

    async def hit(self, owner_id: str, key: str) -> None:
        async with self.db.session() as s, s.begin():
            await s.execute(update(ActionCacheRow).where(ActionCacheRow.owner_id == owner_id,
                                                         ActionCacheRow.key == key)
                            .values(hits=ActionCacheRow.hits + 1))

    async def list(self, owner_id: str, url: str | None = None, limit: int = 100) -> list[ActionCacheRow]:
        q = select(ActionCacheRow).where(ActionCacheRow.owner_id == owner_id)
        if url:
            q = q.where(ActionCacheRow.url == url)
        async with self.db.session() as s:
            return list(await s.scalars(q.order_by(ActionCacheRow.updated_at.desc()).limit(limit)))

    async def clear(self, owner_id: str, url: str | None = None) -> int:
        q = delete(ActionCacheRow).where(ActionCacheRow.owner_id == owner_id)
        if url:
            q = q.where(ActionCacheRow.url == url)
        async with self.db.session() as s, s.begin():
            return (await s.execute(q)).rowcount


_COUNTING: set[asyncio.Task] = set()  # hit counts being written (a task nobody holds may vanish)


class OwnerActionCache:
    """The action cache as one owner's browser operator and agent tasks see it."""

    def __init__(self, repo: ActionCacheRepository, owner_id: str):
        self.repo, self.owner_id = repo, owner_id

    async def get(self, key: str) -> dict | None:
        row = await self.repo.get(self.owner_id, key)
        if row is None:
            return None
        hit = asyncio.get_running_loop().create_task(self.repo.hit(self.owner_id, key))  # off the hot path
        _COUNTING.add(hit)
        hit.add_done_callback(_COUNTING.discard)
        return {"action": row.action}

    async def put(self, key: str, entry: dict) -> None:
        await self.repo.put(self.owner_id, key, **entry)
