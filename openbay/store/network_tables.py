"""Session networks: an owner's default egress policy (set by an admin), and the ports
each session exposes through links (kept so a restarted server still serves them)."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class OwnerNetworkPolicyRow(Base):
    __tablename__ = "owner_network_policies"
    owner_id: Mapped[str] = mapped_column(ForeignKey("owners.id"), primary_key=True)
    policy: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionPortRow(Base):
    __tablename__ = "session_ports"
    session_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    port: Mapped[int] = mapped_column(Integer, primary_key=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
