"""What every benchmark shares: timing, percentiles, a table, JSON results, a real server.

Benchmarks run as root (the local backend runs runc, mounts and network namespaces) and
against a real `openbay serve` child process on loopback, so the client and the
server do not share a GIL, as for a real user.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(ROOT))  # `python bench/x.py` from the checkout, no install needed


def timed_ms(fn, n: int, warmup: int = 0) -> list[float]:
    """Wall time of `n` calls of fn() in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def interleaved_ms(rows: dict, n: int, warmup: int = 0, block: int = 1) -> dict[str, list[float]]:
    """Like `timed_ms` for several rows at once, taking turns `block` calls at a time.

    The machine is shared and its load swings by the second; taking turns puts
    every row under the same load, so rows compare even when absolute numbers drift.
    A block of calls in a row keeps the processes a row talks to awake, as for a
    client that makes calls in a loop; block=1 measures every call from cold.
    """
    samples: dict[str, list[float]] = {name: [] for name in rows}
    for name, fn in rows.items():
        for _ in range(warmup):
            fn()
    while len(next(iter(samples.values()))) < n:
        for name, fn in rows.items():
            for _ in range(min(block, n - len(samples[name]))):
                t = time.perf_counter()
                fn()
                samples[name].append((time.perf_counter() - t) * 1000)
    return samples


def summary(samples: list[float]) -> dict:
    """p50/p95/mean/min of samples (ms), rounded for humans and JSON alike."""
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(round(q * (len(s) - 1))))]  # noqa: E731
    return {"n": len(s), "p50": round(pick(0.50), 3), "p95": round(pick(0.95), 3),
            "mean": round(statistics.fmean(s), 3), "min": round(s[0], 3)}


def print_table(title: str, rows: list[dict], columns: list[str]) -> None:
    """A markdown table (so it pastes straight into RESULTS.md)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join(" --- " for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |")
    print()


def _cell(v) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def write_json(name: str, data: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    meta = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "host_cpus": os.cpu_count(),
            "python": platform.python_version(), "kernel": platform.release(),
            # the machine is shared: a load over its cpu count inflates every row
            "loadavg_1m": os.getloadavg()[0]}
    path.write_text(json.dumps({"bench": name, "meta": meta, **data}, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)} (load average {meta['loadavg_1m']:.1f} on {os.cpu_count()} cpus)")
    return path


@contextlib.contextmanager
def server(**env):
    """A real `openbay serve` on loopback with a fresh state directory; yields RunningServer.

    Keyword arguments become OPENBAY_<NAME> variables (rate_limit_per_s=0 ...).
    The rate limiter is off unless asked for: benchmarks are not abuse.
    """
    from tests.helpers.server import process_server
    env = {"rate_limit_per_s": 0, **env}
    overrides = {f"OPENBAY_{k.upper()}": str(v) for k, v in env.items()}
    with tempfile.TemporaryDirectory(prefix="obbench-", dir="/tmp") as home:
        with process_server(Path(home), overrides) as (running, proc):
            running.pid = proc.pid
            # the helper pipes the server's output: keep reading it so a chatty
            # server never blocks on a full pipe in the middle of a measurement
            for pipe in (proc.stdout, proc.stderr):
                threading.Thread(target=pipe.read, daemon=True).start()
            yield running


@contextlib.contextmanager
def local_backend():
    """The local (runc) backend itself, in this process, for rows without the server.

    Yields (backend, run): `run(coro)` runs a coroutine on the backend's own
    event loop, so synchronous benchmark code can take turns with SDK calls.
    """
    from openbay.sandbox.runc.local import LocalBackend
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory(prefix="obbench-sb-", dir="/var/lib/openbay") as root:
        backend = LocalBackend(Path(root))
        backend.check()
        try:
            yield backend, loop.run_until_complete
        finally:
            loop.run_until_complete(backend.close())
            loop.close()


def spec(session_id: str, network: bool = True):
    from openbay.sandbox.backend import SandboxSpec
    return SandboxSpec(session_id=session_id, image_id="linux", network=network)
