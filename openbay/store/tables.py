"""The tables. Times are stored as UTC."""
from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite drops the zone)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # running sessions this key may have at once (None: the server's default)
    max_sessions: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SessionRow(Base):
    __tablename__ = "sessions"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), index=True)
    image_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    network: Mapped[str] = mapped_column(String(16), default="default")
    timeout_s: Mapped[int] = mapped_column(Integer)
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    network_policy: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # effective egress policy
    # pause and resume (migration step 7): when it was paused; what the idle timeout does
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    on_idle: Mapped[str] = mapped_column(String(16), default="delete", server_default="delete")
    # replicas (step 10): the server replica that holds the sandbox (None: a lone server's)
    holder: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SessionLabel(Base):
    """Labels again, one row each, so list can filter on them in SQL."""
    __tablename__ = "session_labels"
    session_seq: Mapped[int] = mapped_column(ForeignKey("sessions.seq", ondelete="CASCADE"),
                                             primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256), index=True)


class DeploymentRow(Base):
    """What every server on this store must agree on (name -> value): replicas, the sandboxes."""
    __tablename__ = "deployment"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class TemplateUploadRow(Base):
    """An archive an owner uploaded for its next template build (step 11): kept in the store, so
    the build may come to another replica than the upload did."""
    __tablename__ = "template_uploads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
