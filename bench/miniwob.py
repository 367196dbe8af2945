"""MiniWoB++ through OpenBay's browser agent: success rate, steps and tokens per task.

The tasks are the HTML pages the `miniwob` package on PyPI ships (an optional bench
dependency: `pip install -e '.[bench]'`), served here on loopback; each episode starts
with a seed, the agent gets the task's own instruction (its "utterance"), and the
episode's reward (MiniWoB's raw reward, > 0 is a success) says how it went.

    # a real model (any OpenAI-compatible endpoint), the default task set, 5 episodes each
    OPENBAY_LLM_BASE_URL=http://127.0.0.1:8080/v1 OPENBAY_LLM_MODEL=qwen2.5-7b \\
        .venv/bin/python bench/miniwob.py --episodes 5
    # some tasks only
    .venv/bin/python bench/miniwob.py --tasks click-button,enter-text --episodes 10
    # the scripted model: checks the plumbing only (click-button)
    .venv/bin/python bench/miniwob.py --scripted

With a real model this is how to compare models; with the scripted model it only
shows that serving, the agent and the reward read-out work.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import re
import statistics
import threading
import time
from dataclasses import asdict, dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from _common import print_table, write_json

from openbay.agents.browser_agent import AgentOptions, BrowserAgent
from openbay.agents.llm import ChatClient, LLMConfig, LLMError
from openbay.browser.launch import open_browser
from tests.helpers.scripted_llm import ScriptedLLM, TargetNotFound, Turn, call, index_of

DEFAULT_TASKS = ("click-button", "click-link", "click-checkboxes", "enter-text", "focus-text", "click-dialog",
                 "login-user", "choose-list", "click-tab", "enter-password")
EPISODE_S = 120  # MiniWoB's own timer (10 s) is for RL agents; a model step takes longer
TASK_NOTE = ("\n\n(This is a MiniWoB++ task on the current page: do it there, in the task area; do not open "
             "other pages. Call done when you have finished.)")


class EpisodeOver(Exception):
    """The page ended the episode (a submit, a wrong click): stop the agent."""


@dataclass
class Episode:
    task: str
    seed: int
    utterance: str
    reward: float
    success: bool
    steps: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    error: str = ""


def html_root() -> Path:
    """The task pages of the installed `miniwob` package (found without importing it)."""
    try:
        root = Path(str(distribution("miniwob").locate_file("miniwob/html")))
    except PackageNotFoundError:
        raise SystemExit("the miniwob package is not installed: pip install -e '.[bench]'") from None
    if not (root / "miniwob").is_dir():
        raise SystemExit(f"no MiniWoB++ pages under {root}")
    return root


@contextlib.contextmanager
def serve(root: Path):
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class EpisodeHooks:
    """AgentHooks that end the run once the page says the episode is over."""

    def __init__(self, browser):
        self.browser, self.steps = browser, 0

    async def emit(self, type, payload):
        pass

    async def ask_user(self, question, kind="question"):
        return None  # nobody to ask in a benchmark

    async def record_step(self, step):
        self.steps = step.step
        page = await self.browser.page()
        if await page.evaluate("typeof WOB_DONE_GLOBAL !== 'undefined' && WOB_DONE_GLOBAL"):
            raise EpisodeOver


async def run_episode(browser, client: ChatClient, site: str, task: str, seed: int, max_steps: int) -> Episode:
    page = await browser.page()
    await page.goto(f"{site}/miniwob/{task}.html")
    utterance = await page.evaluate("""([seed, ms]) => { Math.seedrandom(String(seed));
        core.EPISODE_MAX_TIME = ms; core.startEpisodeReal(); return core.getUtterance(); }""",
                                    [seed, EPISODE_S * 1000])
    hooks = EpisodeHooks(browser)
    agent = BrowserAgent(client, browser, hooks, AgentOptions(max_steps=max_steps))
    started, error = time.monotonic(), ""
    try:
        outcome = await agent.run(utterance + TASK_NOTE)
        error = outcome.error
    except EpisodeOver:
        pass
    except LLMError as e:
        error = str(e)
    reward = float(await page.evaluate("WOB_DONE_GLOBAL ? WOB_RAW_REWARD_GLOBAL : 0"))
    return Episode(task, seed, utterance, reward, reward > 0, hooks.steps, agent.usage.prompt_tokens,
                   agent.usage.completion_tokens, round(time.monotonic() - started, 2), error if reward <= 0 else "")


def click_button_solver(body: dict) -> Turn:
    """The scripted model's one skill: MiniWoB's click-button ('Click on the "X" button.')."""
    task = next(m["content"] for m in body["messages"] if m["role"] == "user")
    label = re.search(r'Click on the "(.+?)" button', task)
    try:
        return call("click_element", index=index_of(body, f">{label.group(1)}</button>"))
    except (AttributeError, TargetNotFound):
        return call("done", text="cannot tell which button", success=False)


async def run(tasks: list[str], episodes: int, max_steps: int, llm: LLMConfig, scripted: ScriptedLLM | None,
              ) -> list[Episode]:
    out = []
    with serve(html_root()) as site:
        client = ChatClient(llm)
        try:
            async with open_browser() as browser:
                for task in tasks:
                    for seed in range(episodes):
                        if scripted is not None:
                            scripted.set_script([click_button_solver] * max_steps)
                        out.append(await run_episode(browser, client, site, task, seed, max_steps))
        finally:
            await client.close()
    return out


def summarise(episodes: list[Episode]) -> list[dict]:
    rows = []
    for task in dict.fromkeys(e.task for e in episodes):
        mine = [e for e in episodes if e.task == task]
        rows.append({"task": task, "episodes": len(mine),
                     "success rate": round(sum(e.success for e in mine) / len(mine), 2),
                     "mean reward": round(statistics.mean(e.reward for e in mine), 2),
                     "steps (mean)": round(statistics.mean(e.steps for e in mine), 1),
                     "tokens in (mean)": round(statistics.mean(e.prompt_tokens for e in mine)),
                     "tokens out (mean)": round(statistics.mean(e.completion_tokens for e in mine)),
                     "s per episode": round(statistics.mean(e.seconds for e in mine), 1)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS), help="comma-separated MiniWoB++ task names")
    parser.add_argument("--episodes", type=int, default=3, help="episodes (seeds 0..n-1) per task")
    parser.add_argument("--max-steps", type=int, default=10)
    parser.add_argument("--scripted", action="store_true", help="the scripted model (click-button only)")
    args = parser.parse_args()
    scripted = ScriptedLLM() if args.scripted else None
    tasks = ["click-button"] if args.scripted and args.tasks == ",".join(DEFAULT_TASKS) else args.tasks.split(",")
    if scripted is not None:
        llm = LLMConfig(base_url=scripted.base_url, model="scripted")
    else:
        llm = LLMConfig.from_env()
    try:
        episodes = asyncio.run(run(tasks, args.episodes, args.max_steps, llm, scripted))
    finally:
        if scripted is not None:
            scripted.close()
    rows = summarise(episodes)
    total = sum(e.success for e in episodes) / max(1, len(episodes))
    print_table(f"MiniWoB++ with {llm.model} ({args.episodes} episodes per task, at most {args.max_steps} steps): "
                f"success {total:.0%} overall", rows, list(rows[0]) if rows else [])
    write_json("miniwob", {"model": llm.model, "base_url": llm.base_url if scripted is None else "scripted",
                           "success_rate": round(total, 3), "tasks": rows,
                           "episodes": [asdict(e) for e in episodes],
                           "host": os.uname().nodename})


if __name__ == "__main__":
    main()
