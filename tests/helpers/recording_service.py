"""A plain HTTP service on loopback that records every request it gets and answers each with a
secret: what a service on the host's own network looks like to a tenant probing through the server."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "host-only-secret-7f3a9c"


class RecordingService:
    def __init__(self):
        self.requests: list[tuple[str, str]] = []  # (method, path)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                service.requests.append((self.command, self.path))
                body = json.dumps({"error": {"message": SECRET}, "secret": SECRET}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> RecordingService:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
