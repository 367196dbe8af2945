"""Round trip of an MCP `run_command` ("true") through OpenBay's MCP server, against the
SDK's own `execute_command("true")` in the same run (the baseline).

Rows (taking turns, BLOCK calls at a time, one asyncio loop, the `mcp` SDK's client):
  SDK execute_command('true')          AsyncOpenBay straight to the server
  MCP run_command, stdio               client -> `openbay mcp` child (JSON-RPC on pipes) -> SDK -> server
  MCP run_command, streamable HTTP     client -> /mcp on the server (SSE answer) -> SDK over loopback -> server

    .venv/bin/python bench/mcp_latency.py  (not bench/mcp.py: that name would shadow the mcp package) [-n 300]
"""
import argparse
import asyncio
import os
import sys
import time

import httpx2
from _common import print_table, server, summary, write_json
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from openbay import AsyncOpenBay

GOAL_OVERHEAD_MS = 5.0
BASELINE = "SDK execute_command('true')"
BLOCK = 25


async def interleaved(rows: dict, n: int, warmup: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in rows}
    for fn in rows.values():
        for _ in range(warmup):
            await fn()
    while len(next(iter(samples.values()))) < n:
        for name, fn in rows.items():
            for _ in range(min(BLOCK, n - len(samples[name]))):
                t = time.perf_counter()
                await fn()
                samples[name].append((time.perf_counter() - t) * 1000)
    return samples


async def measure(srv, n: int) -> dict[str, list[float]]:
    env = {**os.environ, "OPENBAY_API_KEY": srv.admin_key, "OPENBAY_BASE_URL": srv.base_url}
    stdio = Client(StdioServerParameters(command=sys.executable, args=["-m", "openbay.cli.main", "mcp"], env=env))
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {srv.admin_key}"}, timeout=60)
    over_http = Client(streamable_http_client(f"{srv.base_url}/mcp", http_client=http))
    async with AsyncOpenBay(api_key=srv.admin_key, base_url=srv.base_url) as bay, stdio, http, over_http:
        session = (await bay.create()).session

        async def sdk():
            r = await session.command.execute_command("true")
            assert r.exit_code == 0, r.error_message

        def via(client):
            async def run_command():
                r = await client.call_tool("run_command", {"session_id": session.session_id, "command": "true"})
                assert not r.is_error, r.content
            return run_command

        try:
            return await interleaved({BASELINE: sdk, "MCP run_command, stdio": via(stdio),
                                      "MCP run_command, streamable HTTP": via(over_http)},
                                     n, warmup=max(10, n // 20))
        finally:
            await session.delete()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=300, help="timed calls per row")
    n = ap.parse_args().n
    load = os.getloadavg()[0]
    with server() as srv:
        rows = asyncio.run(measure(srv, n))
    base = summary(rows[BASELINE])["p50"]
    table = [{"what": what, **summary(v), "p50 over SDK": round(summary(v)["p50"] - base, 3)}
             for what, v in rows.items()]
    print_table(f"MCP run_command round trip (ms), load {load:.1f}", table,
                ["what", "n", "p50", "p95", "mean", "min", "p50 over SDK"])
    worst = max(r["p50 over SDK"] for r in table[1:])
    met = worst <= GOAL_OVERHEAD_MS
    print(f"MCP over the SDK's own execute_command: p50 +{table[1]['p50 over SDK']:.2f} ms (stdio), "
          f"+{table[2]['p50 over SDK']:.2f} ms (HTTP); goal <= {GOAL_OVERHEAD_MS:.0f} ms: "
          + ("met" if met else "NOT met"))
    write_json("mcp_latency", {"goal_overhead_ms": GOAL_OVERHEAD_MS, "worst_overhead_p50_ms": worst, "goal_met": met,
                       "load": load, "rows": table, "samples_ms": rows})


if __name__ == "__main__":
    main()
