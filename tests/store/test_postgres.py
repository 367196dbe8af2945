"""The same server on PostgreSQL (OPENBAY_DATABASE_URL): migrations, keys, sessions, lists."""
import httpx
import pytest

from openbay import CreateSessionParams
from tests.helpers import postgres
from tests.helpers.errors import raised
from tests.helpers.server import thread_server

pytestmark = pytest.mark.skipif(not postgres.available(), reason="Debian postgresql is not installed")


def test_server_runs_on_postgresql(tmp_path):
    with postgres.postgres_cluster() as url:
        with thread_server(tmp_path / "a", database_url=url) as srv:
            assert srv.services.db.engine.dialect.name == "postgresql"
            alice_key = srv.new_owner_key("alice")
            alice = srv.client(alice_key)
            made = [alice.create(CreateSessionParams(labels={"db": "pg", "i": str(i)})).session
                    for i in range(3)]
            assert made[0].command.execute_command("echo pg").output == "pg\n"
            page = alice.list(labels={"db": "pg"}, limit=2)
            assert page.total_count == 3 and len(page.session_ids) == 2 and page.next_token
            rest = alice.list(labels={"db": "pg"}, limit=2, next_token=page.next_token)
            assert sorted(page.session_ids + rest.session_ids) == sorted(s.session_id for s in made)
            made[1].set_labels({"db": "pg", "i": "x"})
            assert alice.list(labels={"i": "x"}).session_ids == [made[1].session_id]
            raised(lambda: srv.client(srv.new_owner_key("bob")).get(made[0].session_id))
        # a second server on the same database: no second admin key (the store is not empty),
        # alice's key still works, and the sessions the first server left are not running
        with thread_server(tmp_path / "b", database_url=url) as srv:
            assert not (tmp_path / "b" / "admin_key").exists()
            r = httpx.get(f"{srv.base_url}/v1/sessions/{made[0].session_id}",
                          headers={"Authorization": f"Bearer {alice_key}"})
            assert r.status_code == 200 and r.json()["status"] in ("dead", "expired")
            r = httpx.get(f"{srv.base_url}/v1/sessions", params={"label": "db=pg", "status": "all"},
                          headers={"Authorization": f"Bearer {alice_key}"})
            assert r.json()["total_count"] == 3
