"""Per-step overhead of the browser agent on pages of 100, 1,000 and 10,000 elements.

A step = page-state capture + the (scripted, instant) model call + the action +
bookkeeping. The baseline, measured in the same run on the same page and
browser, is the least any agent must do per step: one Playwright click and one
read of the page (its title). Also: the size of the page state sent to the model.

    .venv/bin/python bench/agent_step.py [--steps 20] [--browser-use /path/to/venv/bin/python]

With --browser-use (a Python that has `browser-use` from PyPI installed), the same
pages' state capture is timed in browser-use too, and the size of what it sends the
model, in the same run (bench/peers/browser_use_state.py).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import time
from pathlib import Path

from _common import print_table, summary, write_json

from openbay.agents.browser_agent import AgentOptions, BrowserAgent
from openbay.agents.llm import ChatClient, LLMConfig
from openbay.browser.launch import open_browser
from tests.helpers.pages import serve_pages
from tests.helpers.scripted_llm import ScriptedLLM, call, done, on_text

SIZES = (100, 1_000, 10_000)


def synthetic_page(n: int) -> str:
    """n elements: a tenth buttons, a tenth links, a tenth inputs, the rest text in divs."""
    parts = []
    for i in range(n):
        kind = i % 10
        if kind == 0:
            parts.append(f"<button id='b{i}' onclick='this.dataset.n=(+this.dataset.n||0)+1'>Button {i}</button>")
        elif kind == 1:
            parts.append(f"<a href='#a{i}'>Link {i}</a>")
        elif kind == 2:
            parts.append(f"<input placeholder='Field {i}'>")
        else:
            parts.append(f"<div>Text {i}</div>")
    return f"<!doctype html><title>{n} elements</title><body>{''.join(parts)}</body>"


class TimedClient(ChatClient):
    """The model client, keeping how long each answer took (to take it out of a step)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.times: list[float] = []

    async def complete(self, *a, **kw):
        t = time.perf_counter()
        try:
            return await super().complete(*a, **kw)
        finally:
            self.times.append((time.perf_counter() - t) * 1000)


class StepTimes:
    """AgentHooks that keep each step's duration and the page state sizes."""

    def __init__(self):
        self.durations: list[float] = []

    async def emit(self, type, payload):
        pass

    async def ask_user(self, question):
        return None

    async def record_step(self, step):
        self.durations.append(step.duration_s * 1000)


async def agent_steps(browser, model: ScriptedLLM, url: str, steps: int) -> tuple[list[float], list[float], int]:
    """Durations of the click steps, the same less each step's own model call, and the state size."""
    targets = [f">Button {10 * (i % 3)}<" for i in range(steps)]  # all three in the first screen
    model.set_script([call("go_to_url", url=url)] + [on_text("click_element", t) for t in targets] + [done("ok")])
    hooks = StepTimes()
    client = TimedClient(LLMConfig(base_url=model.base_url, model="instant"))
    try:
        outcome = await BrowserAgent(client, browser, hooks, AgentOptions(max_steps=steps + 5)).run("bench")
    finally:
        await client.close()
    assert outcome.success, outcome.error
    state_chars = len(model.requests[-1]["messages"][-1]["content"])
    overhead = [d - m for d, m in zip(hooks.durations, client.times)]
    return hooks.durations[1:-1], overhead[1:-1], state_chars  # the click steps only


async def model_only(model: ScriptedLLM, n: int) -> list[float]:
    """The scripted model's own answer time, to tell it apart from the agent's overhead."""
    model.set_script([call("wait", seconds=0)] * n)
    client = ChatClient(LLMConfig(base_url=model.base_url, model="instant"))
    out = []
    for _ in range(n):
        t = time.perf_counter()
        await client.complete([{"role": "user", "content": "x"}], [])
        out.append((time.perf_counter() - t) * 1000)
    await client.close()
    return out


async def baseline_steps(browser, url: str, steps: int) -> list[float]:
    page = await browser.page()
    await page.goto(url)
    out = []
    for i in range(steps):
        t = time.perf_counter()
        await page.click(f"#b{10 * (i % 3)}")
        await page.title()
        out.append((time.perf_counter() - t) * 1000)
    return out


async def state_capture(browser, url: str, runs: int) -> tuple[list[float], int]:
    """Times of a page-state capture; and the size of its element list (the part that
    compares with browser-use's DOM text; ours adds URL, tabs and scroll lines)."""
    page = await browser.page()
    await page.goto(url)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        state = await browser.state()
        out.append((time.perf_counter() - t) * 1000)
    return out, len("\n".join(state.lines))


def browser_use_states(python: str, urls: list[str], runs: int) -> dict:
    script = Path(__file__).with_name("peers") / "browser_use_state.py"
    done = subprocess.run([python, str(script), *urls, "--runs", str(runs)], capture_output=True,
                          text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"browser-use run failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def main(steps: int, browser_use: str | None) -> None:
    pages = {f"/page{n}": synthetic_page(n) for n in SIZES}
    rows = []
    with serve_pages(pages) as site, ScriptedLLM() as model:
        async with open_browser() as browser:
            model_ms = summary(await model_only(model, steps))
            for n in SIZES:
                url = f"{site}/page{n}"
                base = summary(await baseline_steps(browser, url, steps))
                agent_ms, overhead_ms, chars = await agent_steps(browser, model, url, steps)
                agent, overhead = summary(agent_ms), summary(overhead_ms)
                capture_ms, element_chars = await state_capture(browser, url, steps)
                rows.append({"elements": n, "url": url, "state p50 ms": round(statistics.median(capture_ms), 1),
                             "element list chars": element_chars,
                             "agent p50 ms": agent["p50"], "agent p95 ms": agent["p95"],
                             "overhead p50 ms": overhead["p50"], "baseline p50 ms": base["p50"],
                             "overhead x baseline": round(overhead["p50"] / base["p50"], 1),
                             "state chars": chars, "state tokens~": chars // 4,
                             "agent": agent, "overhead": overhead, "baseline": base})
            if browser_use:  # same pages, same server, right after ours
                peer = browser_use_states(browser_use, [r["url"] for r in rows], steps)
                for r in rows:
                    r["browser-use state p50 ms"] = peer[r["url"]]["p50_ms"]
                    r["state x browser-use"] = round(r["state p50 ms"] / peer[r["url"]]["p50_ms"], 2)
                    r["browser-use chars"] = peer[r["url"]]["chars"]
    columns = ["elements", "agent p50 ms", "agent p95 ms", "overhead p50 ms", "baseline p50 ms",
               "overhead x baseline", "state p50 ms", "state chars", "state tokens~", "element list chars"]
    if browser_use:
        columns += ["browser-use state p50 ms", "state x browser-use", "browser-use chars"]
    print_table(f"Browser agent per-step time ({steps} click steps; 'overhead' is a step less its own "
                f"model call; the scripted model alone answers in {model_ms['p50']} ms p50)", rows, columns)
    write_json("agent_step", {"steps": steps, "model": model_ms, "rows": rows})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--browser-use", metavar="PYTHON", help="a Python with browser-use installed")
    args = parser.parse_args()
    asyncio.run(main(args.steps, args.browser_use))
