"""Browser tests: a real server, real sandboxes, real Chromium, pages served on loopback."""
import json
from http.server import BaseHTTPRequestHandler

import pytest

from tests.helpers import webhost
from tests.helpers.sessions import new_session

PAGES = {
    "/": """<!doctype html><title>Start</title>
<button id="go" onclick="document.getElementById('out').textContent='clicked'">Go</button>
<p id="out">waiting</p><input id="name" autocomplete="off">""",
    "/tall": """<!doctype html><title>Tall</title><body style="margin:0">
<div style="height:3000px;background:linear-gradient(red,blue)">tall</div></body>""",
    # random pixels do not compress: a screenshot of this is ~12 MB, over one envd frame
    "/noise": """<!doctype html><title>Noise</title><body style="margin:0">
<canvas id="c" width="2000" height="2000" style="display:block"></canvas><script>
const c = document.getElementById("c").getContext("2d"), img = c.createImageData(2000, 2000);
for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : Math.random() * 256;
c.putImageData(img, 0, 0);</script></body>""",
    "/second": """<!doctype html><title>Second</title><body style="background:#0a0">
<h1>second page</h1></body>""",
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/headers":
            body = json.dumps(dict(self.headers.items())).encode()
            ctype = "application/json"
        elif self.path == "/report.csv":
            body, ctype = b"a,b\n1,2\n", "text/csv"
            self.send_response(200)
            self.send_header("Content-Disposition", 'attachment; filename="report.csv"')
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        elif self.path in PAGES:
            body, ctype = PAGES[self.path].encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def pages():
    """Base URL of a small site on the test web host (sessions have networks of their own)."""
    with webhost.http_server(_Pages) as httpd:
        yield f"http://{webhost.ADDRESS}:{httpd.server_port}"


@pytest.fixture
def browser_session(bay):
    with new_session(bay, "browser") as s:
        yield s


HOST_CHROMIUM_FLAGS = ["--headless=new", "--no-first-run", "--disable-gpu", "--disable-quic",
                       "--disable-background-networking", "--disable-component-update",
                       "--disable-sync", "--no-default-browser-check"]


def launch_host_chromium(playwright):
    """A person's browser on the host (for the live view page)."""
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=HOST_CHROMIUM_FLAGS)
