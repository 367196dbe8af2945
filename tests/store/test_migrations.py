"""Migrations: a fresh database and one written by an earlier release end in the same schema,
the one the ORM describes, and an upgrade keeps every row."""
import asyncio
import hashlib
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect

from openbay.store import Database, baseline
from openbay.store.migrations import MIGRATIONS, add_columns, create_tables, migrate
from openbay.store.tables import Base, SessionRow, utcnow
from tests.helpers.server import thread_server

OLD_SCHEMA = Path(__file__).with_name("schema_v4.sql")
OLD_KEY = "ob_old_release_key_0123456789abcdef"
T0 = "2026-11-30 10:00:00.000000"


def describe(url: str) -> dict:
    """Every table's columns (type, nullable), primary key, indexes, uniques and foreign keys."""
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        out = {}
        for table in insp.get_table_names():
            out[table] = {
                "columns": {c["name"]: (str(c["type"]), c["nullable"]) for c in insp.get_columns(table)},
                "pk": sorted(insp.get_pk_constraint(table)["constrained_columns"]),
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in insp.get_indexes(table)),
                "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
                "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"],
                               (f.get("options") or {}).get("ondelete")) for f in insp.get_foreign_keys(table)),
            }
        return out
    finally:
        engine.dispose()


def migrated(path: Path, steps: int | None = None) -> str:
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as conn:
        if steps is None:
            migrate(conn)
        else:  # what an earlier release, knowing only the first `steps` steps, made
            baseline.schema_version.create(conn)
            for number, step in enumerate(MIGRATIONS[:steps], start=1):
                step(conn)
                conn.execute(baseline.schema_version.insert().values(version=number, applied_at=utcnow()))
    engine.dispose()
    return url


def orm_schema(tmp_path: Path) -> dict:
    url = f"sqlite:///{tmp_path / 'orm.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return describe(url)


def test_a_fresh_database_ends_in_the_schema_the_orm_describes(tmp_path):
    assert describe(migrated(tmp_path / "fresh.db")) == orm_schema(tmp_path)


def test_a_database_of_the_first_release_upgrades_to_the_same_schema(tmp_path):
    path = tmp_path / "first.db"
    migrated(path, steps=1)
    assert set(describe(f"sqlite:///{path}")) == {"schema_version", "owners", "api_keys", "sessions",
                                                  "session_labels"}
    assert describe(migrated(path)) == orm_schema(tmp_path)


@pytest.mark.parametrize("steps", range(2, len(MIGRATIONS)))
def test_a_database_of_every_later_release_upgrades_to_the_same_schema(tmp_path, steps):
    path = tmp_path / f"v{steps}.db"
    migrated(path, steps=steps)
    assert describe(migrated(path)) == orm_schema(tmp_path)


def test_migrating_twice_changes_nothing(tmp_path):
    path = tmp_path / "twice.db"
    first = describe(migrated(path))
    assert describe(migrated(path)) == first
    versions = sqlite3.connect(path).execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [v for (v,) in versions] == list(range(1, len(MIGRATIONS) + 1))


def test_a_step_may_not_use_an_orm_table():
    with pytest.raises(TypeError, match="must not use the ORM"):
        create_tables(SessionRow.__table__)


def test_added_columns_get_their_default_on_old_rows(tmp_path):
    path = tmp_path / "add.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        create_tables(Table("things", MetaData(), Column("id", Integer, primary_key=True)))(conn)
        conn.exec_driver_sql("INSERT INTO things (id) VALUES (1)")
        add_columns("things", Column("size", Integer, nullable=False, server_default="7"),
                    Column("kind", Integer, nullable=True, index=True))(conn)
        assert conn.exec_driver_sql("SELECT id, size, kind FROM things").fetchall() == [(1, 7, None)]
        assert [i["name"] for i in inspect(conn).get_indexes("things")] == ["ix_things_kind"]
    engine.dispose()


