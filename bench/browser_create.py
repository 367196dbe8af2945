"""Browser session create → CDP connected → page.goto(local page) → delete, through the SDK
and Playwright's connect_over_cdp against a real `openbay serve`; cold and with the warm pool.

Baseline in the same run: plain Playwright `chromium.launch(executable_path=/usr/bin/chromium)`
→ new page → goto → close, on the host, no sandbox.

    .venv/bin/python bench/browser_create.py [-n 10]
"""
import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from _common import print_table, server, summary, write_json
from playwright.sync_api import sync_playwright

from openbay import CreateSessionParams

GOAL_COLD_RATIO = 1.2
GOAL_WARM_P50_MS = 150.0
FLAGS = ["--headless=new", "--no-first-run", "--disable-gpu", "--disable-quic",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-default-browser-check"]
PAGE = b"<!doctype html><title>bench</title><p>hello</p>"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def serve_page() -> str:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/"


class Stages:
    """Wall time of one cycle and of its stages, in ms."""

    def __init__(self):
        self.rows: dict[str, list[float]] = {}
        self._t = self._start = 0.0

    def begin(self):
        self._t = self._start = time.perf_counter()

    def mark(self, stage: str):
        now = time.perf_counter()
        self.rows.setdefault(stage, []).append((now - self._t) * 1000)
        self._t = now

    def end(self, total: str):
        self.rows.setdefault(total, []).append((time.perf_counter() - self._start) * 1000)


def plain_playwright(p, url: str, n: int, out: Stages) -> None:
    for i in range(n + 1):
        out.begin()
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page()
        out.mark("plain: launch + new page")
        page.goto(url)
        out.mark("plain: goto")
        browser.close()
        out.mark("plain: close")
        if i == 0:  # the first launch warms the page cache: not counted
            out.rows.clear()
            continue
        out.end("plain Playwright launch → goto → close")


def openbay_cycles(p, bay, url: str, n: int, out: Stages, label: str, before=None) -> None:
    for i in range(n + 1):
        if before:
            before()
        out.begin()
        session = bay.create(CreateSessionParams(image_id="browser")).session
        out.mark(f"{label}: create")
        browser = p.chromium.connect_over_cdp(session.browser.get_endpoint_url())
        page = browser.contexts[0].pages[0]
        out.mark(f"{label}: CDP connected")
        page.goto(url)
        out.mark(f"{label}: goto")
        browser.close()
        session.delete()
        out.mark(f"{label}: delete")
        if i == 0:
            for k in [k for k in out.rows if k.startswith(label)]:
                del out.rows[k]
            continue
        out.end(f"openbay {label}: create → CDP → goto → delete")


def pool_ready(base_url: str) -> bool:
    text = httpx.get(f"{base_url}/metrics").text
    return any(line.strip() == "openbay_browser_pool_ready 1" for line in text.splitlines())


def wait_for_pool(base_url: str) -> None:
    deadline = time.monotonic() + 120
    while not pool_ready(base_url):  # refilling happens between cycles, untimed
        if time.monotonic() > deadline:
            raise SystemExit("the warm pool did not refill within 120 s")
        time.sleep(0.05)
    time.sleep(0.3)  # let the refill's CPU burst settle before the next timed cycle


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10, help="timed cycles per row")
    n = ap.parse_args().n
    url = serve_page()
    out = Stages()
    with sync_playwright() as p:
        plain_playwright(p, url, n, out)
        with server() as srv, srv.client() as bay:
            openbay_cycles(p, bay, url, n, out, "cold")
        with server(pool_browser=1) as srv, srv.client() as bay:
            openbay_cycles(p, bay, url, n, out, "warm", before=lambda: wait_for_pool(srv.base_url))

    table = [{"what": k, **summary(v)} for k, v in out.rows.items()]
    print_table("Browser session: create → CDP → goto → delete (ms)", table,
                ["what", "n", "p50", "p95", "mean", "min"])
    s = {r["what"]: r for r in table}
    plain = s["plain Playwright launch → goto → close"]["p50"]
    cold = s["openbay cold: create → CDP → goto → delete"]["p50"]
    warm = s["openbay warm: create → CDP → goto → delete"]["p50"]
    ratio = cold / plain
    print(f"cold p50 {cold:.0f} ms = {ratio:.2f}x plain launch ({plain:.0f} ms); goal <= {GOAL_COLD_RATIO}x: "
          + ("met" if ratio <= GOAL_COLD_RATIO else "NOT met"))
    print(f"warm p50 {warm:.0f} ms; goal <= {GOAL_WARM_P50_MS:.0f} ms: "
          + ("met" if warm <= GOAL_WARM_P50_MS else "NOT met"))
    write_json("browser_create", {
        "goal_cold_ratio": GOAL_COLD_RATIO, "cold_ratio": round(ratio, 3),
        "goal_warm_p50_ms": GOAL_WARM_P50_MS, "cold_goal_met": ratio <= GOAL_COLD_RATIO,
        "warm_goal_met": warm <= GOAL_WARM_P50_MS, "rows": table, "samples_ms": out.rows})


if __name__ == "__main__":
    main()
