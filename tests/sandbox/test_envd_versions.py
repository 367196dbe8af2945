"""A sandbox that outlives an OpenBay upgrade keeps the envd it started with: a restarted
server with another envd reattaches it, and its envd still loads the modules it had not
imported yet (file operations load on first use)."""
import asyncio
import shutil
import tempfile
from pathlib import Path

import openbay.sandbox.runc.local as local
from openbay.sandbox import SandboxSpec
from openbay.sandbox.runc.local import VAR_ROOT, LocalBackend


def test_a_reattached_sandbox_keeps_its_envd_after_an_upgrade(tmp_path, monkeypatch):
    async def run():
        root = Path(tempfile.mkdtemp(prefix="obtest-envd-", dir=VAR_ROOT))
        first = LocalBackend(root)
        try:
            sandbox = await first.start(SandboxSpec(session_id="s-envdversion", image_id="linux", network=False))
            assert (await sandbox.envd.exec({"command": "echo before > /home/user/f"}))["exit_code"] == 0
            await first.detach()  # a server stop that leaves its sandboxes running

            newer = tmp_path / "envd"  # the next release's envd: one more file
            shutil.copytree(local.ENVD_DIR, newer, ignore=shutil.ignore_patterns("__pycache__"))
            (newer / "release_note.py").write_text("NOTE = 'newer'\n")
            monkeypatch.setattr(local, "ENVD_DIR", newer)
            second = LocalBackend(root)
            assert second.envd_dir != first.envd_dir and first.envd_dir.is_dir()
            again = await second.reattach("s-envdversion")
            assert again is not None
            answer = await again.envd.call({"op": "fs.list", "path": "/home/user"})
            assert [e["name"] for e in answer["entries"]] == ["f"], answer
            await second.close()
        finally:
            shutil.rmtree(root, ignore_errors=True)
    asyncio.run(run())
