"""A fork bomb or a memory hog stays inside its sandbox."""
import os
import time

import httpx

from openbay import CreateSessionParams


def _processes_of_uid(uid: int) -> int:
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                if any(line.startswith("Uid:") and line.split()[1] == str(uid) for line in f):
                    count += 1
        except OSError:
            pass
    return count


def test_fork_bomb_is_contained(server, bay):
    bomb = bay.create().session
    bystander = bay.create().session
    uid = server.app.state.backend._running[bomb.session_id].uid
    cap = server.app.state.settings.sandbox_max_processes
    try:
        bomb.command.execute_command(":(){ :|:& };:", timeout_ms=3000)
        time.sleep(1.5)
        assert 0 < _processes_of_uid(uid) <= cap + 2
        assert httpx.get(server.base_url + "/healthz").status_code == 200
        assert bystander.command.execute_command("echo alive").output == "alive\n"
    finally:
        bomb.delete()
        bystander.delete()
    deadline = time.monotonic() + 10  # the kernel tears down 256 processes at its own pace
    while _processes_of_uid(uid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_of_uid(uid) == 0


def test_memory_hog_is_killed_not_the_server(server, bay):
    if not server.app.state.backend.cgroups.enabled:
        import pytest
        pytest.skip("no writable cgroups on this machine: memory limits need them")
    hog = bay.create(CreateSessionParams()).session
    bystander = bay.create().session
    try:
        limit_mb = server.app.state.settings.sandbox_memory_mb
        out = hog.command.execute_command(
            f"python3 -c \"x = bytearray({limit_mb * 2} * 1024 * 1024); print('survived')\"",
            timeout_ms=30_000)
        assert "survived" not in out.output and out.exit_code != 0
        assert httpx.get(server.base_url + "/healthz").status_code == 200
        assert bystander.command.execute_command("echo alive").output == "alive\n"
    finally:
        hog.delete()
        bystander.delete()
