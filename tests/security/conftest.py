import pytest

from tests.helpers.sessions import new_session


@pytest.fixture
def two_owners(server):
    """A session of each of two owners (their own keys on one server)."""
    first, second = server.client(server.new_owner_key("tenant-a")), server.client(server.new_owner_key("tenant-b"))
    try:
        with new_session(first) as a, new_session(second) as b:
            yield a, b
    finally:
        first.close()
        second.close()


def run(s, cmd: str, timeout_ms: int = 60_000) -> str:
    out = s.command.execute_command(cmd, timeout_ms=timeout_ms)
    return out.output + out.stderr


def host_uid_of(server, s, marker: str) -> int:
    """The host uid of a process the session started (found by a marker in its command line)."""
    import subprocess
    run(s, f"nohup sleep {marker} >/dev/null 2>&1 &")
    pids = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True).stdout.split()
    assert len(pids) == 1, pids
    status = open(f"/proc/{pids[0]}/status").read()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
