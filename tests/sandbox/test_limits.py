"""A fork bomb, a memory hog or a full disk stays inside its sandbox, and says what happened."""
import time

import httpx

from tests.helpers.sandbox_procs import sandbox_pids
from tests.helpers.waiting import wait_for


def _tasks_in(server, session_id: str) -> int:
    path = server.services.backend._cgroup("pids", session_id) / "pids.current"
    try:
        return int(path.read_text())
    except OSError:
        return 0


def test_fork_bomb_is_contained(server, make_session):
    bomb = make_session()
    bystander = make_session()
    cap = server.app.state.settings.sandbox_max_processes
    bomb.command.execute_command(":(){ :|:& };:", timeout_ms=3000)
    time.sleep(1.5)
    assert 0 < _tasks_in(server, bomb.session_id) <= cap
    assert httpx.get(server.base_url + "/healthz").status_code == 200
    assert bystander.command.execute_command("echo alive").output == "alive\n"
    bomb.delete()
    bystander.delete()
    # every process of the bomb is gone from the host, whatever became of its cgroup
    wait_for(lambda: not sandbox_pids(bomb.session_id), what="the bomb's processes to be gone")


def test_out_of_memory_is_said_plainly_and_the_session_goes_on(server, make_session):
    hog = make_session()
    bystander = make_session()
    limit_mb = server.app.state.settings.sandbox_memory_mb
    out = hog.command.execute_command(
        f"python3 -c \"x = bytearray({limit_mb * 2} * 1024 * 1024); print('survived')\"",
        timeout_ms=60_000)
    assert "survived" not in out.output and out.exit_code != 0
    assert "killed: out of memory" in out.error_message and "limit" in out.error_message
    # envd survived it: the same session keeps working
    assert hog.command.execute_command("echo still here").output == "still here\n"
    assert hog.info().status.value == "running"
    assert httpx.get(server.base_url + "/healthz").status_code == 200
    assert bystander.command.execute_command("echo alive").output == "alive\n"


def test_tmp_is_disk_not_memory(session):
    """Filling /tmp past the memory limit used to kill the whole session."""
    out = session.command.execute_command(
        "dd if=/dev/zero of=/tmp/big bs=1M count=1200 status=none && du -m /tmp/big | cut -f1",
        timeout_ms=120_000)
    assert out.exit_code == 0 and int(out.output) >= 1200
    assert session.command.execute_command("rm /tmp/big && echo ok").output == "ok\n"


def test_disk_quota(make_session):
    small = make_session(disk_quota_mb=64)
    other = make_session()
    info = small.info()
    assert info.disk_quota_bytes == 64 * 1024 * 1024
    out = small.command.execute_command("dd if=/dev/zero of=/home/user/fill bs=1M count=100", timeout_ms=60_000)
    assert out.exit_code != 0 and "No space left on device" in out.stderr
    used = small.info().disk_used_bytes
    assert used is not None and used > 50 * 1024 * 1024
    # what df says inside is the quota
    size_kb = int(small.command.execute_command("df -k --output=size / | tail -1").output)
    assert 50 * 1024 <= size_kb <= 64 * 1024
    # the rest of the world did not notice
    assert other.command.execute_command("dd if=/dev/zero of=/tmp/x bs=1M count=100 status=none "
                                         "&& echo fine", timeout_ms=60_000).output == "fine\n"
    # and freeing space works again
    assert small.command.execute_command("rm /home/user/fill && echo hi > /home/user/a && cat /home/user/a"
                                         ).output == "hi\n"


def test_quota_over_the_maximum_is_422(server, bay):
    over = server.app.state.settings.max_disk_mb + 1
    r = httpx.post(server.base_url + "/v1/sessions", json={"disk_quota_mb": over},
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 422 and "maximum" in r.json()["error"]["message"]


def test_a_session_that_dies_is_dead_with_its_reason_and_its_files_come_back(server, bay, make_session):
    s = bay.create().session
    s.command.execute_command("echo precious > /home/user/work.txt")
    # kill the sandbox's init from the host: the session's envd is gone
    pid = server.services.backend._running[s.session_id].pid
    import os
    import signal
    os.kill(pid, signal.SIGKILL)
    info = wait_for(lambda: (lambda i: i if i.status.value != "running" else None)(s.info()),
                    what="the session to be seen dead")
    assert info.status.value == "dead" and "exited" in (info.end_reason or "")
    r = httpx.post(f"{server.base_url}/v1/sessions/{s.session_id}/commands", json={"command": "true"},
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 410 and "exited" in r.json()["error"]["message"]
    # nothing is deleted because of a crash: a new session starts with the dead one's files
    restored = make_session(restore_from=s.session_id)
    assert restored.command.execute_command("cat /home/user/work.txt").output == "precious\n"
    restored.delete()
    r = httpx.post(server.base_url + "/v1/sessions", json={"restore_from": restored.session_id},
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 410 and "no files kept" in r.json()["error"]["message"]


def _keys_of(uid: int) -> int:
    """Kernel keys the host uid holds (/proc/key-users); the quota is kernel.keys.maxkeys (200)."""
    for line in open("/proc/key-users"):
        owner, rest = line.split(":", 1)
        if int(owner) == uid:
            return int(rest.split()[0])
    return 0


def test_sessions_take_no_kernel_keys(server, make_session):
    """No keyring per session: keyrings outlive their container by minutes, and would be
    charged to the uid of a block the next session may take."""
    sessions = [make_session() for _ in range(3)]
    assert all(s.command.execute_command("true").exit_code == 0 for s in sessions)
    running = server.services.backend._running
    assert [_keys_of(running[s.session_id].ids) for s in sessions] == [0, 0, 0]
