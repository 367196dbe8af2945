"""Chaos on the sandbox side: a server killed with sessions running, envd killed inside a
session, and nothing left behind. Real processes and signals, bounded in time."""

import httpx

from tests.helpers.sandbox_procs import sandbox_pids
from tests.helpers.server import process_server
from tests.helpers.waiting import wait_for

SESSIONS = 8  # bench/chaos.py runs the same with 50


def _mounts_with(text: str) -> list[str]:
    return [line for line in open("/proc/self/mounts") if text in line]


def test_kill_9_the_server_with_sessions_running_loses_nothing(tmp_path):
    home = tmp_path / "state"
    with process_server(home, env={"OPENBAY_STOP_SANDBOXES_ON_EXIT": "0"}) as (srv, proc):
        bay = srv.client()
        sessions = [bay.create().session for _ in range(SESSIONS)]
        for i, s in enumerate(sessions):
            out = s.command.execute_command(f"echo {i} > /home/user/n; nohup sleep 900 >/dev/null 2>&1 & echo ok")
            assert out.output == "ok\n"
        bay.close()
        proc.kill()
        proc.wait()
    ids = [s.session_id for s in sessions]
    assert all(sandbox_pids(sid, "sleep") for sid in ids)  # nothing died with the server
    with process_server(home) as (srv, proc):
        bay = srv.client()
        for i, sid in enumerate(ids):
            s = bay.get(sid).session
            assert s.info().status.value == "running"
            out = s.command.execute_command("cat /home/user/n; pgrep -x sleep >/dev/null && echo alive")
            assert out.output == f"{i}\nalive\n", out.output + out.stderr
        bay.close()
    # the second server stopped with OPENBAY_STOP_SANDBOXES_ON_EXIT=1: no process, no mount left
    assert not any(sandbox_pids(sid) for sid in ids)
    assert not any(_mounts_with(sid) for sid in ids)


def test_envd_killed_inside_a_session_makes_it_dead(server, bay):
    s = bay.create().session
    # root inside kills its own envd (PID 2, under tini): the session cannot be reached any more
    try:
        s.command.execute_command("kill -9 $(pgrep -f /opt/envd/daemon.py)", timeout_ms=5000)
    except Exception:
        pass  # the connection that asked for it may break with it
    info = wait_for(lambda: (lambda i: i if i.status.value != "running" else None)(s.info()),
                    what="the session to be seen dead")
    assert info.status.value == "dead" and info.end_reason
    r = httpx.post(f"{server.base_url}/v1/sessions/{s.session_id}/commands", json={"command": "true"},
                   headers={"Authorization": f"Bearer {server.admin_key}"})
    assert r.status_code == 410
    wait_for(lambda: not sandbox_pids(s.session_id), what="the session's processes to be gone")


def test_a_stopped_test_server_leaves_no_sandbox_root(tmp_path):
    from tests.helpers.server import thread_server
    with thread_server(tmp_path / "state") as srv:
        bay = srv.client()
        s = bay.create().session
        s.command.execute_command("echo x > /home/user/x")
        root = srv.services.backend.root
        bay.close()
    assert not root.exists()
    assert not _mounts_with(str(root))
