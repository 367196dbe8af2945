"""No orphan is forever: a server killed (-9) whose state folder is then removed leaves its
sandbox running with nobody to find it; the next server start reports it, `openbay gc` lists
it and `openbay gc --yes` removes all of it (container, network namespace, firewall chains,
mounts, cgroups, files), while a running server's sandboxes are never touched."""
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from openbay import CreateSessionParams
from openbay.sandbox.runc import network
from openbay.sandbox.runc.local import CGROUP_ROOT, default_sandbox_root
from tests.helpers.server import process_server, thread_server
from tests.helpers.sessions import new_session


def gc(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "openbay.cli.main", "gc", *args], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def mounts_under(root: Path) -> list[str]:
    prefix = str(root) + "/"
    return [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if line.split()[4].startswith(prefix)]


def chain_exists(name: str) -> bool:
    return subprocess.run(["nft", "list", "chain", "inet", "openbay", name], capture_output=True).returncode == 0


def test_gc_lists_and_removes_the_sandboxes_of_a_server_whose_state_folder_is_gone(tmp_path):
    home = tmp_path / "gone-home"
    with process_server(home) as (server, proc):
        sid = server.client().create(CreateSessionParams(image_id="linux")).session.session_id
        proc.kill()  # no shutdown code runs: the sandbox lives on
        proc.wait()
    root = default_sandbox_root(home).resolve()
    tag = hashlib.sha256(str(root).encode()).hexdigest()[:12]  # the local backend's name for its things
    net = network.SessionNet.load(root / sid / "net.json")
    container = Path("/run/openbay") / tag / sid / "state.json"
    assert net is not None
    assert container.exists() and (network.NETNS_DIR / net.netns).exists() and chain_exists(f"s{net.slot}")
    assert mounts_under(root)
    shutil.rmtree(home)

    with thread_server(tmp_path / "alive-home") as alive, new_session(alive) as kept:
        alive_root = str(alive.services.backend.root)
        # a server starting reports the orphan in its log
        with process_server(tmp_path / "next-home") as (_, nxt):
            pass
        log = nxt.stderr.read()
        assert "belong to no server" in log and str(home) in log and "openbay gc" in log

        listed = gc()
        assert str(root) in listed and sid in listed and net.netns in listed and f"s{net.slot}" in listed
        assert str(home) in listed and "gc --yes" in listed
        assert alive_root not in listed  # a running server's root is never an orphan

        assert str(root) in gc("--yes")
        assert not container.exists() and not (network.NETNS_DIR / net.netns).exists()
        assert not chain_exists(f"s{net.slot}") and not chain_exists(f"n{net.slot}")
        assert not mounts_under(root) and not root.exists()
        assert not list(CGROUP_ROOT.glob(f"*/openbay-{tag}"))
        assert str(root) not in gc()
        # the running server's session was left alone
        assert kept.command.execute_command("echo untouched").output == "untouched\n"
