"""Session create for `linux`, through the SDK against a real server: cold, and from a warm pool.

Baselines in the same run: a raw subprocess and python3 with asyncio imported (the floor
of envd's start). The backend rows (LocalBackend start+stop in this process, no HTTP, no
store) split the server's share from the sandbox's, with and without the session's own
network namespace (what the namespace, veth, nftables rules and DNS add). The cold rows take
turns call by call (see interleaved_ms). The pool row is a second server with
OPENBAY_POOL=linux=2: create only (the delete is not timed).

    .venv/bin/python bench/session_create.py [-n 40]
"""
import argparse
import itertools
import subprocess
import time

import httpx
from _common import interleaved_ms, local_backend, print_table, server, spec, summary, write_json

GOAL_P50_MS = 150.0
GOAL_POOL_MS = 15.0
GOAL_NETNS_MS = 20.0
SDK = "SDK create + first command + delete"
WITH_NET, NO_NET = "backend start+stop, own network", "backend start+stop, no network"
POOL = "SDK create from the warm pool"


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=40, help="timed iterations per row")
    n = ap.parse_args().n
    ids = (f"s-bench{i:06d}" for i in itertools.count())
    with local_backend() as (backend, run_async), server() as srv, srv.client() as bay:
        def backend_cycle(network: bool):
            sid = next(ids)
            run_async(backend.start(spec(sid, network)))
            run_async(backend.stop(sid))

        def sdk_cycle():
            r = bay.create()
            assert r.session.command.execute_command("true").exit_code == 0
            r.session.delete()

        rows = interleaved_ms({
            "subprocess.run(['true'])": lambda: run(["true"]),
            "python3 -S -c 'import asyncio'": lambda: run(["/usr/bin/python3", "-S", "-E", "-B", "-c",
                                                           "import asyncio"]),
            NO_NET: lambda: backend_cycle(False),
            WITH_NET: lambda: backend_cycle(True),
            SDK: sdk_cycle,
        }, n, warmup=3)
    rows[POOL] = pool_creates(n)

    table = [{"what": k, **summary(v)} for k, v in rows.items()]
    print_table("Session create (ms)", table, ["what", "n", "p50", "p95", "mean", "min"])
    p50, pool = summary(rows[SDK])["p50"], summary(rows[POOL])["p50"]
    netns = summary(rows[WITH_NET])["p50"] - summary(rows[NO_NET])["p50"]
    goals = {"cold": p50 <= GOAL_P50_MS, "pool": pool <= GOAL_POOL_MS, "netns": netns <= GOAL_NETNS_MS}
    print(f"{SDK} p50 {p50:.1f} ms (goal <= {GOAL_P50_MS:.0f}); pool create p50 {pool:.1f} ms "
          f"(goal <= {GOAL_POOL_MS:.0f}); the network namespace adds {netns:.1f} ms (goal <= {GOAL_NETNS_MS:.0f}): "
          + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in goals.items()))
    write_json("session_create", {"goals": goals, "netns_added_ms": netns, "rows": table, "samples_ms": rows})


def pool_creates(n: int) -> list[float]:
    """Creates that a warm pool of 2 serves; it refills between them."""
    samples = []
    with server(pool="linux=2") as srv, srv.client() as bay:
        def ready() -> int:
            return int(next(line.split()[-1] for line in
                            httpx.get(srv.base_url + "/metrics", headers={"Authorization": f"Bearer {srv.admin_key}"})
                            .text.splitlines()
                            if line.startswith("openbay_pool_ready")))
        for _ in range(n):
            deadline = time.monotonic() + 60
            while ready() < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            t = time.perf_counter()
            r = bay.create()
            samples.append((time.perf_counter() - t) * 1000)
            r.session.delete()
    return samples


if __name__ == "__main__":
    main()
