"""What survives what, and how fast: kill -9 the server with N sessions running, restart,
count who came back with their files and processes; reattach time; pause/resume; snapshot
of a session with 100 MB of changes; fork (a session from a snapshot).

Baselines in the same run: the server's start with no sessions (what reattaching adds to
it), a cold create (what a fork is compared with), and copying the same 100 MB with `cp`.

    .venv/bin/python bench/lifecycle.py [-n 50] [--reattach 200]
"""
import argparse
import asyncio
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _common import print_table, summary, write_json

from tests.helpers.sandbox_procs import sandbox_pids
from tests.helpers.server import process_server

GOALS = {"reattach_200_s": 2.0, "resume_p50_ms": 50.0, "snapshot_100mb_s": 1.0, "fork_p50_ms": 200.0}


def _started_s(home: Path, env: dict) -> tuple[float, object]:
    t = time.perf_counter()
    cm = process_server(home, env)
    srv, proc = cm.__enter__()
    return time.perf_counter() - t, (cm, srv, proc)


async def _create_many(bay, n: int) -> list:
    gate = asyncio.Semaphore(4)

    async def one(i: int):
        async with gate:
            s = (await bay.create()).session
            await s.command.execute_command(f"echo {i} > /home/user/n; nohup sleep 3600 >/dev/null 2>&1 &")
            return s
    return await asyncio.gather(*(one(i) for i in range(n)))


def kill_and_restart(n: int) -> dict:
    from openbay import AsyncOpenBay
    with tempfile.TemporaryDirectory(prefix="obbench-life-", dir="/tmp") as tmp:
        home = Path(tmp) / "state"
        keep = {"OPENBAY_STOP_SANDBOXES_ON_EXIT": "0", "OPENBAY_RATE_LIMIT_PER_S": "0",
                "OPENBAY_MAX_SESSIONS_PER_OWNER": str(n + 10)}
        empty_start, (cm, srv, proc) = _started_s(home, keep)

        async def make():
            async with AsyncOpenBay(api_key=srv.admin_key, base_url=srv.base_url) as bay:
                return [s.session_id for s in await _create_many(bay, n)]
        ids = asyncio.run(make())
        proc.kill()
        proc.wait()
        cm.__exit__(None, None, None)
        survived_kill = sum(1 for sid in ids if sandbox_pids(sid, "sleep"))
        start_with_sessions, (cm, srv, proc) = _started_s(home, {**keep, "OPENBAY_STOP_SANDBOXES_ON_EXIT": "1"})
        try:
            bay = srv.client()
            back = 0
            for i, sid in enumerate(ids):
                s = bay.get(sid).session
                out = s.command.execute_command("cat /home/user/n; pgrep -x sleep >/dev/null && echo alive")
                back += s.info().status.value == "running" and out.output == f"{i}\nalive\n"
            bay.close()
        finally:
            cm.__exit__(None, None, None)
        orphans = sum(1 for sid in ids if sandbox_pids(sid))
        mounts = sum(1 for line in open("/proc/self/mounts") if any(sid in line for sid in ids))
    return {"sessions": n, "alive after kill -9": survived_kill, "back with files and processes": back,
            "server start, empty (s)": round(empty_start, 2),
            f"server start, reattaching {n} (s)": round(start_with_sessions, 2),
            "reattach share (s)": round(start_with_sessions - empty_start, 2),
            "processes left after the end": orphans, "mounts left": mounts}


