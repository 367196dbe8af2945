"""Per-step overhead of the browser agent on pages of 100, 1,000 and 10,000 elements.

A step = page-state capture + the (scripted, instant) model call + the action +
bookkeeping. The baseline, measured in the same run on the same page and
browser, is the least any agent must do per step: one Playwright click and one
read of the page (its title). Also: the size of the page state sent to the model.

    .venv/bin/python bench/agent_step.py [--steps 20]
"""
from __future__ import annotations

import argparse
import asyncio
import time

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


async def agent_steps(browser, model: ScriptedLLM, url: str, steps: int) -> tuple[list[float], int]:
    targets = [f">Button {10 * (i % 3)}<" for i in range(steps)]  # all three in the first screen
    model.set_script([call("go_to_url", url=url)] + [on_text("click_element", t) for t in targets] + [done("ok")])
    hooks = StepTimes()
    client = ChatClient(LLMConfig(base_url=model.base_url, model="instant"))
    try:
        outcome = await BrowserAgent(client, browser, hooks, AgentOptions(max_steps=steps + 5)).run("bench")
    finally:
        await client.close()
    assert outcome.success, outcome.error
    state_chars = len(model.requests[-1]["messages"][-1]["content"])
    return hooks.durations[1:-1], state_chars  # the click steps only


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


async def main(steps: int) -> None:
    pages = {f"/page{n}": synthetic_page(n) for n in SIZES}
    rows = []
    with serve_pages(pages) as site, ScriptedLLM() as model:
        async with open_browser() as browser:
            model_ms = summary(await model_only(model, steps))
            for n in SIZES:
                url = f"{site}/page{n}"
                base = summary(await baseline_steps(browser, url, steps))
                agent_ms, chars = await agent_steps(browser, model, url, steps)
                agent = summary(agent_ms)
                rows.append({"elements": n, "agent p50 ms": agent["p50"], "agent p95 ms": agent["p95"],
                             "overhead p50 ms": round(agent["p50"] - model_ms["p50"], 1),
                             "baseline p50 ms": base["p50"],
                             "x baseline": round(agent["p50"] / base["p50"], 1),
                             "state chars": chars, "state tokens~": chars // 4,
                             "agent": agent, "baseline": base})
    columns = ["elements", "agent p50 ms", "agent p95 ms", "overhead p50 ms", "baseline p50 ms",
               "x baseline", "state chars", "state tokens~"]
    print_table(f"Browser agent per-step time ({steps} click steps; scripted model p50 "
                f"{model_ms['p50']} ms per call, included in 'agent', taken out in 'overhead')", rows, columns)
    write_json("agent_step", {"steps": steps, "model": model_ms, "rows": rows})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    asyncio.run(main(parser.parse_args().steps))