def old_release_database(path: Path) -> None:
    """A database as the release before step 5 wrote it (its own DDL), with rows in every table."""
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA.read_text())
    secret_hash = hashlib.sha256(OLD_KEY.encode()).hexdigest()
    db.executescript(f"""
        INSERT INTO schema_version VALUES (1, '{T0}'), (2, '{T0}'), (3, '{T0}'), (4, '{T0}');
        INSERT INTO owners VALUES ('o-old', 'admin', '{T0}');
        INSERT INTO api_keys VALUES ('k-old', 'o-old', 'admin', 'ob_old_rel', '{secret_hash}', 1, '{T0}', NULL);
        INSERT INTO sessions VALUES (1, 's-oldrunning', 'o-old', 'linux', 'running', 'default', 1800,
            '{{"project": "legacy"}}', '{T0}', '{T0}', '2026-11-30 10:30:00.000000', NULL, NULL);
        INSERT INTO sessions VALUES (2, 's-olddeleted', 'o-old', 'browser', 'deleted', 'none', 60,
            '{{}}', '{T0}', '{T0}', '{T0}', '{T0}', 'deleted by owner');
        INSERT INTO session_labels VALUES (1, 'project', 'legacy');
        INSERT INTO tasks VALUES ('t-old', 'o-old', 's-olddeleted', 'browser', 'find the price', 'finished',
            '', '{{"task": "find the price", "max_steps": 5}}', 2, '42 EUR', '{{"price": 42}}',
            '{{"total_tokens": 10}}', 3, 4, '{T0}', '{T0}', '{T0}');
        INSERT INTO task_events VALUES ('t-old', 1, 'status', '{T0}', '{{"status": "pending"}}'),
            ('t-old', 2, 'status', '{T0}', '{{"status": "running"}}'),
            ('t-old', 3, 'answer', '{T0}', '{{"content": "42 EUR"}}'),
            ('t-old', 4, 'status', '{T0}', '{{"status": "finished"}}');
        INSERT INTO task_steps VALUES ('t-old', 1, 'http://x/', 'X', '[]', '{{}}', NULL, 0.5, '{T0}');
        INSERT INTO contexts VALUES ('c-old', 'o-old', 'profile', 2048, '{T0}', NULL);
        INSERT INTO session_names VALUES ('s-olddeleted', 'o-old', 'price hunt', '{T0}');
        INSERT INTO uploads VALUES ('u-old', 'o-old', NULL, 'report.pdf', 1234, '{T0}');
    """)
    db.commit()
    db.close()


def test_a_database_of_the_previous_release_upgrades_with_every_row_kept(tmp_path):
    path = tmp_path / "old.db"
    old_release_database(path)

    async def upgrade():
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            return await db.migrate()
        finally:
            await db.close()

    assert asyncio.run(upgrade()) == len(MIGRATIONS)
    assert describe(f"sqlite:///{path}") == orm_schema(tmp_path)
    db = sqlite3.connect(path)
    rows = db.execute("SELECT id, status, labels, paused_at, on_idle FROM sessions ORDER BY seq").fetchall()
    assert rows == [("s-oldrunning", "running", '{"project": "legacy"}', None, "delete"),
                    ("s-olddeleted", "deleted", "{}", None, "delete")]
    assert db.execute("SELECT count(*) FROM task_events WHERE task_id = 't-old'").fetchone() == (4,)
    for table, n in (("owners", 1), ("api_keys", 1), ("session_labels", 1), ("tasks", 1), ("task_steps", 1),
                     ("contexts", 1), ("session_names", 1), ("uploads", 1)):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (n,), table
    db.close()


def test_a_server_starts_on_the_previous_release_database(tmp_path):
    """The upgrade as a user sees it: the old key works, old sessions and tasks are there, and
    the session the old server left running is not reported running (its sandbox is gone)."""
    path = tmp_path / "old.db"
    old_release_database(path)
    with thread_server(tmp_path / "home", database_url=f"sqlite+aiosqlite:///{path}") as srv:
        assert not (tmp_path / "home" / "admin_key").exists()  # the store had a key: none made
        auth = {"Authorization": f"Bearer {OLD_KEY}"}
        listed = httpx.get(f"{srv.base_url}/v1/sessions", params={"status": "all"}, headers=auth).json()
        assert sorted(s["session_id"] for s in listed["sessions"]) == ["s-olddeleted", "s-oldrunning"]
        old = httpx.get(f"{srv.base_url}/v1/sessions/s-oldrunning", headers=auth).json()
        assert old["labels"] == {"project": "legacy"} and old["status"] != "running"
        task = httpx.get(f"{srv.base_url}/v1/tasks/t-old", headers=auth).json()
        assert task["status"] == "finished" and task["result"] == "42 EUR" and task["data"] == {"price": 42}
        events = httpx.get(f"{srv.base_url}/v1/tasks/t-old/events", headers=auth).json()["events"]
        assert [e["seq"] for e in events] == [1, 2, 3, 4]
