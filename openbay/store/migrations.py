"""Schema migrations: an ordered list of steps, each applied once, recorded in schema_version.

Step 1 creates the tables as `tables.py` first declared them. A later change to
the tables adds a step here (ALTER TABLE ...) and never edits an old one.
"""
from collections.abc import Callable

from sqlalchemy import Connection, inspect, select, text

from .action_cache import ActionCacheRow
from .context_tables import ContextRow
from .conversation_tables import SessionNameRow, UploadRow
from .network_tables import OwnerNetworkPolicyRow, SessionPortRow
from .tables import Base, SchemaVersion, utcnow
from .task_tables import TaskEventRow, TaskRow, TaskStepRow


def _initial(conn: Connection) -> None:
    Base.metadata.create_all(conn)


def _session_networks(conn: Connection) -> None:
    """Each session's effective egress policy; owners' default policies; exposed ports."""
    if "network_policy" not in {c["name"] for c in inspect(conn).get_columns("sessions")}:
        conn.execute(text("ALTER TABLE sessions ADD COLUMN network_policy JSON"))
    Base.metadata.create_all(conn, tables=[OwnerNetworkPolicyRow.__table__, SessionPortRow.__table__])


MIGRATIONS: list[Callable[[Connection], None]] = [
    _initial,
    lambda conn: Base.metadata.create_all(conn, tables=[TaskRow.__table__, TaskEventRow.__table__,
                                                        TaskStepRow.__table__]),
    lambda conn: Base.metadata.create_all(conn, tables=[ContextRow.__table__]),
    lambda conn: Base.metadata.create_all(conn, tables=[SessionNameRow.__table__, UploadRow.__table__]),
    _session_networks,
    lambda conn: Base.metadata.create_all(conn, tables=[ActionCacheRow.__table__]),
]


def migrate(conn: Connection) -> int:
    """Apply the steps not applied yet; return the schema version now in force."""
    if not inspect(conn).has_table(SchemaVersion.__tablename__):
        SchemaVersion.__table__.create(conn)
    done = set(conn.execute(select(SchemaVersion.version)).scalars())
    for number, step in enumerate(MIGRATIONS, start=1):
        if number not in done:
            step(conn)
            conn.execute(SchemaVersion.__table__.insert().values(version=number, applied_at=utcnow()))
    return len(MIGRATIONS)
