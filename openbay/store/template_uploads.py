"""Archives uploaded for an owner's next template build: each one used once, by whichever
replica the build comes to."""
from __future__ import annotations

from sqlalchemy import delete

from .db import Database
from .tables import TemplateUploadRow, utcnow


class TemplateUploadRepository:
    def __init__(self, db: Database):
        self.db = db

    async def add(self, owner_id: str, upload_id: str, path: str) -> None:
        async with self.db.session() as s, s.begin():
            s.add(TemplateUploadRow(id=upload_id, owner_id=owner_id, path=path, created_at=utcnow()))

    async def take(self, owner_id: str, upload_id: str) -> str | None:
        """The upload's path, once: None when it is unknown, another owner's, or taken already."""
        async with self.db.session() as s, s.begin():
            row = await s.get(TemplateUploadRow, upload_id)
            if row is None or row.owner_id != owner_id:
                return None
            taken = await s.execute(delete(TemplateUploadRow).where(TemplateUploadRow.id == upload_id))
            return row.path if taken.rowcount == 1 else None
