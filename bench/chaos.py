"""Chaos: what OpenBay loses when things go wrong. Real processes, real signals, loopback only.

Rows:
  clients      CLIENTS concurrent clients x COMMANDS commands (10 owners, 20 sessions):
               errors, throughput, latency; baseline: one client alone on the same server
  kill -9      SESSIONS sessions (a file and a background process each) and TASKS running agent
               tasks (scripted model), then SIGKILL the server and start it again: sessions back
               running with their file and process, tasks resumed or interrupted, events lost
  disk full    the server's free-space floor set above the real free space: creates and uploads
               refused, files half-written, sessions made

    .venv/bin/python bench/chaos.py [--clients 100] [--commands 20] [--sessions 50] [--tasks 5]
"""
import argparse
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from _common import print_table, server, summary, write_json

OWNERS, SESSIONS_PER_OWNER = 10, 2


def clients_row(srv, clients: int, commands: int) -> dict:
    from openbay import CreateSessionParams, OpenBay, OpenBayError
    keys = [srv.new_owner_key(f"chaos{i}") for i in range(OWNERS)]
    sessions = []
    for key in keys:
        with OpenBay(api_key=key, base_url=srv.base_url) as bay:
            sessions += [(key, bay.create(CreateSessionParams()).session.session_id)
                         for _ in range(SESSIONS_PER_OWNER)]
    start = threading.Barrier(clients)

    def client(n: int, wait: bool = True) -> tuple[list[float], int]:
        key, sid = sessions[n % len(sessions)]
        times, errors = [], 0
        with OpenBay(api_key=key, base_url=srv.base_url) as bay:
            s = bay.get(sid).session
            if wait:
                start.wait(120)
            for j in range(commands):
                t = time.perf_counter()
                try:  # the native SDK raises on a failed call; a non-zero exit is a result
                    r = s.command.execute_command(f"echo {n}-{j}")
                    ok = r.exit_code == 0 and r.output == f"{n}-{j}\n"
                except OpenBayError:
                    ok = False
                times.append((time.perf_counter() - t) * 1000)
                errors += not ok
        return times, errors

    alone, _ = client(0, wait=False)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(client, range(clients)))
    wall = time.perf_counter() - t0
    times = [t for ts, _ in results for t in ts]
    for key, sid in sessions:
        with OpenBay(api_key=key, base_url=srv.base_url) as bay:
            bay.delete(sid)
    return {"row": f"{clients} clients x {commands} commands", "errors": sum(e for _, e in results),
            "commands": len(times), "wall_s": round(wall, 2), "per_s": round(len(times) / wall, 1),
            "p50_ms": summary(times)["p50"], "p95_ms": summary(times)["p95"],
            "alone_p50_ms": summary(alone)["p50"]}


