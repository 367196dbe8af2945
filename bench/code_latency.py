"""Round trip of `run_code("1+1")` through the SDK, against what a local Python costs.

Rows (taking turns call by call, see interleaved_ms):
  /usr/bin/python3 -c '1+1'       the baseline: a fresh local interpreter per cell
  HTTP GET /healthz (httpx)       the HTTP floor: httpx + uvicorn + middleware
  SDK run_code stateful python    the session's kernel: SDK, HTTP, auth, envd, kernel pipe
  SDK run_code stateful javascript
  SDK run_code stateless python   a fresh kernel process per call, inside the sandbox

    .venv/bin/python bench/code_latency.py [-n 300]
"""
import argparse
import subprocess

import httpx
from _common import interleaved_ms, print_table, server, summary, write_json

GOAL_P50_MS = 20.0
BASELINE = "/usr/bin/python3 -c '1+1' (subprocess)"
STATEFUL = "SDK run_code('1+1') stateful python"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300, help="timed calls per row")
    n = ap.parse_args().n
    from openbay import CreateSessionParams
    with server() as srv, srv.client() as bay, httpx.Client(base_url=srv.base_url) as http:
        session = bay.create(CreateSessionParams(image_id="code")).session
        code = session.code

        def run(language="python", stateful=True):
            def call():
                r = code.run_code("1+1", language=language, stateful=stateful)
                assert r.result == "2", r.error_message
            return call

        try:
            rows = interleaved_ms({
                BASELINE: lambda: subprocess.run(["/usr/bin/python3", "-c", "1+1"], check=True),
                "HTTP GET /healthz (httpx)": lambda: http.get("/healthz"),
                STATEFUL: run(),
                "SDK run_code('1+1') stateful javascript": run("javascript"),
                "SDK run_code('1+1') stateless python": run(stateful=False),
            }, n, warmup=max(5, n // 20))
        finally:
            session.delete()

    base = summary(rows[BASELINE])["p50"]
    table = [{"what": what, **summary(v), "p50 vs baseline": round(summary(v)["p50"] / base, 3)}
             for what, v in rows.items()]
    print_table("run_code round trip (ms)", table,
                ["what", "n", "p50", "p95", "mean", "min", "p50 vs baseline"])
    p50 = summary(rows[STATEFUL])["p50"]
    met = p50 <= GOAL_P50_MS
    print(f"stateful run_code('1+1') p50 {p50:.2f} ms; goal <= {GOAL_P50_MS:.0f} ms: "
          + ("met" if met else "NOT met"))
    write_json("code_latency", {"goal_p50_ms": GOAL_P50_MS, "stateful_p50_ms": p50,
                                "goal_met": met, "rows": table, "samples_ms": rows})


if __name__ == "__main__":
    main()
