"""How many idle `linux` sessions fit, and what one costs in memory.

Starts N sessions through the SDK against a real server, lets them settle,
checks each still answers, then sums PSS (/proc/<pid>/smaps_rollup: shared
pages divided among their users, so N sandboxes sharing python3's text are not
counted N times) over every process of every sandbox. The server's own growth
and the host's MemAvailable drop are reported beside it, and the memory each session's
cgroup is charged (which also counts the kernel's share: its overlay, disk and network
namespace). Baseline in the same run: bare python3 processes with asyncio imported
(envd's floor), as many as the sessions.

    .venv/bin/python bench/density.py [-n 200]
"""
import argparse
import asyncio
import os
import subprocess
import time
from collections import defaultdict

from _common import print_table, server, write_json

from tests.helpers.sandbox_procs import sandbox_pids

GOAL_SESSIONS = 200
GOAL_MB = 15.0
CONCURRENCY = 4


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def children_map() -> dict[int, list[int]]:
    kids = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
            kids[ppid].append(int(entry))
    return kids


def subtree(pid: int, kids: dict[int, list[int]]) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except FileNotFoundError:
        return "?"


def mem_available_kb() -> int:
    with open("/proc/meminfo") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:"))


def cgroup_kb(session_id: str) -> int:
    """What the session's memory cgroup is charged, less reclaimable file cache."""
    import glob
    for d in glob.glob(f"/sys/fs/cgroup/memory/openbay-*/{session_id}"):
        with open(f"{d}/memory.usage_in_bytes") as f:
            usage = int(f.read())
        with open(f"{d}/memory.stat") as f:
            inactive = next((int(line.split()[1]) for line in f if line.startswith("total_inactive_file ")), 0)
        return max(usage - inactive, 0) // 1024
    return 0


def baseline_pss_mb(argv: list[str], n: int) -> float:
    """Mean PSS of n copies of argv (each with its subtree) once they idle."""
    procs = [subprocess.Popen(argv, stdin=subprocess.DEVNULL) for _ in range(n)]
    try:
        time.sleep(2.0)
        kids = children_map()
        return sum(pss_kb(q) for p in procs for q in subtree(p.pid, kids)) / n / 1024
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


async def run_sessions(srv, n: int) -> dict:
    from openbay import AsyncOpenBay, OpenBayError
    gate = asyncio.Semaphore(CONCURRENCY)
    async with AsyncOpenBay(api_key=srv.admin_key, base_url=srv.base_url) as bay:
        async def create():
            async with gate:
                try:
                    return (await bay.create()).session
                except OpenBayError as e:
                    return str(e)

        started = time.perf_counter()
        made = await asyncio.gather(*(create() for _ in range(n)))
        create_s = time.perf_counter() - started
        sessions = [s for s in made if not isinstance(s, str)]
        errors = sorted({s for s in made if isinstance(s, str)})
        await asyncio.sleep(3.0)  # idle: let envd finish starting and the allocator settle

        async def answers(s) -> bool:
            async with gate:
                try:
                    return (await s.command.execute_command("true")).exit_code == 0
                except OpenBayError:
                    return False

        alive = sum(await asyncio.gather(*(answers(s) for s in sessions)))
        await asyncio.sleep(1.0)
        by_kind: dict[str, int] = defaultdict(int)
        boxes = {s.session_id: sandbox_pids(s.session_id) for s in sessions}
        per_box, per_cgroup = [], []
        for sid, pids in boxes.items():
            kb = 0
            for p in pids:
                size = pss_kb(p)
                kb += size
                by_kind[comm(p)] += size
            per_box.append(kb)
            per_cgroup.append(cgroup_kb(sid))
        server_kb = pss_kb(srv.pid)
        avail_kb = mem_available_kb()

        started = time.perf_counter()
        deleted = await asyncio.gather(*(_delete(gate, s) for s in sessions))
        delete_s = time.perf_counter() - started
        await asyncio.sleep(0.5)
        left = sum(1 for s in sessions if sandbox_pids(s.session_id))
    return {"created": len(sessions), "errors": errors, "alive": alive, "sandboxes_seen": len(boxes),
            "per_box_kb": per_box, "per_cgroup_kb": per_cgroup, "by_kind_kb": dict(by_kind), "server_pss_kb": server_kb,
            "mem_available_kb": avail_kb, "create_s": create_s, "delete_s": delete_s,
            "deleted_ok": sum(deleted), "left_after_delete": left}


