"""A tour of OpenBay: sessions, commands, files, code and the browser, against a running server.

Run it with the server up (scripts/run.sh does both). The key and URL come from
OPENBAY_API_KEY / OPENBAY_BASE_URL, or from the local server's state directory.
"""
import time

from playwright.sync_api import sync_playwright

from openbay import CreateSessionParams, OpenBay
from openbay.sdk.errors import GoneError

PAGE = """<!doctype html><title>OpenBay demo</title>
<button onclick="document.querySelector('#out').textContent = 'clicked at ' + Date.now()">Go</button>
<p id="out">not clicked yet</p>"""


def serve_page(session) -> str:
    """A page served inside the session (a session has a network of its own: the host's
    loopback is out of its reach), for its browser to visit."""
    session.file_system.create_directory("/srv/demo")
    session.file_system.write_file("/srv/demo/index.html", PAGE)
    session.command.execute_command(
        "cd /srv/demo && nohup python3 -m http.server 8000 >/dev/null 2>&1 & "
        "for i in $(seq 50); do curl -s localhost:8000 >/dev/null && break; sleep 0.1; done")
    return "http://127.0.0.1:8000/"


def step(title: str) -> None:
    print(f"\n== {title}")


def main() -> None:
    with OpenBay() as bay:
        step("create a linux session")
        t = time.perf_counter()
        r = bay.create(CreateSessionParams(image_id="linux", labels={"project": "demo"}))
        s = r.session
        print(f"{s.session_id} ready in {(time.perf_counter() - t) * 1000:.0f} ms (request {r.request_id})")

        step("run commands in it")
        out = s.command.execute_command("echo hi && uname -srm && id", timeout_ms=5000)
        print(out.output, end="")
        out = s.command.execute_command("for i in 1 2 3; do echo tick $i; sleep 0.2; done",
                                        on_stdout=lambda text: print("  streamed:", text, end=""))
        print(f"exit code {out.exit_code}")
        out = s.command.execute_command("sleep 10", timeout_ms=300)
        print(f"a 10 s sleep with a 300 ms timeout: {out.error_message}")

        step("labels, info, lists, link")
        s.set_labels({"project": "demo", "env": "test"})
        print("labels:", s.get_labels())
        info = s.info()
        print(f"status {info.status.value}, idle timeout {info.timeout_s} s, expires {info.expires_at:%H:%M:%S}")
        page = bay.list(labels={"project": "demo"}, limit=10)
        print(f"{page.total_count} session(s) labelled project=demo: {page.session_ids}")
        print("session page:", s.get_link())

        step("files and code")
        s.file_system.write_file("/home/user/notes/todo.txt", "buy milk\n")
        s.file_system.write_file("/home/user/notes/todo.txt", "ship openbay\n", mode="append")
        print("todo.txt:", s.file_system.read_file("/home/user/notes/todo.txt").content.splitlines())
        print("ls notes:", [e.name for e in s.file_system.list_directory("/home/user/notes").entries])
        r = s.code.run_code("import sys\nx = 6 * 7\nprint(sys.version.split()[0])\nx")
        print(f"run_code: stdout {r.stdout.strip()!r}, result {r.result!r}")

        step("isolation: the sandbox sees only itself")
        print(s.command.execute_command("ls /; ps -e | wc -l").output, end="")

        step("delete")
        s.delete()
        try:
            bay.get(s.session_id)
            print("deleted: True -> still there?")
        except GoneError:  # a deleted session is gone: its id answers 410
            print("deleted: True -> deleted")

        step("a browser session, driven with Playwright over CDP")
        t = time.perf_counter()
        b = bay.create(CreateSessionParams(image_id="browser")).session
        print(f"{b.session_id} with Chromium up in {(time.perf_counter() - t) * 1000:.0f} ms")
        url = serve_page(b)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.connect_over_cdp(b.browser.get_endpoint_url())
                page = browser.contexts[0].pages[0]
                page.goto(url)
                page.click("text=Go")
                print("page says:", page.text_content("#out"))
                browser.close()
            png = b.browser.screenshot()
            with open("demo-screenshot.png", "wb") as f:
                f.write(png)
            print(f"screenshot: {len(png)} bytes -> demo-screenshot.png")
            print("watch it live:", b.get_link())
        finally:
            b.delete()


if __name__ == "__main__":
    main()
