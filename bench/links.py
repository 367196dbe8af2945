"""Ports through signed links: what the server's proxy costs over a direct loopback connection.

One run, two rows each, taking turns: a small HTTP GET (p50 through the link minus p50
direct; goal <= 2 ms) and a 100 MiB download (throughput through the link over direct;
goal >= 50%). The app is `python3 -m http.server` inside a session, reached through its
link (server -> envd -> the session's loopback); the baseline is the same program over
the same files on the host, reached directly on loopback (sessions get networks of their
own, so their ports are not reachable from the host).

    .venv/bin/python bench/links.py [-n 300] [--rounds 3]
"""
import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import interleaved_ms, print_table, server, summary, write_json

from tests.helpers.server import free_port

GOAL_OVERHEAD_MS = 2.0
GOAL_THROUGHPUT = 0.5
BIG = 100 * 1024 * 1024
SMALL = b"x" * 1024


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.1)


@contextlib.contextmanager
def host_app():
    """The same app on the host: python3 -m http.server over the same two files."""
    with tempfile.TemporaryDirectory(prefix="oblinks-") as site:
        Path(site, "small.txt").write_bytes(SMALL)
        with open(Path(site, "big.bin"), "wb") as f:
            f.truncate(BIG)
        port = free_port()
        proc = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                 "--directory", site], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}/"
            wait_up(base + "small.txt")
            yield base
        finally:
            proc.terminate()
            proc.wait()


def session_app(session) -> str:
    """The app inside the session; its public link's base URL."""
    session.file_system.write_file("/home/user/site/small.txt", SMALL)
    session.command.execute_command(f"truncate -s {BIG} /home/user/site/big.bin")
    port = free_port()
    session.command.execute_command(f"nohup python3 -m http.server {port} --bind 127.0.0.1 "
                                    f"--directory /home/user/site >/tmp/app.log 2>&1 &")
    base = session.expose_port(port, public=True).url
    wait_up(base + "small.txt")
    return base


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_ms(pid: int, fn, n: int) -> float:
    """The server's CPU time per call of fn (ms): what a request costs whatever the load."""
    before = cpu_s(pid)
    for _ in range(n):
        fn()
    return round((cpu_s(pid) - before) / n * 1000, 3)


def download_mb_s(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    got = 0
    with client.stream("GET", url) as r:
        for chunk in r.iter_raw(1024 * 1024):
            got += len(chunk)
    if got != BIG:
        raise RuntimeError(f"{url}: {got} bytes, not {BIG}")
    return BIG / (1024 * 1024) / (time.perf_counter() - started)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300, help="small GETs per row")
    ap.add_argument("--rounds", type=int, default=3, help="100 MiB downloads per row")
    args = ap.parse_args()
    with server() as srv, host_app() as direct:
        bay = srv.client()
        session = bay.create().session
        try:
            link = session_app(session)
            with httpx.Client(timeout=120) as client:
                gets = interleaved_ms({"direct": lambda: client.get(direct + "small.txt").raise_for_status(),
                                       "link": lambda: client.get(link + "small.txt").raise_for_status()},
                                      n=args.n, warmup=20)
                # the server's own CPU per request: a link GET against the cheapest API call
                cpu = {"link": server_cpu_ms(srv.pid, lambda: client.get(link + "small.txt"), args.n),
                       "healthz": server_cpu_ms(srv.pid, lambda: client.get(srv.base_url + "/healthz"), args.n)}
                speeds: dict[str, list[float]] = {"direct": [], "link": []}
                for _ in range(args.rounds):
                    speeds["direct"].append(download_mb_s(client, direct + "big.bin"))
                    speeds["link"].append(download_mb_s(client, link + "big.bin"))
        finally:
            session.delete()
            bay.close()
    get_rows = {name: summary(samples) for name, samples in gets.items()}
    overhead = round(get_rows["link"]["p50"] - get_rows["direct"]["p50"], 3)
    mb_s = {name: round(sorted(v)[len(v) // 2], 1) for name, v in speeds.items()}
    share = round(mb_s["link"] / mb_s["direct"], 3)
    print_table("Small GET (1 KiB), ms", [{"row": k, **v} for k, v in get_rows.items()],
                ["row", "n", "p50", "p95", "mean", "min"])
    print(f"link overhead p50: {overhead} ms (goal <= {GOAL_OVERHEAD_MS} ms)")
    print(f"server CPU per request: link GET {cpu['link']} ms, GET /healthz {cpu['healthz']} ms")
    print_table("100 MiB download, MiB/s (median of rounds)",
                [{"row": k, "MiB/s": v, "rounds": ", ".join(f"{x:.0f}" for x in speeds[k])} for k, v in mb_s.items()],
                ["row", "MiB/s", "rounds"])
    print(f"link throughput: {share:.0%} of direct (goal >= {GOAL_THROUGHPUT:.0%})")
    write_json("links", {"small_get_ms": get_rows, "overhead_p50_ms": overhead, "server_cpu_ms": cpu,
                         "download_mib_s": mb_s, "download_rounds": speeds, "throughput_share": share,
                         "goals": {"overhead_p50_ms": GOAL_OVERHEAD_MS, "throughput_share": GOAL_THROUGHPUT}})
    return 0 if overhead <= GOAL_OVERHEAD_MS and share >= GOAL_THROUGHPUT else 1


if __name__ == "__main__":
    sys.exit(main())
