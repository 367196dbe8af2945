"""Cold session create + delete for `linux`, through the SDK against a real server.

Baselines in the same run: a raw subprocess, a bare bubblewrap sandbox running
/bin/true, and the same sandbox starting python3 with asyncio (the floor of
envd's start). The backend row (LocalBackend start+stop in this process, no
HTTP, no store) splits the server's share from the sandbox's.

    .venv/bin/python bench/session_create.py [-n 40]
"""
import argparse
import asyncio
import itertools
import subprocess

from _common import atimed_ms, local_backend, print_table, server, spec, summary, timed_ms, write_json

GOAL_P50_MS = 150.0
# the namespaces and mounts every sandbox gets (see LocalBackend), without envd
BWRAP = ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
         "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr",
         "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
         "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev",
         "--tmpfs", "/tmp", "--"]


def run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)


async def backend_cycle_ms(n: int, warmup: int) -> list[float]:
    ids = (f"s-bench{i:06d}" for i in itertools.count())
    async with local_backend() as backend:
        async def cycle():
            sid = next(ids)
            await backend.start(spec(sid))
            await backend.stop(sid)
        return await atimed_ms(cycle, n, warmup)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=40, help="timed iterations per row")
    n = ap.parse_args().n
    warm = 3
    rows = {
        "subprocess.run(['true'])": timed_ms(lambda: run(["true"]), n, warm),
        "bwrap /bin/true": timed_ms(lambda: run(BWRAP + ["/bin/true"]), n, warm),
        "bwrap python3 -c 'import asyncio'": timed_ms(
            lambda: run(BWRAP + ["/usr/bin/python3", "-s", "-E", "-B", "-c", "import asyncio"]), n, warm),
        "backend start+stop (no server)": asyncio.run(backend_cycle_ms(n, warm)),
    }
    with server() as srv, srv.client() as bay:
        def create():
            r = bay.create()
            assert r.success, r.error_message
            return r.session

        def delete(session):
            d = session.delete()
            assert d.success, d.error_message

        rows["SDK create+delete"] = timed_ms(lambda: delete(create()), n, warm)
        made = []
        rows["SDK create"] = timed_ms(lambda: made.append(create()), n)
        rows["SDK delete"] = timed_ms(lambda: delete(made.pop()), n)

    table = [{"what": k, **summary(v)} for k, v in rows.items()]
    print_table("Session create + delete (ms)", table, ["what", "n", "p50", "p95", "mean", "min"])
    p50 = summary(rows["SDK create+delete"])["p50"]
    print(f"SDK create+delete p50 {p50:.1f} ms; goal <= {GOAL_P50_MS:.0f} ms: "
          + ("met" if p50 <= GOAL_P50_MS else "NOT met"))
    write_json("session_create", {"goal_p50_ms": GOAL_P50_MS, "goal_met": p50 <= GOAL_P50_MS,
                                  "rows": table, "samples_ms": rows})


if __name__ == "__main__":
    main()
