"""Browser session create → CDP connected → page.goto(local page) → delete, through the SDK
and Playwright's connect_over_cdp against a real `openbay serve`; cold and with the warm pool.

Baseline in the same run: plain Playwright `chromium.launch(executable_path=/usr/bin/chromium)`
→ new page → goto → close, on the host, no sandbox.

    .venv/bin/python bench/browser_create.py [-n 10]
"""
import argparse
import contextlib
import time
from http.server import BaseHTTPRequestHandler

import httpx
from _common import print_table, server, summary, write_json
from playwright.sync_api import sync_playwright

from openbay import CreateSessionParams
from tests.helpers import webhost

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


@contextlib.contextmanager
def serve_page():
    """On the tests' web host, which a session's browser reaches (its network is its own); a
    plain Playwright browser on the host reaches it as well. Yields the page's URL; the page
    is served until the block ends (a context entered by hand and dropped is closed at once)."""
    with webhost.http_server(_Page) as httpd:
        yield f"http://{webhost.ADDRESS}:{httpd.server_port}/"


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

    def round_trips(self, stage: str, page, n: int = 20):
        """The mean of n page.evaluate("1") (one CDP round trip each), outside the cycle's total."""
        t = time.perf_counter()
        for _ in range(n):
            page.evaluate("1")
        elapsed = time.perf_counter() - t
        self.rows.setdefault(stage, []).append(elapsed * 1000 / n)
        self._start += elapsed
        self._t += elapsed

    def end(self, total: str):
        self.rows.setdefault(total, []).append((time.perf_counter() - self._start) * 1000)


def plain_cycle(p, url: str, out: Stages) -> None:
    out.begin()
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
    page = browser.new_page()
    out.mark("plain: launch + new page")
    page.goto(url)
    out.mark("plain: goto")
    out.round_trips("plain: one CDP round trip (page.evaluate)", page)
    browser.close()
    out.mark("plain: close")
    out.end("plain Playwright launch → goto → close")


def openbay_cycle(p, bay, url: str, out: Stages, label: str, envs: dict | None = None) -> None:
    out.begin()
    session = bay.create(CreateSessionParams(image_id="browser", envs=envs or {})).session
    out.mark(f"{label}: create")
    browser = p.chromium.connect_over_cdp(session.browser.get_endpoint_url())
    page = browser.contexts[0].pages[0]
    out.mark(f"{label}: CDP connected")
    page.goto(url)
    out.mark(f"{label}: goto")
    out.round_trips(f"{label}: one CDP round trip (page.evaluate)", page)
    browser.close()
    session.delete()
    out.mark(f"{label}: delete")
    out.end(f"openbay {label}: create → CDP → goto → delete")


def pool_ready(base_url: str, admin_key: str) -> bool:
    text = httpx.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {admin_key}"}).text
    return any(line.strip() == "openbay_browser_pool_ready 1" for line in text.splitlines())


def wait_for_pool(base_url: str, admin_key: str) -> None:
    deadline = time.monotonic() + 120
    while not pool_ready(base_url, admin_key):  # refilling happens between cycles, untimed
        if time.monotonic() > deadline:
            raise SystemExit("the warm pool did not refill within 120 s")
        time.sleep(0.05)
    time.sleep(0.3)  # let the refill's CPU burst settle before the next timed cycle


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10, help="timed cycles per row")
    ap.add_argument("--sandbox-cpus", type=float, default=1.0,
                    help="OPENBAY_SANDBOX_CPUS: the sandbox's CPU quota (plain Chromium has none)")
    args = ap.parse_args()
    n, limits = args.n, {"sandbox_cpus": args.sandbox_cpus}
    out = Stages()
    # the three kinds take turns, so a change in the machine's load hits them alike; before
    # each cycle the warm pool is full again, so no refill runs during a timed cycle
    # One server (two would hand out the same sandbox uids): a create with envs does not fit
    # the pool, so it starts cold.
    with serve_page() as url, sync_playwright() as p, server(pool_browser=1, **limits) as srv, \
            srv.client() as bay:
        for i in range(n + 1):
            for cycle in (lambda: plain_cycle(p, url, out),
                          lambda: openbay_cycle(p, bay, url, out, "cold", envs={"COLD": "1"}),
                          lambda: openbay_cycle(p, bay, url, out, "warm")):
                wait_for_pool(srv.base_url, srv.admin_key)
                cycle()
            if i == 0:  # the first round warms caches: not counted
                out.rows.clear()

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
        "sandbox_cpus": args.sandbox_cpus, "goal_cold_ratio": GOAL_COLD_RATIO, "cold_ratio": round(ratio, 3),
        "goal_warm_p50_ms": GOAL_WARM_P50_MS, "cold_goal_met": ratio <= GOAL_COLD_RATIO,
        "warm_goal_met": warm <= GOAL_WARM_P50_MS, "rows": table, "samples_ms": out.rows})


if __name__ == "__main__":
    main()
