"""Every byte a session writes counts against its quota: no folder of it is on the host's disk."""
import pytest

from tests.helpers.sessions import new_session
from tests.security.conftest import run

# device nodes (runc binds /dev/null and the like) hold no bytes
MEMORY_BACKED = {"tmpfs", "devtmpfs", "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"}


@pytest.fixture
def small(server):
    with new_session(server, disk_quota_mb=64) as s:
        yield s


def test_200_mib_past_a_64_mb_quota_is_refused(small):
    out = small.command.execute_command(
        "mkdir -p /run/envd && dd if=/dev/zero of=/run/envd/fill bs=1M count=200 2>&1; echo exit=$?; "
        "du -sm /run/envd/fill", timeout_ms=120_000)
    assert "No space left on device" in out.output and "exit=0" not in out.output
    assert int(out.output.split()[-2]) < 64
    run(small, "rm -f /run/envd/fill")
    # whatever is writable is the session's disk (its root) or memory (counted by its cgroup)
    for line in run(small, "cat /proc/self/mounts").splitlines():
        _, where, kind, options = line.split()[:4]
        if "rw" in options.split(",") and where != "/":
            assert kind in MEMORY_BACKED, line
