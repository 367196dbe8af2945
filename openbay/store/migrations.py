"""Schema migrations: an ordered list of steps, each applied once, recorded in schema_version.

Every database, fresh or made by any earlier release, goes through the same steps in the
same order, so they all end with the same schema: the one the ORM classes describe.
A step therefore never uses the ORM classes (they describe the schema after the *last*
step): the tables it creates are frozen in `baseline.py`, the columns it adds are spelled
out in the step.

To change the schema:
1. change the ORM class (tables.py, task_tables.py, ...);
2. append ONE step at the end of MIGRATIONS that makes the same change, written out in
   full, e.g.
       add_columns("sessions", Column("paused_at", UTCDateTime, nullable=True)),
       create_tables(b.snapshots),   # with `snapshots = Table("snapshots", meta, ...)` in baseline.py
   (a NOT NULL column needs a server_default, old rows get it; `together(...)` makes one
   step of several); a step may also be any
   function of a Connection, for data changes;
3. never edit or reorder a step that has landed on main (databases out there have it).
   When two branches both append a step, the one that lands second renumbers its own.
tests/store/test_migrations.py checks that the steps end in the ORM's schema and that a
database of the previous release upgrades with its rows kept.
"""
from collections.abc import Callable

from sqlalchemy import JSON, Column, Connection, Integer, MetaData, String, Table, inspect, select
from sqlalchemy.schema import CreateColumn

from . import baseline as b
from .tables import Base, UTCDateTime, utcnow

Step = Callable[[Connection], None]


def create_tables(*tables: Table) -> Step:
    """A step creating these tables (and their indexes) as written here."""
    for t in tables:
        if t.metadata is Base.metadata:
            raise TypeError(f"{t.name}: a migration step must not use the ORM's table (it changes later); "
                            "write the table out in the step")

    def step(conn: Connection) -> None:
        for t in tables:
            t.create(conn)
    return step


def add_columns(table: str, *columns: Column) -> Step:
    """A step adding columns to an existing table (ALTER TABLE ... ADD COLUMN), indexes included."""
    shell = Table(table, MetaData(), *columns)  # binds the columns to a table for the compiler

    def step(conn: Connection) -> None:
        for col in shell.columns:
            ddl = CreateColumn(col).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {conn.dialect.identifier_preparer.quote(table)} ADD COLUMN {ddl}")
        for index in shell.indexes:
            index.create(conn)
    return step


def together(*parts: Step) -> Step:
    """One step made of several (one schema_version number for all of them)."""
    def step(conn: Connection) -> None:
        for part in parts:
            part(conn)
    return step


MIGRATIONS: list[Step] = [
    create_tables(b.owners, b.api_keys, b.sessions, b.session_labels),      # 1: the first release
    create_tables(b.tasks, b.task_events, b.task_steps),                    # 2: agent tasks
    create_tables(b.contexts),                                              # 3: contexts
    create_tables(b.session_names, b.uploads),                              # 4: conversations
    together(add_columns("sessions", Column("network_policy", JSON, nullable=True)),  # 5: session networks
             create_tables(b.owner_network_policies, b.session_ports)),
    create_tables(b.action_cache),                                          # 6: the operator's action cache
    add_columns(                                                            # 7: pause and resume
                "sessions", Column("paused_at", UTCDateTime, nullable=True),
                Column("on_idle", String(16), nullable=False, server_default="delete")),
    add_columns("api_keys", Column("max_sessions", Integer, nullable=True)),  # 8: per-key session quotas
    create_tables(b.task_leases),                                           # 9: task leases of replicas
    together(create_tables(b.deployment),                                   # 10: replicas' sandboxes
             add_columns("sessions", Column("holder", String(64), nullable=True))),
    create_tables(b.template_uploads),                                      # 11: uploads for builds, shared
]


def migrate(conn: Connection) -> int:
    """Apply the steps not applied yet; return the schema version now in force."""
    if not inspect(conn).has_table(b.schema_version.name):
        b.schema_version.create(conn)
    done = set(conn.execute(select(b.schema_version.c.version)).scalars())
    for number, step in enumerate(MIGRATIONS, start=1):
        if number not in done:
            step(conn)
            conn.execute(b.schema_version.insert().values(version=number, applied_at=utcnow()))
    return len(MIGRATIONS)

