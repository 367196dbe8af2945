"""A cached browser-operator act next to the same act uncached (the scripted model) and a
raw Playwright click over the session's CDP endpoint, in the same run.

All three click the same button of a page on loopback in a browser session of a real
`openbay serve`; the two acts go through the SDK and the REST API. A cached act is
looked up by instruction, URL and page structure and replayed by its selector, without
a model call: the goal is p50 <= 50 ms.

    .venv/bin/python bench/operator_act.py [-n 40]
"""
from __future__ import annotations

import argparse

from _common import interleaved_ms, print_table, server, summary, write_json
from playwright.sync_api import sync_playwright

from openbay import CreateSessionParams
from tests.helpers.pages import serve_pages
from tests.helpers.scripted_llm import ScriptedLLM, on_text

GOAL_MS = 50.0
INSTRUCTION = "click the add one button"


def main(n: int) -> None:
    with ScriptedLLM() as model, serve_pages() as site, \
            server(llm_base_url=model.base_url, llm_model="scripted") as running, running.client() as bay:
        session = bay.create(CreateSessionParams(image_id="browser")).session
        try:
            agent = session.browser.agent
            agent.navigate(f"{site}/counter")
            model.set_script([on_text("click", "Add one")] * (n + 10))
            assert agent.act(INSTRUCTION).success  # fills the cache
            with sync_playwright() as pw:
                browser = pw.chromium.connect_over_cdp(session.browser.get_endpoint_url())
                page = browser.contexts[0].pages[0]

                def cached():
                    r = agent.act(INSTRUCTION)
                    assert r.success and r.cached, r

                def uncached():
                    r = agent.act(INSTRUCTION, use_cache=False)
                    assert r.success and not r.cached, r

                samples = interleaved_ms({"cached act (no model call)": cached,
                                          "uncached act (scripted model)": uncached,
                                          "baseline: Playwright click over CDP": lambda: page.click("button")},
                                         n, warmup=2)
                clicks = int(page.inner_text("#c"))
                browser.close()
        finally:
            session.delete()
    rows = [{"row": name, **summary(s)} for name, s in samples.items()]
    cached_p50 = rows[0]["p50"]
    for r in rows:
        r["x baseline"] = round(r["p50"] / rows[2]["p50"], 1)
    print_table(f"Browser operator act ({n} each, interleaved; {clicks} clicks reached the page; "
                f"goal: cached p50 <= {GOAL_MS:g} ms: {'met' if cached_p50 <= GOAL_MS else 'NOT met'})",
                rows, ["row", "p50", "p95", "mean", "x baseline"])
    write_json("operator_act", {"n": n, "goal_ms": GOAL_MS, "rows": rows})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40)
    main(parser.parse_args().n)
