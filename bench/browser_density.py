"""Memory per idle browser session: PSS (proportional set size, so shared Chromium pages
are split between the sessions that share them, not counted again for each) and how
many such sessions fit in 24 GB.

Each session: a browser sandbox whose Chromium loaded one local page through
connect_over_cdp, then sat idle. Its processes are the ones in its cgroup (runc puts
each sandbox in a cgroup named by its session id): envd, Chromium and its children. The
cgroup's memory use adds what PSS cannot see: the sandbox's tmpfs (/tmp with the scratch
profile, /dev/shm) and kernel memory.

Baseline in the same run: plain Playwright `chromium.launch(executable_path=/usr/bin/chromium)`
with one page on the same local page, on the host.

    .venv/bin/python bench/browser_density.py [-k 6]
"""
import argparse
import glob
import os
import tempfile
import time

from _common import print_table, server, write_json
from browser_create import FLAGS, serve_page
from playwright.sync_api import sync_playwright

from openbay import CreateSessionParams

GOAL_MB = 250.0
BUDGET_GB = 24
SETTLE_S = 5.0


def _procs() -> dict[int, tuple[int, int, bytes]]:
    """pid -> (uid, ppid, cmdline) of every process we can read."""
    out = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        out[int(pid)] = (int(status["Uid"].split()[0]), int(status["PPid"]), cmd)
    return out


def _smaps(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def sandbox_memory(session_id: str) -> dict:
    mine = _cgroup_pids(session_id)
    pss, rss = map(sum, zip(*(_smaps(p) for p in mine)))
    cgroup = _cgroup_current(session_id)
    return {"processes": len(mine), "pss_mb": pss / 1024, "rss_mb": rss / 1024,
            "cgroup_mb": cgroup / 1024 / 1024 if cgroup else None}


def _cgroup_pids(session_id: str) -> set[int]:
    """Every process in the session's cgroup and the cgroups beneath it (host pids): the pids
    controller under cgroup v1 (openbay-<server>/<session>), the unified tree under v2."""
    dirs = glob.glob(f"/sys/fs/cgroup/pids/*/{session_id}") or glob.glob(f"/sys/fs/cgroup/*/{session_id}")
    pids: set[int] = set()
    for top in dirs:
        for here, _, _ in os.walk(top):
            with open(f"{here}/cgroup.procs") as f:
                pids.update(int(line) for line in f if line.strip())
    if not pids:
        raise SystemExit(f"no sandbox process found in a cgroup named {session_id}")
    return pids


def _cgroup_current(session_id: str) -> int | None:
    for path in glob.glob(f"/sys/fs/cgroup/*/{session_id}/memory.current") + \
            glob.glob(f"/sys/fs/cgroup/memory/**/{session_id}/memory.usage_in_bytes", recursive=True):
        return int(open(path).read())
    return None


def plain_memory(profile_marker: bytes) -> dict:
    """The process tree of a Playwright-launched Chromium (found by its temporary profile)."""
    procs = _procs()
    roots = {pid for pid, (_, _, cmd) in procs.items() if profile_marker in cmd}
    tree = set(roots)
    changed = True
    while changed:
        changed = False
        for pid, (_, ppid, _) in procs.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    pss, rss = map(sum, zip(*(_smaps(p) for p in tree)))
    return {"processes": len(tree), "pss_mb": pss / 1024, "rss_mb": rss / 1024, "cgroup_mb": None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", type=int, default=6, help="idle browser sessions at once")
    k = ap.parse_args().k
    rows = []
    with serve_page() as url, sync_playwright() as p:
        # a profile directory of our own names this Chromium's processes among any others
        with tempfile.TemporaryDirectory(prefix="obbench-density-") as profile:
            plain = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium",
                                                         args=FLAGS)
            plain.pages[0].goto(url)
            time.sleep(SETTLE_S)
            rows.append({"what": "plain Playwright Chromium, 1 page", **plain_memory(profile.encode())})
            plain.close()

        with server() as srv, srv.client() as bay:
            sessions = []
            for _ in range(k):
                s = bay.create(CreateSessionParams(image_id="browser")).session
                b = p.chromium.connect_over_cdp(s.browser.get_endpoint_url())
                b.contexts[0].pages[0].goto(url)
                b.close()
                sessions.append(s)
            time.sleep(SETTLE_S)
            per = [sandbox_memory(s.session_id) for s in sessions]
            for s in sessions:
                s.delete()
    for i, m in enumerate(per):
        rows.append({"what": f"openbay browser session {i + 1}", **m})
    mean = {key: sum(m[key] for m in per) / len(per) for key in ("pss_mb", "rss_mb")}
    cgroups = [m["cgroup_mb"] for m in per if m["cgroup_mb"]]
    mean["cgroup_mb"] = sum(cgroups) / len(cgroups) if cgroups else None
    rows.append({"what": f"openbay, mean of {k}",
                 "processes": round(sum(m["processes"] for m in per) / len(per), 1), **mean})
    for r in rows:
        r["fit_in_24GB_by_pss"] = int(BUDGET_GB * 1024 / r["pss_mb"])
        for key in ("pss_mb", "rss_mb", "cgroup_mb"):
            r[key] = round(r[key], 1) if r[key] is not None else "-"
    print_table("Idle browser: memory per session (MB)", rows,
                ["what", "processes", "pss_mb", "rss_mb", "cgroup_mb", "fit_in_24GB_by_pss"])
    worst = max(mean["pss_mb"], mean["cgroup_mb"] or 0)
    print(f"per session: PSS {mean['pss_mb']:.0f} MB, cgroup {mean['cgroup_mb'] or 0:.0f} MB; "
          f"about {int(BUDGET_GB * 1024 / worst)} fit in {BUDGET_GB} GB by the larger; goal <= {GOAL_MB:.0f} MB: "
          + ("met" if worst <= GOAL_MB else "NOT met"))
    write_json("browser_density", {"goal_mb": GOAL_MB, "sessions": k, "rows": rows,
                                   "goal_met": worst <= GOAL_MB,
                                   "fit_in_24GB": int(BUDGET_GB * 1024 / worst)})


if __name__ == "__main__":
    main()
