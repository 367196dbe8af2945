"""`/mcp` on the OpenBay server: the MCP tools over streamable HTTP.

Every request must carry an API key (`Authorization: Bearer ob_...`); it is checked, and
rate limited, like any REST call before the MCP layer sees the message, so a bad key never
reaches a tool. Requests are stateless (no MCP session kept on the server): any replica can
answer any request, and progress notifications travel on the request's own SSE stream.
A tool works as the key's owner through the SDK against this same server (loopback), so
the MCP tools see exactly what the REST API allows that key.
"""
import contextlib
from collections import OrderedDict

from fastapi import FastAPI
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route

from openbay.sdk import AsyncOpenBay
from openbay.server.auth import bearer_secret, principal_for
from openbay.server.errors import ApiError, error_response

from .bay import Bay
from .server import build_server

PATH = "/mcp"
MAX_CLIENTS = 64  # one SDK client per API key in use, the least recently used closed first


def loopback_url(host: str, port: int) -> str:
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Clients:
    """An SDK client per API key, all talking to this server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self._bays: OrderedDict[str, Bay] = OrderedDict()

    async def bay_for(self, ctx: Context) -> Bay:
        secret = bearer_secret((ctx.headers or {}).get("authorization", ""))
        if not secret:  # the endpoint checked it; a message without headers did not come through it
            raise ToolError("this call carries no API key")
        bay = self._bays.get(secret)
        if bay is None:
            bay = self._bays[secret] = Bay(AsyncOpenBay(api_key=secret, base_url=self.base_url))
            while len(self._bays) > MAX_CLIENTS:
                await self._bays.popitem(last=False)[1].close()
        self._bays.move_to_end(secret)
        return bay

    async def close(self) -> None:
        while self._bays:
            await self._bays.popitem()[1].close()


def mount(app: FastAPI) -> None:
    """Serve the MCP tools at /mcp of `app` (an app of openbay.server.create_app)."""
    settings = app.state.settings
    clients = _Clients(loopback_url(settings.host, settings.port))
    # no DNS-rebinding host check: every request needs a Bearer key, which a browser page
    # cannot send to another origin
    server = build_server(clients.bay_for)
    server.streamable_http_app(stateless_http=True, max_request_body_size=settings.max_body_bytes,
                               transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    manager = server.session_manager

    class Endpoint:
        async def __call__(self, scope, receive, send):
            request = Request(scope)
            try:
                await principal_for(request.app, bearer_secret(request.headers.get("authorization", "")))
            except ApiError as e:
                return await error_response(e.code, e.message, e.headers)(scope, receive, send)
            await manager.handle_request(scope, receive, send)

    app.router.routes.append(Route(PATH, Endpoint(), methods=["GET", "POST", "DELETE"]))
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(the_app):
        async with inner(the_app) as state, manager.run():
            try:
                yield state
            finally:
                await clients.close()

    app.router.lifespan_context = lifespan