def kill_row(n_sessions: int, n_tasks: int) -> dict:
    import tempfile
    from pathlib import Path

    from openbay import CreateSessionParams
    from tests.helpers.scripted_llm import ScriptedLLM, Turn, done
    from tests.helpers.server import free_port, process_server
    home, port = Path(tempfile.mkdtemp(prefix="obchaos-")), free_port()
    started = threading.Semaphore(0)

    def held(body):
        started.release()
        return Turn(hold_s=120, tool_calls=[("wait", {})])

    with ScriptedLLM([held] * n_tasks) as model:
        env = {"OPENBAY_LLM_BASE_URL": model.base_url, "OPENBAY_LLM_MODEL": "scripted", "OPENBAY_RATE_LIMIT_PER_S": "0",
               "OPENBAY_STOP_SANDBOXES_ON_EXIT": "0"}
        with process_server(home, env, port=port) as (srv, proc):
            bay = srv.client()
            made = [bay.create(CreateSessionParams()).session for _ in range(n_sessions)]
            for i, s in enumerate(made):
                s.file_system.write_file("/home/user/kept.txt", f"file {i}")
                s.command.execute_command("nohup sleep 3600 >/dev/null 2>&1 &")
            browsers = [bay.create(CreateSessionParams(image_id="browser")).session for _ in range(n_tasks)]
            tasks = [b.agent.browser.execute_task("a long one").task_id for b in browsers]
            for _ in tasks:
                started.acquire(timeout=120)
            auth = {"Authorization": f"Bearer {srv.admin_key}"}
            before = {t: httpx.get(f"{srv.base_url}/v1/tasks/{t}/events", headers=auth).json()["events"] for t in tasks}
            proc.kill()
            proc.wait()
        model.set_script([done("after the restart")] * n_tasks)
        t0 = time.perf_counter()
        with process_server(home, {**env, "OPENBAY_STOP_SANDBOXES_ON_EXIT": "1"}, port=port) as (srv, proc):
            back_s = time.perf_counter() - t0
            bay = srv.client()
            running = kept = procs = 0
            for i, s in enumerate(made):
                if bay.get(s.session_id).session.info().status.value != "running":
                    continue
                running += 1
                kept += s.file_system.read_file("/home/user/kept.txt").content == f"file {i}"
                procs += "sleep 3600" in s.command.execute_command("ps -eo args").output
            deadline, ended = time.monotonic() + 120, {}
            while len(ended) < len(tasks) and time.monotonic() < deadline:
                for t in tasks:
                    info = httpx.get(f"{srv.base_url}/v1/tasks/{t}", headers=auth).json()
                    if info["status"] not in ("pending", "running"):
                        ended[t] = info["status"]
                time.sleep(0.5)
            lost = 0
            for t in tasks:
                after = httpx.get(f"{srv.base_url}/v1/tasks/{t}/events", headers=auth).json()["events"]
                lost += sum(e not in after for e in before[t])
                lost += [e["seq"] for e in after] != list(range(1, len(after) + 1))
            for s in made + browsers:
                bay.delete(s.session_id)
            orphans = subprocess.run(["pgrep", "-fc", "sleep 3600"], capture_output=True, text=True).stdout.strip()
    statuses = list(ended.values())
    return {"row": f"kill -9 with {n_sessions} sessions, {n_tasks} tasks", "sessions_running": running,
            "files_kept": kept, "processes_kept": procs, "tasks_finished": statuses.count("finished"),
            "tasks_interrupted": statuses.count("interrupted"), "tasks_other": len(tasks) - statuses.count("finished")
            - statuses.count("interrupted"), "events_lost": lost, "restart_s": round(back_s, 2),
            "orphan_sleeps_after_delete": int(orphans or 0)}


def disk_row(attempts: int = 20) -> dict:
    import shutil
    import tempfile
    free_mb = shutil.disk_usage(tempfile.gettempdir()).free // (1024 * 1024)
    with server(min_free_disk_mb=free_mb + 1024) as srv:
        auth = {"Authorization": f"Bearer {srv.admin_key}"}
        codes = [httpx.post(f"{srv.base_url}/v1/sessions", json={}, headers=auth).status_code for _ in range(attempts)]
        codes += [httpx.post(f"{srv.base_url}/v1/uploads", params={"file_name": "a.txt"}, content=b"x" * 1_000_000,
                             headers=auth).status_code for _ in range(attempts)]
        made = httpx.get(f"{srv.base_url}/v1/sessions", params={"status": "all"}, headers=auth).json()["total_count"]
        uploads = srv.home / "uploads"
        files = sum(1 for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else 0
    return {"row": "disk nearly full", "attempts": len(codes), "refused_507": codes.count(507),
            "other": len(codes) - codes.count(507), "sessions_made": made, "files_left": files}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--commands", type=int, default=20)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--tasks", type=int, default=5)
    a = ap.parse_args()
    with server() as srv:
        clients = clients_row(srv, a.clients, a.commands)
    print_table("Concurrent clients", [clients], list(clients))
    disk = disk_row()
    print_table("The server's disk nearly full", [disk], list(disk))
    kill = kill_row(a.sessions, a.tasks)
    print_table("kill -9 and restart", [kill], list(kill))
    write_json("chaos", {"clients": clients, "disk": disk, "kill": kill})


if __name__ == "__main__":
    main()
