"""Cold session create + delete for `linux`, through the SDK against a real server.

Baselines in the same run: a raw subprocess, a bare bubblewrap sandbox running
/bin/true, and the same sandbox starting python3 with asyncio (the floor of
envd's start). The backend row (LocalBackend start+stop in this process, no
HTTP, no store) splits the server's share from the sandbox's. The rows take
turns call by call (see interleaved_ms); no warm pool: every create is cold.

    .venv/bin/python bench/session_create.py [-n 40]
"""
import argparse
import itertools
import subprocess

from _common import BWRAP, interleaved_ms, local_backend, print_table, server, spec, summary, write_json

GOAL_P50_MS = 150.0
SDK = "SDK create+delete"


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=40, help="timed iterations per row")
    n = ap.parse_args().n
    ids = (f"s-bench{i:06d}" for i in itertools.count())
    with local_backend() as (backend, run_async), server() as srv, srv.client() as bay:
        def backend_cycle():
            sid = next(ids)
            run_async(backend.start(spec(sid)))
            run_async(backend.stop(sid))

        def sdk_cycle():
            r = bay.create()
            assert r.success, r.error_message
            d = r.session.delete()
            assert d.success, d.error_message

        rows = interleaved_ms({
            "subprocess.run(['true'])": lambda: run(["true"]),
            "bwrap /bin/true": lambda: run(BWRAP + ["/bin/true"]),
            "bwrap python3 -S -c 'import asyncio'": lambda: run(
                BWRAP + ["/usr/bin/python3", "-S", "-E", "-B", "-c", "import asyncio"]),
            "backend start+stop (no server)": backend_cycle,
            SDK: sdk_cycle,
        }, n, warmup=3)

    table = [{"what": k, **summary(v)} for k, v in rows.items()]
    print_table("Session create + delete (ms)", table, ["what", "n", "p50", "p95", "mean", "min"])
    p50 = summary(rows[SDK])["p50"]
    met = p50 <= GOAL_P50_MS
    print(f"{SDK} p50 {p50:.1f} ms; goal <= {GOAL_P50_MS:.0f} ms: " + ("met" if met else "NOT met"))
    write_json("session_create", {"goal_p50_ms": GOAL_P50_MS, "goal_met": met, "rows": table,
                                  "samples_ms": rows})


if __name__ == "__main__":
    main()
