"""`/mcp` on the OpenBay server: the MCP tools over streamable HTTP.

Every request must carry an API key (`Authorization: Bearer ob_...`); it is checked, and
rate limited, like any REST call before the MCP layer sees the message, so a bad key never
reaches a tool. Requests are stateless (no MCP session kept on the server): any replica can
answer any request, and progress notifications travel on the request's own SSE stream.
A tool works as the key's owner through the SDK against this same server (loopback), so
the MCP tools see exactly what the REST API allows that key.

The `mcp` package takes seconds to import on a busy machine; it is imported in a thread
while the server starts, so the REST API answers without waiting for it.
"""
import asyncio
import contextlib
import importlib
import logging
from collections import OrderedDict

from starlette.requests import Request

from openbay.protocol import ErrorCode
from openbay.sdk import AsyncOpenBay
from openbay.server.auth import bearer_secret, principal_for
from openbay.server.errors import ApiError, error_response

log = logging.getLogger("openbay.mcp")
PATH = "/mcp"
MAX_CLIENTS = 64  # one SDK client per API key in use, the least recently used closed first
READY_TIMEOUT_S = 60.0


def loopback_url(host: str, port: int) -> str:
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class McpEndpoint:
    """The ASGI app at /mcp, and the MCP server behind it once it is up."""

    def __init__(self, base_url: str, max_body_bytes: int):
        self.base_url = base_url
        self.max_body_bytes = max_body_bytes
        self.manager = None
        self.ready = asyncio.Event()
        self.stop = asyncio.Event()
        self._bays: OrderedDict = OrderedDict()

    async def __call__(self, scope, receive, send):
        request = Request(scope)
        try:
            await principal_for(request, bearer_secret(request.headers.get("authorization", "")))
            await self._wait_ready()
        except ApiError as e:
            return await error_response(e.code, e.message, e.headers)(scope, receive, send)
        await self.manager.handle_request(scope, receive, send)

    async def _wait_ready(self) -> None:
        try:
            await asyncio.wait_for(self.ready.wait(), READY_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise ApiError(ErrorCode.UNAVAILABLE, "the MCP server is not up; the server log says why") from None

    async def run(self) -> None:
        """Import and start the MCP server, serve until stop is set, then close the clients."""
        try:
            server_module = await asyncio.to_thread(importlib.import_module, "openbay.mcp.server")
            transport = await asyncio.to_thread(importlib.import_module, "mcp.server.transport_security")
        except Exception:
            log.exception("the MCP server could not start")
            raise
        server = server_module.build_server(self.bay_for)
        # no DNS-rebinding host check: every request needs a Bearer key, which a page of
        # another origin cannot send
        server.streamable_http_app(
            stateless_http=True, max_request_body_size=self.max_body_bytes,
            transport_security=transport.TransportSecuritySettings(enable_dns_rebinding_protection=False))
        self.manager = server.session_manager
        try:
            async with self.manager.run():
                self.ready.set()
                await self.stop.wait()
        finally:
            while self._bays:
                await self._bays.popitem()[1].close()

    @contextlib.asynccontextmanager
    async def running(self):
        """The MCP server up while the OpenBay server serves."""
        job = asyncio.create_task(self.run())
        try:
            yield
        finally:
            self.stop.set()
            with contextlib.suppress(Exception):
                await job

    async def bay_for(self, ctx):
        """The caller's Bay: an SDK client with the request's own key, talking to this server."""
        from .bay import Bay, ToolError

        secret = bearer_secret((ctx.headers or {}).get("authorization", ""))
        if not secret:  # the endpoint checked the key; a message without headers did not come through it
            raise ToolError("this call carries no API key")
        bay = self._bays.get(secret)
        if bay is None:
            bay = self._bays[secret] = Bay(AsyncOpenBay(api_key=secret, base_url=self.base_url))
            while len(self._bays) > MAX_CLIENTS:
                await self._bays.popitem(last=False)[1].close()
        self._bays.move_to_end(secret)
        return bay


def mount(app) -> None:
    """Serve the MCP tools at /mcp of `app` (an OpenBayApp of openbay.server.create_app)."""
    settings = app.state.settings
    endpoint = McpEndpoint(loopback_url(settings.host, settings.port), settings.max_body_bytes)
    app.add_endpoint(PATH, endpoint, methods=["GET", "POST", "DELETE"], running=endpoint.running)
