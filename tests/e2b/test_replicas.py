"""E2B's SDK against two OpenBay replicas on one PostgreSQL: a sandbox made through one is
used through the other (the access token holds on every replica; the replica adopts it)."""
import pytest
from e2b import Sandbox

from tests.helpers import postgres
from tests.helpers.replicas import replica_set

pytestmark = pytest.mark.skipif(not postgres.available(), reason="Debian postgresql is not installed")


def _use(monkeypatch, server):
    for name, value in (("E2B_API_KEY", server.admin_key), ("E2B_API_URL", server.base_url),
                        ("E2B_SANDBOX_URL", server.base_url)):
        monkeypatch.setenv(name, value)


def test_a_sandbox_made_on_one_replica_is_used_on_another(tmp_path, monkeypatch):
    with replica_set(tmp_path, 2) as replicas:
        first, second = replicas.servers
        _use(monkeypatch, first)
        made = Sandbox.create(metadata={"made": "first"})
        made.files.write("/tmp/where.txt", "written through the first replica")
        _use(monkeypatch, second)
        again = Sandbox.connect(made.sandbox_id)
        assert again.files.read("/tmp/where.txt") == "written through the first replica"
        assert again.commands.run("echo $((6 * 7))").stdout == "42\n"
        assert again.get_info().metadata == {"made": "first"}
        again.kill()
