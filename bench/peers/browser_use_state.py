"""Page-state capture of browser-use (run with a Python that has `browser-use` from PyPI):
the time of get_browser_state_summary (no screenshot) and the size of the text its
agent sends the model, for each URL given. Prints one JSON object.

    /path/to/venv/bin/python bench/peers/browser_use_state.py URL... [--runs 10]
"""
import argparse
import asyncio
import json
import os
import statistics
import time

os.environ.setdefault("ANONYMIZED_TELEMETRY", "false")
os.environ.setdefault("BROWSER_USE_CLOUD_SYNC", "false")
os.environ.setdefault("BROWSER_USE_LOGGING_LEVEL", "warning")

from browser_use import BrowserProfile, BrowserSession  # noqa: E402

FLAGS = ["--no-first-run", "--disable-gpu", "--disable-quic", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-default-browser-check"]


async def main(urls, runs):
    # the same viewport as OpenBay's agent; its extensions need the internet, which a bench must not
    profile = BrowserProfile(executable_path="/usr/bin/chromium", headless=True, args=FLAGS,
                             user_data_dir=None, keep_alive=False, enable_default_extensions=False,
                             viewport={"width": 1280, "height": 720}, window_size={"width": 1280, "height": 720})
    session = BrowserSession(browser_profile=profile)
    await session.start()
    out = {}
    try:
        for url in urls:
            await session.navigate_to(url)
            await asyncio.sleep(0.5)
            samples, text = [], ""
            for _ in range(runs):
                t = time.perf_counter()
                state = await session.get_browser_state_summary(include_screenshot=False)
                samples.append((time.perf_counter() - t) * 1000)
                text = state.dom_state.llm_representation()
            out[url] = {"p50_ms": round(statistics.median(samples), 2), "chars": len(text),
                        "elements": len(state.dom_state.selector_map)}
    finally:
        await session.kill()
    print(json.dumps(out))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("urls", nargs="+")
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    asyncio.run(main(a.urls, a.runs))
