"""A template of `linux` plus one Debian package, built through the SDK against a real server.

Built twice (the second build finds the package in the shared apt cache). Baseline in the
same run: the same `apt-get install` in a running session (the work without making a layer
of it). Goal: <= 60 s with a warm package cache.

    .venv/bin/python bench/template_build.py [--package figlet]
"""
import argparse
import time

from _common import print_table, server, write_json

GOAL_S = 60.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", default="figlet")
    pkg = ap.parse_args().package
    rows = []
    with server() as srv, srv.client() as bay:
        s = bay.create().session
        t = time.perf_counter()
        out = s.command.execute_command(f"apt-get update -q && apt-get install -y -q {pkg}", timeout_ms=600_000)
        rows.append({"what": f"apt-get install {pkg} in a session (baseline)", "s": round(time.perf_counter() - t, 1),
                     "ok": out.exit_code == 0})
        s.delete()
        for attempt in ("first build", "second build (warm cache)"):
            t = time.perf_counter()
            info = bay.template.build(f"bench-{pkg}", apt=[pkg])
            rows.append({"what": f"template linux + {pkg}, {attempt}", "s": round(time.perf_counter() - t, 1),
                         "ok": info.name == f"bench-{pkg}"})
            bay.template.delete(info.name)
    print_table("Template build (s)", rows, ["what", "s", "ok"])
    met = rows[-1]["s"] <= GOAL_S and all(r["ok"] for r in rows)
    print(f"warm build {rows[-1]['s']} s; goal <= {GOAL_S:.0f} s: " + ("met" if met else "NOT met"))
    write_json("template_build", {"goal_s": GOAL_S, "goal_met": met, "rows": rows})


if __name__ == "__main__":
    main()
