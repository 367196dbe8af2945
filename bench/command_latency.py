"""Round trip of `execute_command("true")` through the SDK, against a plain subprocess.

Rows, each a layer more than the one above, so the table says where time goes:
  subprocess.run(['true'])          the baseline: what a local process costs
  subprocess.run(['bash','-c',..])  the shell every command runs in (bash -c semantics)
  envd exec (unix socket)           envd alone: host client -> socket -> envd -> bash
  HTTP GET /healthz (httpx)         the HTTP floor: httpx + uvicorn + middleware
  SDK execute_command('true')       everything: SDK, HTTP, auth, route, envd

    .venv/bin/python bench/command_latency.py [-n 500]
"""
import argparse
import asyncio
import subprocess

import httpx

from _common import atimed_ms, local_backend, print_table, server, spec, summary, timed_ms, write_json

GOAL_OVERHEAD_MS = 5.0


async def envd_exec_ms(n: int, warmup: int) -> list[float]:
    async with local_backend() as backend:
        sandbox = await backend.start(spec("s-benchcmd0000"))
        request = {"command": "true", "timeout_ms": 10_000}
        return await atimed_ms(lambda: sandbox.envd.exec(request), n, warmup)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=500, help="timed iterations per row")
    n = ap.parse_args().n
    warm = max(10, n // 20)
    rows = {
        "subprocess.run(['true'])": timed_ms(lambda: subprocess.run(["true"]), n, warm),
        "subprocess.run(['bash','-c','true'])": timed_ms(
            lambda: subprocess.run(["bash", "-c", "true"]), n, warm),
        "envd exec (unix socket)": asyncio.run(envd_exec_ms(n, warm)),
    }
    with server() as srv, srv.client() as bay, httpx.Client(base_url=srv.base_url) as http:
        rows["HTTP GET /healthz (httpx)"] = timed_ms(lambda: http.get("/healthz"), n, warm)
        session = bay.create().session
        try:
            def execute():
                r = session.command.execute_command("true")
                assert r.success and r.exit_code == 0, r.error_message

            rows["SDK execute_command('true')"] = timed_ms(execute, n, warm)
        finally:
            session.delete()

    base = summary(rows["subprocess.run(['true'])"])
    table = []
    for what, samples in rows.items():
        s = summary(samples)
        table.append({"what": what, **s, "p50 over baseline": round(s["p50"] - base["p50"], 3)})
    print_table("Command round trip (ms)", table,
                ["what", "n", "p50", "p95", "mean", "min", "p50 over baseline"])
    overhead = table[-1]["p50 over baseline"]
    print(f"SDK overhead over subprocess.run p50 {overhead:.2f} ms; goal <= {GOAL_OVERHEAD_MS:.0f} ms: "
          + ("met" if overhead <= GOAL_OVERHEAD_MS else "NOT met"))
    write_json("command_latency", {"goal_overhead_ms": GOAL_OVERHEAD_MS,
                                   "overhead_p50_ms": overhead,
                                   "goal_met": overhead <= GOAL_OVERHEAD_MS,
                                   "rows": table, "samples_ms": rows})


if __name__ == "__main__":
    main()