def backend_rows(reattach_n: int, repeats: int) -> dict:
    """Pause/resume, snapshot, fork and reattach on the backend itself (no HTTP)."""
    from openbay.sandbox import SandboxSpec
    from openbay.sandbox.runc.local import LocalBackend

    async def run() -> dict:
        root = Path(tempfile.mkdtemp(prefix="obbench-life-", dir="/var/lib/openbay"))
        backend = LocalBackend(root)
        out: dict = {"resume_ms": [], "pause_ms": [], "fork_ms": [], "cold_ms": []}
        try:
            sb = await backend.start(SandboxSpec(session_id="s-life0", image_id="linux"))
            for _ in range(repeats):
                t = time.perf_counter()
                await backend.pause("s-life0")
                out["pause_ms"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                await backend.resume("s-life0")
                out["resume_ms"].append((time.perf_counter() - t) * 1000)
            await sb.envd.exec({"command": "head -c 100M /dev/urandom > /home/user/changes.bin", "timeout_ms": 120_000})
            t = time.perf_counter()
            snap = await backend.snapshot("s-life0", "bench/snap-life", "bench", "100 MB")
            out["snapshot_100mb_s"] = time.perf_counter() - t
            src = root / "s-life0" / "disk" / "upper" / "home" / "user" / "changes.bin"
            t = time.perf_counter()
            shutil.copyfile(src, root / "copy.bin")
            out["cp_100mb_s"] = time.perf_counter() - t
            for i in range(repeats):
                t = time.perf_counter()
                await backend.start(SandboxSpec(session_id=f"s-fork{i}", image_id=snap.ref))
                out["fork_ms"].append((time.perf_counter() - t) * 1000)
                await backend.stop(f"s-fork{i}")
                t = time.perf_counter()
                await backend.start(SandboxSpec(session_id=f"s-cold{i}", image_id="linux"))
                out["cold_ms"].append((time.perf_counter() - t) * 1000)
                await backend.stop(f"s-cold{i}")
            await backend.stop("s-life0")
            backend.images.delete(snap.ref)
            ids = [f"s-re{i}" for i in range(reattach_n)]
            gate = asyncio.Semaphore(4)

            async def start(sid):
                async with gate:
                    await backend.start(SandboxSpec(session_id=sid, image_id="linux", network=False))
            await asyncio.gather(*(start(sid) for sid in ids))
            await backend.detach()
            again = LocalBackend(root)
            t = time.perf_counter()
            got = await asyncio.gather(*(again.reattach(sid) for sid in ids))
            out["reattach_s"] = time.perf_counter() - t
            out["reattached"] = sum(g is not None for g in got)
            await again.close()
        finally:
            subprocess.run(["rm", "-rf", str(root)])
        return out
    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=50, help="sessions alive when the server is killed")
    ap.add_argument("--reattach", type=int, default=200, help="sandboxes a fresh backend reattaches")
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    chaos = kill_and_restart(args.n)
    b = backend_rows(args.reattach, args.repeats)
    print_table(f"kill -9 with {args.n} sessions, then restart", [{"what": k, "value": v} for k, v in chaos.items()],
                ["what", "value"])
    rows = [{"what": "pause", **summary(b["pause_ms"])}, {"what": "resume", **summary(b["resume_ms"])},
            {"what": "fork (a session from a snapshot)", **summary(b["fork_ms"])},
            {"what": "cold create (baseline)", **summary(b["cold_ms"])}]
    print_table("Backend lifecycle (ms)", rows, ["what", "n", "p50", "p95", "mean", "min"])
    extra = {"snapshot of 100 MB of changes (s)": round(b["snapshot_100mb_s"], 3),
             "cp of the same 100 MB (s, baseline)": round(b["cp_100mb_s"], 3),
             f"reattach {args.reattach} sandboxes (s)": round(b["reattach_s"], 3),
             "reattached": b["reattached"]}
    print_table("Snapshot and reattach", [{"what": k, "value": v} for k, v in extra.items()], ["what", "value"])
    goals = {"reattach_200_s": b["reattach_s"] <= GOALS["reattach_200_s"] and b["reattached"] == args.reattach,
             "resume_p50_ms": summary(b["resume_ms"])["p50"] <= GOALS["resume_p50_ms"],
             "snapshot_100mb_s": b["snapshot_100mb_s"] <= GOALS["snapshot_100mb_s"],
             "fork_p50_ms": summary(b["fork_ms"])["p50"] <= GOALS["fork_p50_ms"],
             "nothing_lost": chaos["back with files and processes"] == args.n}
    print("goals: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in goals.items()))
    write_json("lifecycle", {"goals": goals, "chaos": chaos, "rows": rows, "extra": extra, "raw": b})


if __name__ == "__main__":
    main()
