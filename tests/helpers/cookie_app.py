"""A Jupyter-like app in the standard library only, run inside a session by the link tests:
it lives at the root of its host (absolute URLs), signs its visitor in with cookies of its own
(one HttpOnly, one for scripts to read, one naming a Domain) and wants the XSRF cookie echoed in
a header on POST, as Jupyter does. `python3 cookie_app.py PORT`."""
import json
import secrets
import sys
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b"""<!doctype html><title>notebook</title><p id="out">starting</p>
<script src="/static/main.js"></script>"""
SCRIPT = b"""const xsrf = document.cookie.split("; ").find((c) => c.startsWith("_xsrf=")).slice(6);
fetch("/api/kernels", {method: "POST", headers: {"X-XSRFToken": xsrf}})
  .then((r) => r.json()).then((k) => { document.getElementById("out").textContent = "kernel " + k.id; },
                              (e) => { document.getElementById("out").textContent = "failed " + e; });"""


class App(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def _cookies(self) -> dict:
        jar = SimpleCookie(self.headers.get("cookie", ""))
        return {k: v.value for k, v in jar.items()}

    def _send(self, status: int, body: bytes, kind: str, cookies: list[str] = ()) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        for cookie in cookies:
            self.send_header("set-cookie", cookie)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            return self._send(200, PAGE, "text/html", [
                f"_xsrf={secrets.token_hex(8)}; Path=/", "login=yes; Path=/; HttpOnly; SameSite=Lax",
                "wide=1; Path=/; Domain=localhost"])
        if self.path == "/static/main.js":
            return self._send(200, SCRIPT, "text/javascript")
        if self.path == "/api/whoami":
            return self._send(200, json.dumps(self._cookies()).encode(), "application/json")
        self._send(404, b"not found", "text/plain")

    def do_POST(self):
        cookies = self._cookies()
        self.rfile.read(int(self.headers.get("content-length") or 0))
        ok = cookies.get("login") == "yes" and cookies.get("_xsrf") and \
            self.headers.get("x-xsrftoken") == cookies["_xsrf"]
        if self.path != "/api/kernels" or not ok:
            return self._send(403, b'{"message": "XSRF cookie does not match"}', "application/json")
        self._send(201, b'{"id": "k1"}', "application/json")


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), App).serve_forever()
