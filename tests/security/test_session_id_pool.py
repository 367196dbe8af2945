"""The id pool: a block per live session, freed at its end, re-taken on reattach, and a clear
refusal when it runs out. Run on the local backend directly (a pool of two blocks of its own)."""
import asyncio
import tempfile
from pathlib import Path

import pytest

from openbay.sandbox.backend import ResourceLimits, SandboxError, SandboxSpec
from openbay.sandbox.runc.local import LocalBackend

TEST_BASE = 3_000_000_000  # far from what servers on this machine use


def _spec(n: int) -> SandboxSpec:
    return SandboxSpec(session_id=f"s-pool{n:06d}", image_id="linux", limits=ResourceLimits(),
                       network=False, disk_bytes=64 * 1024 * 1024)


def _backend(blocks: int, root: Path | None = None, claims: Path | None = None) -> LocalBackend:
    """A backend with a pool of `blocks` of its own (a new root and claims folder unless given)."""
    from openbay.sandbox.runc.id_pool import IdPool
    root = root or Path(tempfile.mkdtemp(prefix="obids-"))
    claims = claims or Path(tempfile.mkdtemp(prefix="obclaims-"))
    return LocalBackend(root, ids=IdPool(claims, base=TEST_BASE, count=blocks))


def test_pool_of_two_refuses_the_third_clearly_and_frees_at_the_end():
    async def scenario():
        backend = _backend(2)
        root = backend.root
        try:
            await backend.start(_spec(1))
            await backend.start(_spec(2))
            with pytest.raises(SandboxError) as full:
                await backend.start(_spec(3))
            assert "no free host id range" in str(full.value) and "OPENBAY_ID_BLOCKS" in str(full.value)
            assert not (root / "s-pool000003").exists()  # nothing of the refused one is left
            await backend.stop("s-pool000001")
            third = await backend.start(_spec(3))
            assert (await third.envd.exec({"command": "id -u"}))["output"] == "0\n"
            ids = {backend._running[s].ids for s in ("s-pool000002", "s-pool000003")}
            assert ids == {TEST_BASE, TEST_BASE + 65_536}
        finally:
            await backend.close()
    asyncio.run(scenario())


def test_a_reattached_session_keeps_its_ids_and_nobody_else_gets_them():
    async def scenario():
        first = _backend(2)
        await first.start(_spec(1))
        ids = first._running["s-pool000001"].ids
        await first.detach()  # the server stops; the sandbox runs on
        second = _backend(2, first.root, first.ids.claims)
        try:
            sandbox = await second.reattach("s-pool000001")
            assert sandbox is not None and second._running["s-pool000001"].ids == ids
            assert (await sandbox.envd.exec({"command": "echo again"}))["output"] == "again\n"
            await second.start(_spec(2))
            assert second._running["s-pool000002"].ids != ids
        finally:
            await second.close()
    asyncio.run(scenario())


def test_many_sessions_start_each_with_its_own_block():
    async def scenario():
        backend = _backend(64)
        try:
            for n in range(12):
                await backend.start(_spec(n))
            assert len({r.ids for r in backend._running.values()}) == 12
        finally:
            await backend.close()
    asyncio.run(scenario())


def test_a_full_pool_answers_503_with_the_reason(monkeypatch):
    """Through the API: the create that finds no free block is refused with what to change."""
    from openbay import APIError, CreateSessionParams
    from tests.helpers.server import thread_server
    monkeypatch.setenv("OPENBAY_ID_BASE", str(TEST_BASE + 8 * 65_536))
    monkeypatch.setenv("OPENBAY_ID_BLOCKS", "1")
    with thread_server(Path(tempfile.mkdtemp(prefix="obfull-"))) as srv, srv.client() as bay:
        first = bay.create(CreateSessionParams(network="none")).session
        with pytest.raises(APIError) as full:
            bay.create(CreateSessionParams(network="none"))
        assert full.value.status == 503 and full.value.code == "unavailable"
        assert "no free host id range" in full.value.message and "OPENBAY_ID_BLOCKS" in full.value.message
        first.delete()
        bay.create(CreateSessionParams(network="none")).session.delete()  # freed at its end