async def _delete(gate, session) -> bool:
    from openbay import OpenBayError
    async with gate:
        try:
            await session.delete()
            return True
        except OpenBayError:
            return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=GOAL_SESSIONS, help="sessions to start")
    n = ap.parse_args().n
    mb = lambda kb: round(kb / 1024, 2)  # noqa: E731
    base_rows = [
        {"what": "bare python3 -S -E with asyncio imported", "copies": n,
         "PSS MB each": round(baseline_pss_mb(["/usr/bin/python3", "-S", "-E", "-B", "-c",
                                               "import asyncio, time; time.sleep(1000)"], n), 2)},
    ]
    avail_before = mem_available_kb()
    with server(max_sessions_per_owner=n + 10) as srv:
        server_before = pss_kb(srv.pid)
        r = asyncio.run(run_sessions(srv, n))

    boxes = len(r["per_box_kb"]) or 1
    per_session = sum(r["per_box_kb"]) / boxes
    server_growth = (r["server_pss_kb"] - server_before) / boxes
    host_drop = (avail_before - r["mem_available_kb"]) / boxes
    fit = int(avail_before / (per_session + max(server_growth, 0)))
    rows = [
        {"what": "sessions started / answering", "value": f"{r['created']} / {r['alive']}"},
        {"what": "create all (s), 4 at a time", "value": round(r["create_s"], 1)},
        {"what": "PSS per session, all its processes (MB)", "value": mb(per_session)},
        {"what": "PSS per session, p95 (MB)",
         "value": mb(sorted(r["per_box_kb"])[int(0.95 * (boxes - 1))] if r["per_box_kb"] else 0)},
        *({"what": f"  of which {kind} (MB)", "value": mb(kb / boxes)}
          for kind, kb in sorted(r["by_kind_kb"].items(), key=lambda kv: -kv[1])),
        {"what": "cgroup memory per session, kernel share included (MB)",
         "value": mb(sum(r["per_cgroup_kb"]) / boxes)},
        {"what": "server PSS growth per session (MB)", "value": mb(server_growth)},
        {"what": "host MemAvailable drop per session (MB, noisy)", "value": mb(host_drop)},
        {"what": "sessions that fit in MemAvailable (estimate)", "value": fit},
        {"what": "delete all (s); sandboxes left", "value": f"{r['delete_s']:.1f}; {r['left_after_delete']}"},
    ]
    print_table("Baselines (same run)", base_rows, ["what", "copies", "PSS MB each"])
    print_table(f"{n} idle linux sessions", rows, ["what", "value"])
    met = r["alive"] >= GOAL_SESSIONS and mb(per_session) <= GOAL_MB
    print(f"{r['alive']} sessions answering, {mb(per_session)} MB each; goal >= {GOAL_SESSIONS} "
          f"and <= {GOAL_MB:.0f} MB: " + ("met" if met else "NOT met"))
    if r["errors"]:
        print("create errors:", r["errors"][:5])
    write_json("density", {"goal_sessions": GOAL_SESSIONS, "goal_mb": GOAL_MB, "goal_met": met,
                           "baselines": base_rows, "rows": rows,
                           "raw": {k: v for k, v in r.items() if k != "per_box_kb"},
                           "per_session_kb": r["per_box_kb"]})


if __name__ == "__main__":
    main()
