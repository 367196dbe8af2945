"""A small web site on loopback for agent tests: pages with the cases an agent meets."""
from __future__ import annotations

import contextlib
from http.server import BaseHTTPRequestHandler

from tests.helpers import webhost

PAGES = {
    "/weather": """<!doctype html><title>Weather</title>
<h1>Weather today</h1>
<table><tr><th>City</th><th>Weather</th></tr>
<tr><td>Shanghai</td><td>Sunny</td></tr><tr><td>Beijing</td><td>Cloudy</td></tr></table>
<input id="q" placeholder="City name"><button onclick="document.getElementById('out').textContent =
  'Result for ' + document.getElementById('q').value">Search</button><p id="out"></p>""",
    "/hard": """<!doctype html><title>Hard cases</title>
<button>Plain button</button>
<button style="display:none">Hidden button</button>
<div style="position:relative"><button>Covered button</button>
  <div style="position:absolute;inset:0;background:#fff">overlay</div></div>
<div id="host"></div>
<iframe title="same"
  srcdoc="<button onclick=&quot;this.textContent='frame clicked'&quot;>Same-origin frame button</button>"></iframe>
<iframe title="cross" src="http://{other}:{port}/inner"></iframe>
<select id="s"><option>Red</option><option>Green</option></select>
<div style="cursor:pointer" onclick="this.textContent='custom chosen'">Custom option</div>
<p id="log"></p>
<script>
const root = document.getElementById('host').attachShadow({mode: 'open'});
root.innerHTML = '<button>Shadow button</button>';
root.querySelector('button').onclick = () => document.getElementById('log').textContent = 'shadow clicked';
</script>""",
    "/inner": """<!doctype html><title>Inner</title>
<button onclick="this.textContent='cross clicked'">Cross-origin frame button</button>""",
    "/tabs": """<!doctype html><title>Tabs</title>
<a href="/weather" target="_blank">Open weather in a new tab</a>""",
    "/upload": """<!doctype html><title>Upload</title>
<input type="file" id="f" onchange="document.getElementById('n').textContent = this.files[0].name">
<p id="n">no file</p>""",
    "/login": """<!doctype html><title>Login</title><form onsubmit="event.preventDefault();
document.getElementById('out').textContent = 'hello ' + document.getElementById('u').value
  + ' ' + document.getElementById('p').value.length"><input id="u" placeholder="User name">
<input id="p" type="password" placeholder="Password"><button id="go">Log in</button></form><p id="out"></p>""",
    "/counter": """<!doctype html><title>Counter</title>
<button onclick="document.getElementById('c').textContent = +document.getElementById('c').textContent + 1">
Add one</button><p id="c">0</p>""",
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        page = PAGES.get(self.path.split("?")[0])
        if page is None:
            self.send_error(404)
            return
        body = page.replace("{port}", str(self.server.server_address[1])).replace(
            "{other}", webhost.OTHER_ADDRESS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_pages(pages: dict[str, str] | None = None):
    """Base URL (http://ADDRESS:PORT) of the site on the test web host, which sessions
    reach; http://OTHER_ADDRESS:PORT is another origin (see webhost)."""
    handler = type("Handler", (_Handler,), {})
    if pages is not None:
        PAGES.update(pages)
    with webhost.http_server(handler) as httpd:
        yield f"http://{webhost.ADDRESS}:{httpd.server_port}"
