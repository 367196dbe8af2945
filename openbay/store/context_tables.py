"""Contexts: named persistent volumes, one owner each. Their content is an
archive on the host (see ContextService); the row says whose it is and how big."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class ContextRow(Base):
    __tablename__ = "contexts"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_contexts_owner_name"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
