"""The sandbox side of E2B on OpenBay's own origin: a request carrying `E2b-Sandbox-Id` (as
E2B's SDK sends them when E2B_SANDBOX_URL names one URL for every sandbox) goes to envd's
services (port 49983) or the code interpreter (port 49999) of that session; a signed file
URL (`download_url`/`upload_url`) finds its session by its signature; with E2B_DOMAIN, the
hosts `49983-<id>.<domain>` and `49999-<id>.<domain>` under OpenBay's link domain are those
ports of that session. Everything else goes on to OpenBay's own routes."""
from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.routing import Router

from openbay.server.link_origins import parse_label

from . import code_interpreter, envd_http
from .access import owner_principal, signature_matches, token_matches
from .filesystem_service import filesystem_app
from .process_service import forget_ended, process_app
from .rpc import Target, current

ENVD_PORT, CODE_PORT = 49983, 49999


class E2BDataPlane:
    """ASGI middleware in front of the OpenBay app."""

    def __init__(self, app, openbay_app):
        self.app, self.openbay = app, openbay_app
        self.process, self.filesystem = process_app(), filesystem_app()
        self.envd_routes = Router(routes=envd_http.ROUTES)
        self.code_routes = Router(routes=code_interpreter.ROUTES)
        self.origins = None  # the server's link hosts, read once

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.lower(): v for k, v in scope["headers"] if k.lower() in _WANTED}
        sandbox_id = headers.get(b"e2b-sandbox-id", b"").decode("latin-1")
        port = headers.get(b"e2b-sandbox-port", str(ENVD_PORT).encode()).decode("latin-1")
        if not sandbox_id:  # E2B_DOMAIN: envd and the interpreter on link hosts, <port>-<id>.<domain>
            sandbox_id, port = self._on_link_host(headers.get(b"host", b"").decode("latin-1"))
        if sandbox_id:
            token = headers.get(b"x-access-token") or headers.get(b"e2b-traffic-access-token") or b""
            token = token.decode("latin-1")
            if not token_matches(self.openbay, sandbox_id, token):
                return await _refuse(401, "this sandbox's access token is missing or wrong", scope, receive, send)
        elif scope["path"] == "/files" and b"signature=" in scope.get("query_string", b""):
            sandbox_id, port = self._signed(scope), str(ENVD_PORT)
            if not sandbox_id:
                return await _refuse(401, "the file URL's signature is not valid (or it expired)", scope, receive, send)
        else:
            return await self.app(scope, receive, send)
        await self._serve(sandbox_id, port, scope, receive, send)

    def _on_link_host(self, host: str) -> tuple[str, str]:
        if self.origins is None:
            self.origins = self.openbay.state.settings.link_origins()
        label = self.origins.label_of(host) if host else None
        link = parse_label(label) if label else None
        if link is None or link[1] not in (ENVD_PORT, CODE_PORT):
            return "", ""  # another port's link: OpenBay's link proxy answers it
        return link[0], str(link[1])

    def _signed(self, scope) -> str:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        operation = "read" if scope["method"] == "GET" else "write"
        live = self.openbay.state.services.sessions.live
        return next((sid for sid in list(live) if signature_matches(self.openbay, sid, query, operation)), "")

    async def _serve(self, sandbox_id: str, port: str, scope, receive, send):
        state = self.openbay.state
        live = await state.services.sessions.adopt(sandbox_id)  # replicas: one another made is taken in hand
        if live is None:
            forget_ended(state, state.services.sessions.live)
            return await _refuse(502, f"sandbox {sandbox_id!r} is not running", scope, receive, send)
        if port == str(ENVD_PORT):
            path = scope["path"]
            app = (self.process if path.startswith("/process.Process/")
                   else self.filesystem if path.startswith("/filesystem.Filesystem/") else self.envd_routes)
        elif port == str(CODE_PORT):
            app = self.code_routes
        else:
            return await _refuse(404, f"port {port} is reached through an OpenBay port link (sandbox.get_host)",
                                 scope, receive, send)
        reset = current.set(Target(self.openbay, sandbox_id, owner_principal(live.row.owner_id)))
        try:
            await app(scope, receive, send)
        finally:
            current.reset(reset)


_WANTED = {b"e2b-sandbox-id", b"e2b-sandbox-port", b"x-access-token", b"e2b-traffic-access-token", b"host"}


async def _refuse(status: int, message: str, scope, receive, send):
    await JSONResponse({"code": status, "message": message}, status_code=status)(scope, receive, send)
