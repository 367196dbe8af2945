"""Replicas refuse to hurt each other: one started on other sandboxes than the deployment's
refuses to start (naming both) and loses nothing; one that cannot find a sandbox another live
replica holds leaves the session alone (503 held_elsewhere); only a sandbox gone for every
replica is dead. Real replicas on one PostgreSQL, real sandboxes."""
import secrets
import time

import pytest

from openbay import CreateSessionParams, GoneError, ServiceUnavailableError
from openbay.sandbox.images.store import remove_tree
from openbay.sandbox.runc.local import VAR_ROOT
from tests.helpers import postgres
from tests.helpers.errors import raised
from tests.helpers.replicas import replica_set

pytestmark = pytest.mark.skipif(not postgres.available(), reason="Debian postgresql is not installed")


def elsewhere(root: str) -> list[str]:
    """A replica that sees the same paths as the others but not their sandboxes, as a server on
    another machine would: its own mount namespace, with empty folders over the sandbox root and
    runc's state (`openbay serve` runs under this prefix)."""
    script = ('mkdir -p /run/openbay && mount -t tmpfs elsewhere "$0" && mount -t tmpfs elsewhere /run/openbay '
              '&& exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, root]


def test_a_replica_on_another_sandbox_root_refuses_to_start_and_the_session_lives_on(tmp_path):
    with replica_set(tmp_path, 1) as replicas:
        bay = replicas.servers[0].client()
        session = bay.create(CreateSessionParams(image_id="linux")).session
        other = VAR_ROOT / f"rep-{secrets.token_hex(4)}"
        try:
            with pytest.raises(RuntimeError) as refused:
                replicas.start({"OPENBAY_SANDBOX_ROOT": str(other)})
        finally:
            remove_tree(other)
        message = str(refused.value)
        assert "refusing to start" in message
        assert f"local sandboxes under {other}" in message
        assert f"local sandboxes under {replicas.env['OPENBAY_SANDBOX_ROOT']}" in message
        assert session.command.execute_command("echo alive").output == "alive\n"
        assert bay.get(session.session_id).session.info().status.value == "running"


def test_a_replica_that_cannot_see_a_live_replicas_sandbox_leaves_the_session_alone(tmp_path):
    with replica_set(tmp_path, 1) as replicas:
        holder = replicas.servers[0]
        sid = holder.client().create(CreateSessionParams(image_id="linux")).session.session_id
        blind = replicas.start(wrap=elsewhere(replicas.env["OPENBAY_SANDBOX_ROOT"]))
        bay = blind.client()
        for _ in range(2):  # asked twice: still the holder's, never marked dead
            assert bay.get(sid).session.info().status.value == "running"  # the store's record
            e = raised(lambda: bay.get(sid).session.command.execute_command("true"))
            assert isinstance(e, ServiceUnavailableError) and e.code == "held_elsewhere", e
            assert e.status == 503 and "replica" in e.message
        # another owner learns nothing of it (404, as for any session not theirs)
        stranger = blind.client(blind.new_owner_key("stranger"))
        assert raised(lambda: stranger.get(sid)).status == 404
        on_holder = holder.client().get(sid).session
        assert on_holder.info().status.value == "running"
        assert on_holder.command.execute_command("echo still here").output == "still here\n"

        replicas.procs[0].kill()  # the holder is gone (-9): the sandbox is gone for every replica left
        replicas.procs[0].wait()
        deadline = time.monotonic() + 60  # PostgreSQL notices the closed connection on its own time
        while (info := bay.get(sid).session.info()).status.value == "running":
            assert time.monotonic() < deadline, "the dead holder still counted as alive"
            time.sleep(0.2)
        assert info.status.value == "dead" and info.end_reason == "its sandbox was gone for every server replica"
        assert isinstance(raised(lambda: bay.get(sid).session.command.execute_command("true")), GoneError)
