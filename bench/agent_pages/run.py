"""Reachability on hard-case pages: for each case a scripted model names each target by
its visible text; we record whether the element list the agent sent contained it
and whether the action had its effect (the page says OK, or the text was extracted).
The baseline, in the same run: how many targets Playwright's own text lookup
(`get_by_text` / `get_by_placeholder` / `get_by_label` on the main frame) finds.

    .venv/bin/python bench/agent_pages/run.py
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import print_table, write_json  # noqa: E402
from cases import CASES, Case  # noqa: E402

from openbay.agents.browser_agent import AgentOptions, BrowserAgent  # noqa: E402
from openbay.agents.llm import ChatClient, LLMConfig  # noqa: E402
from openbay.browser.launch import open_browser  # noqa: E402
from tests.helpers.pages import serve_pages  # noqa: E402
from tests.helpers.scripted_llm import ScriptedLLM, TargetNotFound, call, done, index_of  # noqa: E402


class Quiet:
    async def emit(self, type, payload):
        pass

    async def ask_user(self, question):
        return None

    async def record_step(self, step):
        pass


def script_for(case: Case, url: str, log: dict) -> list:
    """The model's turns: open the page, then one action per step, found by visible text."""
    turns: list = [call("go_to_url", url=url)]

    def find(body, text):
        try:
            index = index_of(body, text)
            log["found"] += 1
            return index
        except TargetNotFound:
            log["missing"].append(text)
            raise

    for action, target, *arg in case.steps:
        arg = arg[0] if arg else None
        if action == "click":
            turns.append(lambda b, t=target: call("click_element", index=find(b, t)))
        elif action == "input":
            turns.append(lambda b, t=target, v=arg: call("input_text", index=find(b, t), text=v))
        elif action == "select":
            turns.append(lambda b, t=target, v=arg: call("select_option", index=find(b, t), option=v))
        elif action == "scroll":
            turns.append(call("scroll", direction="down", pages=arg))
        elif action == "scroll_in":
            turns.append(lambda b, t=target, v=arg: call("scroll", index=find(b, t), pages=v))
        elif action == "wait":
            turns.append(call("wait", seconds=arg))
        elif action == "extract":
            turns.append(call("extract_content", **({"query": target} if target else {})))

            def check(body, expected=arg):
                results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
                log["extracted"] = bool(results) and expected in results[-1]
                return done("ok")
            turns.append(check)
    if not turns or case.steps[-1][0] != "extract":
        turns.append(done("ok"))
    return turns


async def run_case(browser, model: ScriptedLLM, case: Case, site: str) -> dict:
    url = f"{site}/case/{CASES.index(case)}"
    log = {"found": 0, "missing": [], "extracted": None}
    model.set_script(script_for(case, url, log))
    client = ChatClient(LLMConfig(base_url=model.base_url, model="oracle"), retries=0)
    started = time.perf_counter()
    try:
        outcome = await BrowserAgent(client, browser, Quiet(), AgentOptions(max_steps=20)).run(case.name)
        error = outcome.error
    except Exception as e:  # a target the model could not name: the script ends with an error
        error = str(e)[:200]
    finally:
        await client.close()
    page = await browser.page()
    effect = log["extracted"] if log["extracted"] is not None else (await page.title()) == "OK"
    targets = sum(1 for s in case.steps if s[0] in ("click", "input", "select", "scroll_in"))
    return {"case": case.name, "targets": targets, "reached": log["found"], "effect": bool(effect),
            "missing": ", ".join(log["missing"]), "error": "" if effect else error,
            "seconds": round(time.perf_counter() - started, 2)}


async def baseline_case(browser, case: Case, site: str) -> int:
    """Targets Playwright finds by text on the main frame as first loaded (no agent, no scrolling)."""
    page = await browser.page()
    await page.goto(f"{site}/case/{CASES.index(case)}")
    found = 0
    for action, target, *_ in case.steps:
        if action not in ("click", "input", "select", "scroll_in"):
            continue
        text = target.strip("<>").split(" | ")[0]
        for locate in (page.get_by_text(text), page.get_by_placeholder(text), page.get_by_label(text)):
            try:
                if await locate.first.is_visible(timeout=200):
                    found += 1
                    break
            except Exception:
                pass
    return found


async def main() -> None:
    pages, cross = {}, {}
    for i, case in enumerate(CASES):
        pages[f"/case/{i}"] = case.html
        pages.update(case.extra_pages)
        cross.update(case.cross_origin)
    pages.update(cross)
    rows = []
    with serve_pages(pages) as site, ScriptedLLM() as model:
        for case in CASES:
            async with open_browser() as browser:  # a clean browser per case: tabs, dialogs
                row = await run_case(browser, model, case, site)
                row["baseline reached"] = await baseline_case(browser, case, site)
            rows.append(row)
    targets = sum(r["targets"] for r in rows)
    reached = sum(r["reached"] for r in rows)
    effects = sum(r["effect"] for r in rows)
    base = sum(r["baseline reached"] for r in rows)
    print_table(f"Agent reachability on {len(rows)} hard-case pages", rows,
                ["case", "targets", "reached", "baseline reached", "effect", "missing", "error"])
    summary = {"cases": len(rows), "targets": targets, "reached": reached,
               "reached_pct": round(100 * reached / targets, 1), "effect_pct": round(100 * effects / len(rows), 1),
               "baseline_reached_pct": round(100 * base / targets, 1)}
    print(f"targets reached: {reached}/{targets} ({summary['reached_pct']}%), intended effect: "
          f"{effects}/{len(rows)} cases ({summary['effect_pct']}%); baseline (Playwright text lookup, main "
          f"frame, no scrolling): {base}/{targets} ({summary['baseline_reached_pct']}%)")
    write_json("agent_pages", {"summary": summary, "rows": rows})


if __name__ == "__main__":
    # no options; --help tells what it does
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    asyncio.run(main())
