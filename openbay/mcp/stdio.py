"""`openbay mcp`: the MCP server over stdio, a client of an OpenBay server through the SDK."""
import anyio

from openbay.sdk import AsyncOpenBay, AuthenticationError, OpenBayConnectionError

from .bay import Bay
from .server import build_server


async def serve_stdio(api_key: str | None = None, base_url: str | None = None) -> None:
    """Serve MCP on stdin/stdout until the client closes it (OPENBAY_API_KEY / OPENBAY_BASE_URL
    when not given)."""
    bay = Bay(AsyncOpenBay(api_key=api_key, base_url=base_url))
    try:  # a bad key ends here, before any tool runs; a server not up yet is each tool's error
        await bay.client.list(limit=1)
    except OpenBayConnectionError:
        pass
    except AuthenticationError:
        await bay.close()
        raise

    async def bay_for(_ctx) -> Bay:
        return bay

    try:
        await build_server(bay_for).run_stdio_async()
    finally:
        await bay.close()


def run(api_key: str | None = None, base_url: str | None = None) -> None:
    anyio.run(serve_stdio, api_key, base_url)
