"""`openbay serve` as a user runs it, the CLI against it, and a server restart."""
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers.server import process_server

KEY = "ob_" + "e2e" * 10


def cli(server, *args, key=None, check=True):
    env = {**os.environ, "OPENBAY_BASE_URL": server.base_url, "OPENBAY_API_KEY": key or server.admin_key}
    r = subprocess.run([sys.executable, "-m", "openbay.cli.main", *args], env=env,
                       capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def _bwrap_children(pid: int) -> list[str]:
    out = subprocess.run(["ps", "-eo", "ppid=,comm="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split()[0] == str(pid) and "bwrap" in line]


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
        assert len(_bwrap_children(proc.pid)) == 1
        server_pid = proc.pid

    # the server is gone: so is its sandbox
    deadline = time.monotonic() + 10
    while _bwrap_children(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _bwrap_children(server_pid)
    assert not subprocess.run(["pgrep", "-f", f"{sid}/home"], capture_output=True).stdout

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


def test_killed_server_leaves_no_sandbox_and_restart_marks_sessions_dead(tmp_path):
    home = tmp_path / "state"
    with process_server(home) as (srv, proc):
        sid = cli(srv, "session", "create").stdout.strip()
        cli(srv, "exec", sid, "--", "sh", "-c", "nohup sleep 600 >/dev/null 2>&1 &")
        proc.kill()  # SIGKILL: no shutdown code runs
        proc.wait()
        deadline = time.monotonic() + 10
        while subprocess.run(["pgrep", "-f", f"{sid}/home"], capture_output=True).stdout \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not subprocess.run(["pgrep", "-f", f"{sid}/home"], capture_output=True).stdout
    with process_server(home) as (srv, proc):
        r = httpx.get(f"{srv.base_url}/v1/sessions/{sid}", headers={"Authorization": f"Bearer {srv.admin_key}"})
        assert r.json()["status"] == "dead"
        from openbay.sandbox.local import default_sandbox_root
        assert default_sandbox_root(home).is_dir()
        assert not (default_sandbox_root(home) / sid).exists()  # swept at startup


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
