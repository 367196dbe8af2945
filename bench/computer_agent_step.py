"""Screenshot -> model input latency of the computer agent, 1280x800 screen (goal p50 <= 80 ms).

"Model input" is what one step of the agent sends with its question: the screenshot
scaled to fit what the model expects (the PNG itself when it fits, else JPEG), base64,
plus the window list, in the
user message (ComputerAgent.observe + state_message), as the agent does it on the
server: in process, through envd, in a real runc sandbox with Xvfb, with an
xterm and mousepad open.

Baselines in the same run, taking turns call by call: envd's screenshot alone (PNG
bytes, the floor of any screenshot-based step) and the window list alone; and, on the
same PNG in process, the image work alone (as sent; and scaled: decode, resize, JPEG).

    .venv/bin/python bench/computer_agent_step.py [-n 40]
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from _common import print_table, summary, write_json

from openbay.agents.computer import EnvdComputer
from openbay.agents.computer_agent import ComputerAgent
from openbay.agents.screen_image import model_image
from openbay.agents.step_loop import AgentOptions
from openbay.sandbox.backend import SandboxSpec
from openbay.sandbox.runc.local import LocalBackend

GOAL_P50_MS = 80.0
STEP = "screenshot -> model input (1280x800, as sent)"
SCALED = "screenshot -> model input (scaled to 1024x640)"


async def measure(n: int) -> tuple[dict[str, list[float]], dict]:
    with tempfile.TemporaryDirectory(prefix="obbench-sb-", dir="/tmp") as root:
        backend = LocalBackend(Path(root))
        backend.check()
        sandbox = await backend.start(SandboxSpec(session_id="bench-computer-agent", image_id="computer"))
        try:
            computer = EnvdComputer(sandbox.envd)
            await computer.start_app("xterm -geometry 100x30+40+40 -e 'ls -la /usr/bin | head -80; sleep 600'")
            await computer.start_app("mousepad")
            for _ in range(100):  # both windows up, as an agent would see them
                if len(await computer.windows()) >= 2:
                    break
                await asyncio.sleep(0.1)
            full = ComputerAgent(None, computer, None, AgentOptions())
            scaled = ComputerAgent(None, computer, None, AgentOptions(), max_width=1024, max_height=640)
            png = await computer.screenshot()

            async def step(agent):
                return agent.state_message(await agent.observe(), 1, [])

            async def image_only():
                model_image(png)

            async def image_scaled():
                model_image(png, 1024, 640)

            rows = {"envd screenshot -> PNG bytes (baseline)": computer.screenshot,
                    "window list alone": computer.windows,
                    "image work alone, 1280x800 (PNG as it is, base64)": image_only,
                    "image work alone, scaled to 1024x640 (decode, resize, JPEG)": image_scaled,
                    STEP: lambda: step(full), SCALED: lambda: step(scaled)}
            samples: dict[str, list[float]] = {k: [] for k in rows}
            for i in range(n + 3):
                for name, fn in rows.items():
                    t = time.perf_counter()
                    await fn()
                    if i >= 3:
                        samples[name].append((time.perf_counter() - t) * 1000)
            message = await step(full)
            sizes = {"png_bytes": len(png), "image_url_chars": len(message["content"][1]["image_url"]["url"]),
                     "text_chars": len(message["content"][0]["text"])}
            return samples, sizes
        finally:
            await backend.stop(sandbox.session_id)
            await backend.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=40, help="timed steps per row")
    args = ap.parse_args()
    samples, sizes = asyncio.run(measure(args.n))
    table = [{"what": k, **summary(v)} for k, v in samples.items()]
    print_table(f"Computer agent: screenshot -> model input, 1280x800 screen (ms); PNG {sizes['png_bytes']} "
                f"bytes, sent as a {sizes['image_url_chars']}-character data URL", table,
                ["what", "n", "p50", "p95", "mean", "min"])
    p50 = summary(samples[STEP])["p50"]
    met = p50 <= GOAL_P50_MS
    print(f"{STEP} p50 {p50:.1f} ms; goal <= {GOAL_P50_MS:.0f} ms: " + ("met" if met else "NOT met"))
    write_json("computer_agent_step", {"goal_p50_ms": GOAL_P50_MS, "goal_met": met, **sizes, "rows": table,
                                       "samples_ms": samples})


if __name__ == "__main__":
    main()
