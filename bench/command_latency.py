"""Round trip of `execute_command("true")` through the SDK, against a plain subprocess.

Rows, each a layer more than the one above, so the table says where time goes:
  subprocess.run(['true'])          the baseline: what a local process costs
  subprocess.run(['bash','-c',..])  the shell every command runs in (bash -c semantics)
  envd exec (unix socket)           envd alone: host client -> socket -> envd -> bash
  HTTP GET /healthz (httpx)         the HTTP floor: httpx + uvicorn + middleware
  SDK execute_command('true')       everything: SDK, HTTP, auth, route, envd
The rows take turns, BLOCK calls at a time (see interleaved_ms).

    .venv/bin/python bench/command_latency.py [-n 500]
"""
import argparse
import subprocess

import httpx
from _common import interleaved_ms, local_backend, print_table, server, spec, summary, write_json

GOAL_OVERHEAD_MS = 5.0
BASELINE = "subprocess.run(['true'])"
BLOCK = 25  # calls in a row per turn: a client running commands in a loop


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=500, help="timed calls per row")
    n = ap.parse_args().n
    with local_backend() as (backend, run), server() as srv, srv.client() as bay, \
            httpx.Client(base_url=srv.base_url) as http:
        sandbox = run(backend.start(spec("s-benchcmd0000")))
        session = bay.create().session

        def execute():
            r = session.command.execute_command("true")
            assert r.exit_code == 0, r.error_message

        rows = interleaved_ms({
            BASELINE: lambda: subprocess.run(["true"]),
            "subprocess.run(['bash','-c','true'])": lambda: subprocess.run(["bash", "-c", "true"]),
            "envd exec (unix socket)": lambda: run(sandbox.envd.exec({"command": "true"})),
            "HTTP GET /healthz (httpx)": lambda: http.get("/healthz"),
            "SDK execute_command('true')": execute,
        }, n, warmup=max(10, n // 20), block=BLOCK)
        session.delete()

    base = summary(rows[BASELINE])["p50"]
    table = [{"what": what, **summary(v), "p50 over baseline": round(summary(v)["p50"] - base, 3)}
             for what, v in rows.items()]
    print_table("Command round trip (ms)", table,
                ["what", "n", "p50", "p95", "mean", "min", "p50 over baseline"])
    overhead = table[-1]["p50 over baseline"]
    met = overhead <= GOAL_OVERHEAD_MS
    print(f"SDK overhead over subprocess.run p50 {overhead:.2f} ms; goal <= {GOAL_OVERHEAD_MS:.0f} ms: "
          + ("met" if met else "NOT met"))
    write_json("command_latency", {"goal_overhead_ms": GOAL_OVERHEAD_MS, "overhead_p50_ms": overhead,
                                   "goal_met": met, "rows": table, "samples_ms": rows})


if __name__ == "__main__":
    main()
