"""`openbay serve` as a user runs it, the CLI against it, and a server restart."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from tests.helpers.sandbox_procs import sandbox_pids
from tests.helpers.server import process_server
from tests.helpers.waiting import wait_for

KEY = "ob_" + "e2e" * 10


def cli(server, *args, key=None, check=True):
    env = {**os.environ, "OPENBAY_BASE_URL": server.base_url, "OPENBAY_API_KEY": key or server.admin_key}
    r = subprocess.run([sys.executable, "-m", "openbay.cli.main", *args], env=env,
                       capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_serve_bootstrap_cli_and_restart(tmp_path):
    home = tmp_path / "state"
    with process_server(home, env={"OPENBAY_BOOTSTRAP_KEY": KEY}) as (srv, proc):
        # the given bootstrap key is the admin key, written where the CLI finds it, 0600
        assert srv.admin_key == KEY
        assert stat.S_IMODE((home / "admin_key").stat().st_mode) == 0o600
        r = cli(srv, "keys", "create", "--name", "alice")
        alice = r.stdout.strip()
        assert alice.startswith("ob_") and alice != KEY
        assert "alice" in cli(srv, "keys", "list").stdout

        sid = cli(srv, "session", "create", "--label", "team=red", key=alice).stdout.strip()
        assert sid.startswith("s-")
        listed = cli(srv, "session", "list", "--label", "team=red", key=alice).stdout
        assert sid in listed
        assert sid not in cli(srv, "session", "list").stdout  # the admin is another owner
        r = cli(srv, "exec", sid, "--", "sh", "-c", "echo out; echo err >&2; exit 7", key=alice, check=False)
        assert (r.returncode, r.stdout, r.stderr.strip()) == (7, "out\n", "err")
        assert '"status": "running"' in cli(srv, "session", "info", sid, key=alice).stdout

        bad = cli(srv, "session", "info", "s-000000000000", key=alice, check=False)
        assert bad.returncode == 1 and "not found" in bad.stderr
        bad = cli(srv, "session", "create", "--label", "oops", key=alice, check=False)
        assert bad.returncode != 0 and "KEY=VALUE" in bad.stderr
        revoked_id = [line.split()[1] for line in cli(srv, "keys", "list").stdout.splitlines()
                      if "alice" in line]
        assert revoked_id
        assert sandbox_pids(sid)

    # stopped with OPENBAY_STOP_SANDBOXES_ON_EXIT=1: so is its sandbox
    assert not sandbox_pids(sid)

    # a new server on the same state: the key still works, the old session is marked dead
    with process_server(home) as (srv, proc):
        r = httpx.get(f"{srv.base_url}/v1/sessions/{sid}", headers={"Authorization": f"Bearer {alice}"})
        assert r.status_code == 200 and r.json()["status"] == "dead"
        r = cli(srv, "exec", sid, "--", "true", key=alice, check=False)
        assert r.returncode == 1 and "ended" in r.stderr
        sid2 = cli(srv, "session", "create", key=alice).stdout.strip()
        assert cli(srv, "exec", sid2, "--", "echo", "back", key=alice).stdout == "back\n"
        cli(srv, "session", "delete", sid2, key=alice)


def test_demo_runs_as_written(tmp_path):
    with process_server(tmp_path / "state") as (srv, _):
        env = {**os.environ, "OPENBAY_BASE_URL": srv.base_url, "OPENBAY_API_KEY": srv.admin_key}
        demo = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
        r = subprocess.run([sys.executable, str(demo)], env=env, capture_output=True,
                           text=True, timeout=300, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "deleted: True -> deleted" in r.stdout and "timed out after 300 ms" in r.stdout
        assert "todo.txt: ['buy milk', 'ship openbay']" in r.stdout and "result '42'" in r.stdout
        assert "page says: clicked at" in r.stdout
        assert (tmp_path / "demo-screenshot.png").read_bytes().startswith(b"\x89PNG")


def test_a_killed_server_loses_nothing(tmp_path):
    """kill -9 the server: the session, its files and its background processes live on, and
    the next server reattaches to them."""
    home = tmp_path / "state"
    keep = {"OPENBAY_STOP_SANDBOXES_ON_EXIT": "0"}
    with process_server(home, env=keep) as (srv, proc):
        sid = cli(srv, "session", "create").stdout.strip()
        cli(srv, "exec", sid, "--", "sh", "-c", "echo kept > /home/user/work.txt; nohup sleep 600 >/dev/null 2>&1 &")
        proc.kill()  # SIGKILL: no shutdown code runs
        proc.wait()
    wait_for(lambda: sandbox_pids(sid, "sleep"), what="the session's sleep")  # the sandbox did not die with the server
    with process_server(home) as (srv, proc):
        r = httpx.get(f"{srv.base_url}/v1/sessions/{sid}", headers={"Authorization": f"Bearer {srv.admin_key}"})
        assert r.json()["status"] == "running"
        out = cli(srv, "exec", sid, "--", "sh", "-c",
                  "cat /home/user/work.txt; pgrep -x sleep >/dev/null && echo alive")
        assert out.stdout == "kept\nalive\n"
        cli(srv, "session", "delete", sid)
    assert not sandbox_pids(sid)
    from openbay.sandbox.runc.local import default_sandbox_root
    assert not (default_sandbox_root(home) / sid).exists()


def test_json_logs_never_carry_keys(tmp_path):
    home = tmp_path / "state"
    with process_server(home, env={"OPENBAY_BOOTSTRAP_KEY": KEY, "OPENBAY_LOG_JSON": "1"}) as (srv, proc):
        wrong = "ob_" + "w" * 30
        httpx.get(f"{srv.base_url}/v1/sessions", headers={"Authorization": f"Bearer {wrong}"})
        sid = cli(srv, "session", "create").stdout.strip()
        cli(srv, "exec", sid, "--", "echo", KEY)
        cli(srv, "session", "delete", sid)
    logs = proc.stderr.read()
    lines = [line for line in logs.splitlines() if line.startswith("{")]
    assert any('"session created"' in line for line in lines)
    assert all(json.loads(line)["level"] for line in lines)
    assert KEY not in logs and wrong not in logs
