"""Console pages: how soon each paints in a real Chromium on loopback (goal <= 300 ms).

For each page: from navigation start to first contentful paint, and to the page's data
being in place (the list rows, the task's steps, the terminal and file panes ready).
Baseline in the same run, taking turns: a static HTML page of the same size from a plain
stdlib HTTP server on loopback (the floor of any page).

    .venv/bin/python bench/console_paint.py [-n 20]
"""
import argparse
import contextlib
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import print_table, server, summary, write_json

from openbay import CreateSessionParams

GOAL_MS = 300.0
FLAGS = ["--headless=new", "--no-first-run", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-default-browser-check"]
TIMING = """() => { const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {fcp: fcp ? fcp.startTime : null, load: nav.loadEventEnd}; }"""


@contextlib.contextmanager
def static_site(html: str):
    with tempfile.TemporaryDirectory(prefix="obpaint-") as root:
        Path(root, "page.html").write_text(html)

        class Quiet(SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def log_message(self, *a):
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}/page.html"
        finally:
            httpd.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    with server() as srv, sync_playwright() as p:
        bay = srv.client()
        s = bay.create(CreateSessionParams(image_id="linux", labels={"bench": "paint"})).session
        s.file_system.write_file("/home/user/notes.txt", "a file for the file pane to list\n")  # else it is empty
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        page.goto(srv.base_url + "/console/")
        page.fill("#key", srv.admin_key)
        page.click("text=Sign in")
        page.wait_for_selector("#sessions tbody tr")
        baseline_html = page.content()
        pages = {
            "sign-in page": (srv.base_url + "/console/?signin", "#key", True),
            "sessions list": (srv.base_url + "/console/", f'tr[data-session="{s.session_id}"]', False),
            "session page": (f"{srv.base_url}/console/sessions/{s.session_id}", "#files tbody tr", False),
            "keys page": (srv.base_url + "/console/keys", "#keys tbody tr", False),
        }
        with static_site(baseline_html) as static_url:
            rows = {"static page (baseline)": (static_url, "body", False), **pages}
            samples = {name: {"fcp": [], "ready": []} for name in rows}
            signed_out = browser.new_context().new_page()
            for _ in range(args.n):
                for name, (url, ready, anonymous) in rows.items():
                    tab = signed_out if anonymous else page
                    tab.goto(url)
                    tab.wait_for_selector(ready)
                    ready_ms = tab.evaluate("performance.now()")
                    t = tab.evaluate(TIMING)
                    if t["fcp"] is not None:
                        samples[name]["fcp"].append(t["fcp"])
                    samples[name]["ready"].append(ready_ms)
        browser.close()
        s.delete()
        bay.close()
    table, out = [], {}
    for name, got in samples.items():
        fcp, ready = summary(got["fcp"]), summary(got["ready"])
        out[name] = {"first_paint_ms": fcp, "data_ready_ms": ready}
        table.append({"page": name, "first paint p50": fcp["p50"], "first paint p95": fcp["p95"],
                      "data in place p50": ready["p50"], "data in place p95": ready["p95"],
                      "goal": f"<= {GOAL_MS:.0f} ms" if name in pages else ""})
    print_table("Console pages on loopback (ms from navigation start)", table,
                ["page", "first paint p50", "first paint p95", "data in place p50", "data in place p95", "goal"])
    write_json("console_paint", {"goal_ms": GOAL_MS, "pages": out})


if __name__ == "__main__":
    main()
